"""Parameter values: defaults < csmetrics.toml < mapping [definitions] < --set NAME=VALUE < explicit options."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from csmetrics.definitions import Definitions
from csmetrics.errors import ConfigError
from csmetrics.registry import Registry, load_registry

CONFIG_FILE_NAME = "csmetrics.toml"
# Top-level keys of csmetrics.toml that are settings, not metric parameters.
NON_PARAMETER_KEYS = frozenset({"db", "mapping", "preset", "targets"})


def valid_names_message(registry: Registry) -> str:
    lines = [f"  {p.name} ({p.describe_range()}; default {_show(p.default)})" for p in registry.params.values()]
    return "valid parameters:\n" + "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(value) if value else "(empty)"
    return str(value)


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"service_level": {"threshold_seconds": 30}}`` -> ``{"service_level.threshold_seconds": 30}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def find_config(explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            msg = f"config file {explicit} does not exist"
            raise ConfigError(msg)
        return explicit
    local = Path.cwd() / CONFIG_FILE_NAME
    return local if local.is_file() else None


def read_config(path: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (parameter values, other settings) from a csmetrics.toml."""
    if path is None:
        return {}, {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        msg = f"{path}: not valid TOML: {e}"
        raise ConfigError(msg) from e
    except OSError as e:
        msg = f"cannot read config file {path}: {e.strerror}"
        raise ConfigError(msg) from e
    settings = {k: data.pop(k) for k in list(data) if k in NON_PARAMETER_KEYS}
    return flatten(data), settings


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            msg = f"--set expects NAME=VALUE, got {item!r} (for example --set service_level.threshold_seconds=30)"
            raise ConfigError(msg)
        out[name.strip()] = value.strip()
    return out


def resolve(
    *,
    config_path: Path | None = None,
    config_values: Mapping[str, Any] | None = None,
    assignments: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
    mapping_values: Mapping[str, Any] | None = None,
    mapping_origin: str = "mapping",
) -> Definitions:
    """Merge defaults < config file < mapping ``[definitions]`` < ``--set`` < explicit options.

    ``mapping_values`` are the parameter values a mapping file says its export needs
    (``mapping_origin`` names it, e.g. ``mapping examples/mappings/pwc_phonenow.toml``).

    Every unknown name and bad value is reported at once, with the valid names
    and ranges, as a :class:`ConfigError` (exit 2).
    """
    reg = registry or load_registry()
    values: dict[str, Any] = {name: spec.default for name, spec in reg.params.items()}
    sources: dict[str, str] = dict.fromkeys(values, "default")
    problems: list[str] = []
    layers = [
        (f"config {config_path}" if config_path else "config", config_values or {}),
        (mapping_origin, mapping_values or {}),
        ("--set", assignments or {}),
        ("option", overrides or {}),
    ]
    for origin, layer in layers:
        for name, raw in layer.items():
            spec = reg.params.get(name)
            if spec is None:
                problems.append(f"unknown parameter {name!r} (from {origin})")
                continue
            try:
                values[name] = spec.coerce(raw)
            except ConfigError as e:
                problems.append(f"{e} (from {origin})")
                continue
            sources[name] = origin
    if problems:
        raise ConfigError("\n".join(problems) + "\n" + valid_names_message(reg))
    return Definitions(specs=reg.params, values=values, sources=sources)

"""Parameter values: defaults < csmetrics.toml < mapping [definitions] < --set NAME=VALUE < explicit options.

csmetrics.toml is read once per run (:func:`read_config`); its parameter tables become the ``config``
layer and its other keys (``db``, ``mapping``, ``preset``, ``targets``, ``memory_limit``,
``temp_directory``) are settings.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csmetrics.definitions.model import Registry
from csmetrics.definitions.params import Definitions, ParamSpec, override_spec
from csmetrics.definitions.registry import load_registry
from csmetrics.errors import ConfigError

CONFIG_FILE_NAME = "csmetrics.toml"
# Top-level keys of csmetrics.toml that are settings, not metric parameters.
NON_PARAMETER_KEYS = frozenset({"db", "mapping", "preset", "targets", "memory_limit", "temp_directory"})


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


@dataclass(frozen=True)
class Config:
    """One csmetrics.toml, read once: its parameter values (flattened) and its other settings."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def find(cls, explicit: Path | None = None) -> Config:
        """``explicit`` (which must exist), else ./csmetrics.toml when there is one, else no config."""
        if explicit is not None:
            if not explicit.is_file():
                msg = f"config file {explicit} does not exist"
                raise ConfigError(msg)
            return cls.read(explicit)
        local = Path.cwd() / CONFIG_FILE_NAME
        return cls.read(local) if local.is_file() else cls()

    @classmethod
    def read(cls, path: Path) -> Config:
        data = read_toml(path, "config file")
        settings = {k: data.pop(k) for k in list(data) if k in NON_PARAMETER_KEYS}
        return cls(path=path, values=flatten(data), settings=settings)

    @property
    def origin(self) -> str:
        return f"config {self.path}" if self.path else "config"

    def relative(self, key: str) -> Path | None:
        """A path setting (``db``, ``mapping``), relative to the config file's folder."""
        value = self.settings.get(key)
        if value is None or self.path is None:
            return None
        if not isinstance(value, str) or not value:
            msg = f"{self.path}: {key} must be a file path string"
            raise ConfigError(msg)
        path = Path(value)
        return path if path.is_absolute() else self.path.parent / path


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file as a dict, or ConfigError naming the file and what is wrong with it."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as e:
        msg = f"cannot read {what} {path}: {e.strerror}"
        raise ConfigError(msg) from e
    except UnicodeDecodeError as e:
        msg = f"{path}: {what} is not UTF-8 text (byte {e.start + 1} cannot be read); save it as UTF-8"
        raise ConfigError(msg) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = f"{path}: {what} is not valid TOML: {e}"
        raise ConfigError(msg) from None
    except RecursionError:
        msg = f"{path}: {what} is nested too deeply to be a csmetrics file"
        raise ConfigError(msg) from None


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
    config: Config | None = None,
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
    specs: dict[str, ParamSpec] = dict(reg.params)
    values: dict[str, Any] = {name: spec.default for name, spec in reg.params.items()}
    sources: dict[str, str] = dict.fromkeys(values, "default")
    problems: list[str] = []
    layers = [
        (config.origin if config else "config", config.values if config else {}),
        (mapping_origin, mapping_values or {}),
        ("--set", assignments or {}),
        ("option", overrides or {}),
    ]
    for origin, layer in layers:
        for name, raw in layer.items():
            try:
                spec = specs.get(name) or override_spec(name, reg.params)
                if spec is None:
                    problems.append(f"unknown parameter {name!r} (from {origin})")
                    continue
                values[name] = spec.coerce(raw)
            except ConfigError as e:
                problems.append(f"{e} (from {origin})")
                continue
            specs[name] = spec
            sources[name] = origin
    if problems:
        raise ConfigError("\n".join(problems) + "\n" + valid_names_message(reg))
    check_consistency(values)
    return Definitions(specs=specs, values=values, sources=sources)


@dataclass(frozen=True)
class Recorded:
    """Parameter values the loads of a store were read with (their mapping's [definitions]), and which loads."""

    values: Mapping[str, Any]
    mappings: tuple[str, ...]  # the mapping names ("" for loads read without one)
    loads: tuple[int, ...]

    def describe(self) -> str:
        names = ", ".join(m or "no mapping" for m in self.mappings)
        return f"loads {_ranges(self.loads)} ({names})"


def _ranges(ids: tuple[int, ...]) -> str:
    """1, 2, 3, 5 -> '1-3, 5'."""
    out: list[str] = []
    for i in sorted(ids):
        if out and out[-1].split("-")[-1] == str(i - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{i}"
        else:
            out.append(str(i))
    return ", ".join(out)


def _explicit(source: str) -> bool:
    """A value given for this report (--set, an option, a mapping given now) rather than a default or config."""
    return source != "default" and not source.startswith("config")


def apply_recorded(definitions: Definitions, recorded: list[Recorded], store: str) -> Definitions:
    """The definitions of a report from a store whose loads recorded their mappings' [definitions].

    The recorded values take the place of a mapping given now: above the defaults and csmetrics.toml, below
    --set and options. When the loads disagree on a parameter (different mappings, or some loads without the
    mapping), the report would mix definitions: that is a ConfigError unless the report sets it explicitly.
    """
    chosen, specs, conflicts = _recorded_values(definitions, recorded)
    if conflicts:
        msg = (
            f"the loads of store {store} were read with different definitions, and a report would mix them:\n"
            + "\n".join(conflicts)
            + "\nGive the value every contact is to be judged by with --set NAME=VALUE, or keep exports read with "
            "different mappings in separate stores."
        )
        raise ConfigError(msg)
    if not chosen:
        return definitions
    mappings = sorted({m for group in recorded for m in group.mappings if m})
    origin = f"store {store} (mapping {', '.join(mappings)})" if mappings else f"store {store}"
    check_consistency({**definitions.values, **chosen})
    return definitions.replace(chosen, origin, specs=specs)


def _recorded_values(
    definitions: Definitions, recorded: list[Recorded]
) -> tuple[dict[str, Any], dict[str, ParamSpec], list[str]]:
    """(the recorded values a report takes, their specs, a line per parameter the loads disagree on)."""
    chosen: dict[str, Any] = {}
    specs: dict[str, ParamSpec] = {}
    conflicts: list[str] = []
    for name in sorted({name for group in recorded for name in group.values}):
        spec = definitions.specs.get(name) or _override_or_none(name, definitions)
        if spec is None or _explicit(definitions.sources.get(name, "default")):
            continue
        conflict = _disagreement(name, recorded)
        if conflict:
            conflicts.append(conflict)
        else:
            chosen[name] = spec.coerce(recorded[0].values[name])
            specs[name] = spec
    return chosen, specs, conflicts


def _override_or_none(name: str, definitions: Definitions) -> ParamSpec | None:
    base = {n: sp for n, sp in definitions.specs.items() if sp.scopes}
    try:
        return override_spec(name, base)
    except ConfigError:
        return None


def _disagreement(name: str, recorded: list[Recorded]) -> str | None:
    """How the loads' values of ``name`` differ, as a line of the error; None when they all agree."""
    by_value: dict[str, list[Recorded]] = {}
    for group in recorded:
        by_value.setdefault(json_key(group.values.get(name)), []).append(group)
    if len(by_value) == 1:
        return None
    shown = "; ".join(
        f"{groups[0].values.get(name, 'not set')} in " + ", ".join(g.describe() for g in groups)
        for groups in by_value.values()
    )
    return f"  {name}: {shown}"


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def check_consistency(values: Mapping[str, Any]) -> None:
    """Parameters that must agree with each other (each is valid on its own)."""
    lo, hi, sat = values["csat.scale_min"], values["csat.scale_max"], values["csat.satisfied_min"]
    if lo >= hi:
        msg = f"csat.scale_min ({lo}) must be below csat.scale_max ({hi})"
        raise ConfigError(msg)
    if not lo <= sat <= hi:
        msg = f"csat.satisfied_min ({sat}) must be within the scale csat.scale_min..csat.scale_max ({lo}..{hi})"
        raise ConfigError(msg)

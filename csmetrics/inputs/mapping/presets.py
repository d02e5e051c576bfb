"""The built-in presets (mappings of the major platforms' exports) and how a run chooses its mapping."""

from __future__ import annotations

from pathlib import Path

from csmetrics.definitions.config import Config
from csmetrics.inputs.mapping.model import Mapping, MappingError


def presets_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.toml"))


def load_preset(name: str) -> Mapping:
    if name not in preset_names():
        msg = f"unknown preset {name!r}; known: {', '.join(preset_names())}"
        raise MappingError(msg)
    return Mapping.from_toml((presets_dir() / f"{name}.toml").read_text(encoding="utf-8"), f"preset {name}")


def choose_mapping(config: Config, mapping: Path | None, preset: str | None) -> Mapping | None:
    """--mapping / --preset, else ``mapping = "FILE"`` / ``preset = "NAME"`` in csmetrics.toml, else none.

    A mapping path in csmetrics.toml is relative to that file.
    """
    if mapping is not None and preset is not None:
        msg = "give --mapping FILE or --preset NAME, not both"
        raise MappingError(msg)
    if mapping is not None:
        return Mapping.from_file(mapping)
    if preset is not None:
        return load_preset(preset)
    if "mapping" in config.settings and "preset" in config.settings:
        msg = f"{config.path}: set mapping or preset, not both"
        raise MappingError(msg)
    path = config.relative("mapping")
    if path is not None:
        return Mapping.from_file(path)
    if "preset" in config.settings:
        return load_preset(str(config.settings["preset"]))
    return None

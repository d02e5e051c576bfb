"""A column mapping as data: the TOML file read and checked, before it meets any export.

The file format is described in :mod:`csmetrics.inputs.mapping`."""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.definitions.config import flatten
from csmetrics.definitions.params import is_zone_name
from csmetrics.errors import ConfigError
from csmetrics.inputs import textformat
from csmetrics.inputs.schema import INTERACTION_COLUMNS
from csmetrics.inputs.shapes import SHAPES
from csmetrics.sqltext import connect

# Mapping keys: the canonical columns plus two helpers that are never stored.
EXTRA_KEYS = {
    "started_at": "timestamp",  # when the call started (before the IVR), a base for derive
    "ivr_seconds": "number",  # time in the IVR, e.g. offered_at = derive ["started_at", "ivr_seconds"]
    "wait_seconds": "number",  # queue wait, used by derive and for an abandon's end
    "outcome": "outcome",  # answered / abandoned / excluded, overrides what the timestamps say
}
KEY_KINDS: dict[str, str] = {c.name: c.kind for c in INTERACTION_COLUMNS} | EXTRA_KEYS
OUTCOMES = ("answered", "abandoned", "excluded")
UNITS = {
    "seconds": 1.0,
    "milliseconds": 0.001,
    "minutes": 60.0,
    "hours": 3600.0,
    "days": 86400.0,
    "hms": None,  # H:MM:SS (or MM:SS, or an Excel time cell)
}
SPEC_KEYS = frozenset(
    {
        "from",
        "unit",
        "format",
        "date",
        "time",
        "date_format",
        "start",
        "derive",
        "values",
        "default",
        "true",
        "false",
        "optional",
        "separator",
        "present",
        "first",
        "when_empty",
        "minus",
        "value",
        "record",
    }
)
# Options a table in ``first = [...]`` may carry (each is read as ``from = COLUMN`` with them).
FIRST_ENTRY_KEYS = frozenset({"from", "unit", "format", "values", "default", "true", "false", "present"})
DEFAULT_TRUE = ("true", "t", "yes", "y", "1")
DEFAULT_FALSE = ("false", "f", "no", "n", "0")


class MappingError(ConfigError):
    """A mapping file is invalid or does not fit the export (exit 2)."""


@dataclass(frozen=True)
class Mapping:
    name: str
    columns: dict[str, dict[str, Any]]
    timezone: str | None = None
    sheet: str | int | None = None
    date_format: str | None = None
    description: str = ""
    detect: tuple[str, ...] = ()
    definitions: dict[str, Any] = field(default_factory=dict)  # [definitions], flattened parameter values
    records: tuple[str, ...] = ()  # JSON: where the records are in a wrapper object ("calls", "resultSet.x")
    shape: str | None = None  # a built-in reshaping of the records (csmetrics.inputs.shapes)
    encoding: str | None = None  # [source] encoding of CSV exports (csmetrics.inputs.textformat)
    decimal_separator: str | None = None  # [source] decimal_separator of CSV exports: "." or ","

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text: str, name: str) -> Mapping:
        data = _parse(text, name)
        source = data.get("source", {})
        columns = _columns(data.get("columns"), name)
        preset = data.get("preset", {})
        return cls(
            name=name,
            columns=columns,
            timezone=source.get("timezone"),
            sheet=source.get("sheet"),
            date_format=source.get("date_format"),
            description=str(preset.get("description", "")),
            detect=tuple(preset.get("detect", ())),
            definitions=flatten(data.get("definitions", {})),
            records=_records(source.get("records"), name),
            shape=_shape(source.get("shape"), name),
            encoding=source.get("encoding"),
            decimal_separator=source.get("decimal_separator"),
        )

    @classmethod
    def from_file(cls, path: Path) -> Mapping:
        try:
            text = Path(path).read_bytes().decode("utf-8")
        except OSError as e:
            msg = f"cannot read mapping file {path}: {e.strerror}"
            raise MappingError(msg) from e
        except UnicodeDecodeError as e:
            msg = f"mapping {path}: not UTF-8 text (byte {e.start + 1} cannot be read); save it as UTF-8"
            raise MappingError(msg) from None
        return cls.from_toml(text, str(path))

    def source_columns(self) -> list[str]:
        """Every export column this mapping reads (for matching a file to a preset)."""
        out: list[str] = []
        for spec in self.columns.values():
            if isinstance(spec.get("when_empty"), dict):
                out.append(spec["when_empty"]["column"])
            for k in ("from", "date", "time", "start", "first"):
                v = spec.get(k)
                if isinstance(v, str):
                    out.append(v)
                elif isinstance(v, list):
                    out.extend(e["from"] if isinstance(e, dict) else e for e in v)
        return out


def _normalise(name: str, key: str, spec: Any) -> dict[str, Any]:
    """One ``[columns]`` entry checked and written as a table (a bare column name becomes ``from``)."""
    where = f"mapping {name}: columns.{key}"
    if key not in KEY_KINDS:
        msg = f"{where}: unknown canonical column; valid: {', '.join(KEY_KINDS)}"
        raise MappingError(msg)
    if isinstance(spec, str | list):
        spec = {"from": spec}
    if not isinstance(spec, dict):
        msg = f"{where}: expected an export column name or a table, got {spec!r}"
        raise MappingError(msg)
    kind = KEY_KINDS[key]
    for check in _SPEC_CHECKS:
        problem = check(spec, kind)
        if problem:
            msg = f"{where}: {problem}"
            raise MappingError(msg)
    return dict(spec)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _first_entries(value: Any) -> bool:
    """``first = [...]``: export column names, or tables ``{ from = COLUMN, values = ..., ... }``."""
    if not isinstance(value, list) or not value:
        return False
    for entry in value:
        if isinstance(entry, dict):
            if not isinstance(entry.get("from"), str) or set(entry) - FIRST_ENTRY_KEYS:
                return False
            if "values" in entry and not _text_values(entry["values"]):
                return False
        elif not isinstance(entry, str):
            return False
    return True


def _text_values(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _check_options(spec: dict[str, Any], kind: str) -> str | None:
    bad = set(spec) - SPEC_KEYS
    return f"unknown option(s) {', '.join(sorted(bad))}; valid: {', '.join(sorted(SPEC_KEYS))}" if bad else None


def _check_source(spec: dict[str, Any], kind: str) -> str | None:
    if len([k for k in ("from", "date", "derive", "first", "value", "record") if k in spec]) != 1:
        return (
            "give exactly one of from = COLUMN, date = COLUMN (+ time = COLUMN), derive = [...], "
            'first = [COLUMN, ...], value = "THE SAME ON EVERY ROW", record = true (the record number)'
        )
    if "value" in spec and not isinstance(spec["value"], str | int | float | bool):
        return f'value = sets the same value on every row, e.g. value = "2024-01-01"; got {spec["value"]!r}'
    if "record" in spec and (spec["record"] is not True or kind != "text"):
        return (
            "record = true (the record's line or row number in the file) is only for text keys such as interaction_id"
        )
    if "first" in spec and not _first_entries(spec["first"]):
        first = spec["first"]
        return (
            "first = [COLUMN, ...] lists export columns (or tables { from = COLUMN, ... } with their own options), "
            f"the first non-empty one is used; got {first!r}"
        )
    if isinstance(spec.get("from"), list) and (kind != "text" or not _strings(spec["from"])):
        return "a list of columns (joined with separator) is only for text columns"
    return None


def _check_timestamp_builders(spec: dict[str, Any], kind: str) -> str | None:
    if ("date" in spec or "derive" in spec) and kind != "timestamp":
        return "date/time and derive only build timestamps"
    if "date" in spec and "time" not in spec:
        return "date = needs time = (the clock-time column)"
    d = spec.get("derive")
    if d is not None and not (
        isinstance(d, list)
        and len(d) >= 2
        and KEY_KINDS.get(d[0]) == "timestamp"
        and all(KEY_KINDS.get(x) == "number" for x in d[1:])
    ):
        return f'derive = [TIMESTAMP_KEY, DURATION_KEY, ...], e.g. ["offered_at", "wait_seconds"]; got {d!r}'
    return None


def _check_unit(spec: dict[str, Any], kind: str) -> str | None:
    if "unit" in spec and (kind != "number" or spec["unit"] not in UNITS):
        return f"unit is for durations and must be one of {', '.join(UNITS)}; got {spec['unit']!r}"
    return None


def _wrong_outcomes(values: dict[str, str]) -> str:
    return ", ".join(sorted(set(values.values()) - {*OUTCOMES, ""}))


def _check_values(spec: dict[str, Any], kind: str) -> str | None:
    if "values" not in spec:
        if kind == "outcome" and "value" in spec:
            ok = str(spec["value"]) in OUTCOMES
            return None if ok else f"value = one of {', '.join(OUTCOMES)}; got {spec['value']!r}"
        if kind == "outcome" and "default" not in spec and not _first_tables(spec):
            return 'needs values = { EXPORT_VALUE = "answered"|"abandoned"|"excluded", ... } (or default = ...)'
        if kind == "outcome" and "default" in spec and spec["default"] not in (*OUTCOMES, ""):
            return f'outcome default must be {", ".join(OUTCOMES)} or ""; got {spec["default"]!r}'
        return None
    if not _text_values(spec["values"]):
        return "values must be a table of export value = canonical value (text)"
    if kind == "outcome" and _wrong_outcomes(spec["values"]):
        choices = ", ".join(OUTCOMES)
        return f'outcome values must be {choices} or "" (the timestamps decide); got {_wrong_outcomes(spec["values"])}'
    return None


def _first_tables(spec: dict[str, Any]) -> bool:
    """``first`` lists tables that carry their own values or default (each checked on its own)."""
    entries = spec.get("first")
    return isinstance(entries, list) and all(isinstance(e, dict) and ({"values", "default"} & set(e)) for e in entries)


def _check_first_outcomes(spec: dict[str, Any], kind: str) -> str | None:
    if kind != "outcome" or not isinstance(spec.get("first"), list):
        return None
    for entry in spec["first"]:
        if not isinstance(entry, dict):
            return 'an outcome read with first = [...] lists tables { from = COLUMN, values = {...}, default = "..." }'
        wrong = _wrong_outcomes({**entry.get("values", {}), **({"": entry["default"]} if "default" in entry else {})})
        if wrong:
            return f'outcome values must be {", ".join(OUTCOMES)} or "" (the timestamps decide); got {wrong}'
    return None


def _check_minus(spec: dict[str, Any], kind: str) -> str | None:
    if "minus" not in spec:
        return None
    m = spec["minus"]
    if kind != "number" or not _strings(m) or any(KEY_KINDS.get(k) != "number" for k in m):
        return (
            f'minus = [DURATION_KEY, ...] subtracts other durations from a duration, e.g. ["hold_seconds"]; got {m!r}'
        )
    return None


def _check_when_empty(spec: dict[str, Any], kind: str) -> str | None:
    if "when_empty" not in spec:
        return None
    w = spec["when_empty"]
    ok = isinstance(w, dict) and set(w) == {"column", "values"} and isinstance(w["column"], str)
    if not ok or not _text_values(w["values"]) or not isinstance(spec.get("from"), str) or "values" not in spec:
        return (
            'when_empty = { column = "OTHER COLUMN", values = { VALUE = "..." } } goes with '
            "from = COLUMN and values = {...}: while OTHER COLUMN is empty, its values are tried first"
        )
    if kind == "outcome" and _wrong_outcomes(w["values"]):
        return f'when_empty outcome values must be {", ".join(OUTCOMES)} or ""; got {_wrong_outcomes(w["values"])}'
    return None


def _check_booleans(spec: dict[str, Any], kind: str) -> str | None:
    for k in ("true", "false"):
        if k in spec and (kind != "boolean" or not isinstance(spec[k], list)):
            return f"{k} = [...] lists the export's words for {k} (boolean columns only)"
    return None


@functools.cache
def _format_checker() -> duckdb.DuckDBPyConnection:
    return connect()


def format_problem(fmt: Any) -> str | None:
    """Why ``fmt`` is not a strptime format DuckDB reads (None: it is one), checked before any file is read."""
    if not isinstance(fmt, str) or not fmt:
        return f'a format is text such as "%d/%m/%Y %H:%M"; got {fmt!r}'
    try:
        _format_checker().execute("SELECT try_strptime('', $fmt)", {"fmt": fmt}).fetchall()
    except duckdb.Error:
        return (
            f"{fmt!r} is not a time format: use strptime codes such as %Y %m %d %H %M %S %p %z "
            "(https://duckdb.org/docs/sql/functions/dateformat)"
        )
    return None


def _check_formats(spec: dict[str, Any], kind: str) -> str | None:
    for key in ("format", "date_format"):
        if key in spec:
            problem = format_problem(spec[key])
            if problem:
                return f"{key}: {problem}"
    return None


def _check_default(spec: dict[str, Any], kind: str) -> str | None:
    """A number column's default is a finite number (text such as "0" or "1.5" included)."""
    if kind != "number" or "default" not in spec or spec.get("unit") == "hms":
        return None
    value = spec["default"]
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        return f"default must be a number (seconds, before unit), got {value!r}"
    return None


_SPEC_CHECKS = (
    _check_options,
    _check_formats,
    _check_default,
    _check_source,
    _check_timestamp_builders,
    _check_unit,
    _check_values,
    _check_when_empty,
    _check_booleans,
    _check_minus,
    _check_first_outcomes,
)


def _parse(text: str, name: str) -> dict[str, Any]:
    """The TOML of a mapping, with its top-level tables checked."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = f"mapping {name}: not valid TOML: {e}"
        raise MappingError(msg) from e
    except RecursionError:
        msg = f"mapping {name}: nested too deeply to be a mapping file"
        raise MappingError(msg) from None
    unknown = set(data) - {"source", "columns", "preset", "definitions"}
    if unknown:
        msg = (
            f"mapping {name}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
            "use [source], [columns] and [definitions]"
        )
        raise MappingError(msg)
    if not isinstance(data.get("definitions", {}), dict):
        msg = (
            f"mapping {name}: definitions must be a table of parameter values, "
            "e.g. [definitions] abandon.short_abandon_seconds = 0"
        )
        raise MappingError(msg)
    source = data.get("source", {})
    bad = set(source) - {"timezone", "sheet", "date_format", "records", "shape", "encoding", "decimal_separator"}
    if bad:
        msg = f"mapping {name}: unknown key(s) source.{', source.'.join(sorted(bad))}"
        raise MappingError(msg)
    _check_source_table(name, source)
    return data


def _check_source_table(name: str, source: dict[str, Any]) -> None:
    zone = source.get("timezone")
    if zone is not None and not (isinstance(zone, str) and is_zone_name(zone.strip())):
        msg = f"mapping {name}: source.timezone: {zone!r} is not an IANA time zone such as UTC or Europe/Paris"
        raise MappingError(msg)
    try:
        if "encoding" in source:
            textformat.encoding_name(str(source["encoding"]), f"mapping {name}: source.encoding")
        if "decimal_separator" in source:
            textformat.decimal_separator(str(source["decimal_separator"]), f"mapping {name}: source.decimal_separator")
    except ConfigError as e:
        raise MappingError(str(e)) from None
    if "date_format" in source:
        problem = format_problem(source["date_format"])
        if problem:
            msg = f"mapping {name}: source.date_format: {problem}"
            raise MappingError(msg)


def _columns(raw: Any, name: str) -> dict[str, dict[str, Any]]:
    """The ``[columns]`` table checked: each entry, the required keys, and what derive refers to."""
    if not isinstance(raw, dict) or not raw:
        msg = f"mapping {name}: needs a [columns] table mapping canonical columns to export columns"
        raise MappingError(msg)
    columns = {key: _normalise(name, key, spec) for key, spec in raw.items()}
    if "interaction_id" not in columns or "offered_at" not in columns:
        msg = f"mapping {name}: columns.interaction_id and columns.offered_at are required"
        raise MappingError(msg)
    if not {"answered_at", "ended_at", "outcome"} & set(columns):
        msg = (
            f"mapping {name}: map columns.answered_at, columns.ended_at or columns.outcome "
            "to tell answered from abandoned"
        )
        raise MappingError(msg)
    for key, spec in columns.items():
        unmapped = [k for k in (*spec.get("derive", ()), *spec.get("minus", ())) if k not in columns]
        if unmapped:
            msg = f"mapping {name}: columns.{key}: uses {', '.join(unmapped)}, which the mapping does not map"
            raise MappingError(msg)
    return columns


def _records(raw: Any, name: str) -> tuple[str, ...]:
    """``[source] records``: one dotted path or a list of them (the first one a JSON value holds is used)."""
    if raw is None:
        return ()
    paths = [raw] if isinstance(raw, str) else raw
    if not _strings(paths) or any(not p.strip() or any(not part for part in p.split(".")) for p in paths):
        msg = (
            f'mapping {name}: source.records names where the records are in a JSON wrapper, e.g. "calls" or '
            f'["resultSet.completedContacts", "contacts"]; got {raw!r}'
        )
        raise MappingError(msg)
    return tuple(paths)


def _shape(raw: Any, name: str) -> str | None:
    if raw is None:
        return None
    if raw not in SHAPES:
        msg = f"mapping {name}: unknown source.shape {raw!r}; known: {', '.join(sorted(SHAPES))}"
        raise MappingError(msg)
    return str(raw)

"""Column mappings: turn any export into the canonical schema with fixed SQL templates.

A mapping is a TOML file (``--mapping FILE``, ``mapping = "FILE"`` in csmetrics.toml,
or a built-in preset, ``--preset NAME``)::

    [source]
    timezone = "Asia/Jerusalem"   # zone of naive times (overrides source_timezone)
    sheet = "Sheet1"              # .xlsx sheet (name or 0-based index)
    date_format = "%y%m%d"        # default strptime format of date columns

    [columns]
    interaction_id = "Call Id"                                   # rename
    queue = { from = "type" }
    agent_id = { from = "server", values = { NO_SERVER = "" } }  # value map; "" = empty
    offered_at = { date = "date", time = "vru_exit" }            # date + clock time
    ended_at = { date = "date", time = "ser_exit", start = "ser_start" }  # exit < start = next day
    wait_seconds = { from = "q_time", unit = "seconds" }         # seconds|milliseconds|minutes|hms|days
    answered_at = { derive = ["offered_at", "wait_seconds"] }    # offered + wait
    talk_seconds = { from = "AvgTalkDuration", unit = "hms" }
    transferred = { from = "Xfer", true = ["X"], false = [""] }
    outcome = { from = "outcome", values = { AGENT = "answered", HANG = "abandoned", PHANTOM = "excluded" } }
    offered_at = { first = ["Queue.EnqueueTimestamp", "InitiationTimestamp"] }  # first non-empty
    outcome = { from = "InitiationMethod", values = { INBOUND = "" },           # "" = timestamps decide
                when_empty = { column = "Queue.EnqueueTimestamp", values = { INBOUND = "excluded" } } }

    [definitions]                 # parameter values this export needs (above csmetrics.toml, below --set)
    abandon.short_abandon_seconds = 0

Every export column named in a mapping is user input: it must appear in the file's
DESCRIBE output (or be a field of a STRUCT column, ``Queue.EnqueueTimestamp``), and it
enters SQL only through :func:`quote_identifier`. Every value (formats, value maps,
separators, time zone) is a bound parameter. The SQL itself is a fixed template per
declared kind.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import ConfigError, InputError
from csmetrics.schema import COLUMNS_BY_NAME, Column, INTERACTION_COLUMNS, parse_expression, quote_identifier, type_family

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
    {"from", "unit", "format", "date", "time", "date_format", "start", "derive", "values", "default",
     "true", "false", "optional", "separator", "present", "first", "when_empty"}
)
DEFAULT_TRUE = ("true", "t", "yes", "y", "1")
DEFAULT_FALSE = ("false", "f", "no", "n", "0")


class MappingError(ConfigError):
    """A mapping file is invalid or does not fit the export (exit 2)."""


def presets_dir() -> Path:
    return Path(str(files("csmetrics"))) / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.toml"))


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

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text: str, name: str) -> Mapping:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            msg = f"mapping {name}: not valid TOML: {e}"
            raise MappingError(msg) from e
        unknown = set(data) - {"source", "columns", "preset", "definitions"}
        if unknown:
            msg = (
                f"mapping {name}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
                "use [source], [columns] and [definitions]"
            )
            raise MappingError(msg)
        definitions_raw = data.get("definitions", {})
        if not isinstance(definitions_raw, dict):
            msg = f"mapping {name}: definitions must be a table of parameter values, e.g. [definitions] abandon.short_abandon_seconds = 0"
            raise MappingError(msg)
        source = data.get("source", {})
        bad = set(source) - {"timezone", "sheet", "date_format"}
        if bad:
            msg = f"mapping {name}: unknown key(s) source.{', source.'.join(sorted(bad))}"
            raise MappingError(msg)
        columns_raw = data.get("columns")
        if not isinstance(columns_raw, dict) or not columns_raw:
            msg = f"mapping {name}: needs a [columns] table mapping canonical columns to export columns"
            raise MappingError(msg)
        columns = {key: _normalise(name, key, spec) for key, spec in columns_raw.items()}
        if "interaction_id" not in columns or "offered_at" not in columns:
            msg = f"mapping {name}: columns.interaction_id and columns.offered_at are required"
            raise MappingError(msg)
        if not {"answered_at", "ended_at", "outcome"} & set(columns):
            msg = f"mapping {name}: map columns.answered_at, columns.ended_at or columns.outcome to tell answered from abandoned"
            raise MappingError(msg)
        for key, spec in columns.items():
            unmapped = [k for k in spec.get("derive", ()) if k not in columns]
            if unmapped:
                msg = f"mapping {name}: columns.{key}: derive uses {', '.join(unmapped)}, which the mapping does not map"
                raise MappingError(msg)
        preset = data.get("preset", {})
        return cls(
            name=name,
            columns=columns,
            timezone=source.get("timezone"),
            sheet=source.get("sheet"),
            date_format=source.get("date_format"),
            description=str(preset.get("description", "")),
            detect=tuple(preset.get("detect", ())),
            definitions=_flatten(definitions_raw),
        )

    @classmethod
    def from_file(cls, path: Path) -> Mapping:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            msg = f"cannot read mapping file {path}: {e.strerror}"
            raise MappingError(msg) from e
        return cls.from_toml(text, str(path))

    @classmethod
    def preset(cls, name: str) -> Mapping:
        path = presets_dir() / f"{name}.toml"
        if name not in preset_names():
            msg = f"unknown preset {name!r}; known: {', '.join(preset_names())}"
            raise MappingError(msg)
        return cls.from_toml(path.read_text(encoding="utf-8"), f"preset {name}")

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
                    out.extend(v)
        return out

    # -- compiling against one file -----------------------------------------------------
    def compile(
        self,
        con: duckdb.DuckDBPyConnection,
        described: list[tuple[str, str]],
        *,
        reader: str,
        position: str,
        source_timezone: str,
        path: Path,
    ) -> CompiledMapping:
        return _Compiler(self, con, described, reader, position, source_timezone, path).compile()


def _normalise(name: str, key: str, spec: Any) -> dict[str, Any]:
    where = f"mapping {name}: columns.{key}"
    if key not in KEY_KINDS:
        msg = f"{where}: unknown canonical column; valid: {', '.join(KEY_KINDS)}"
        raise MappingError(msg)
    if isinstance(spec, str | list):
        spec = {"from": spec}
    if not isinstance(spec, dict):
        msg = f"{where}: expected an export column name or a table, got {spec!r}"
        raise MappingError(msg)
    bad = set(spec) - SPEC_KEYS
    if bad:
        msg = f"{where}: unknown option(s) {', '.join(sorted(bad))}; valid: {', '.join(sorted(SPEC_KEYS))}"
        raise MappingError(msg)
    kind = KEY_KINDS[key]
    ways = [k for k in ("from", "date", "derive", "first") if k in spec]
    if len(ways) != 1:
        msg = (
            f"{where}: give exactly one of from = COLUMN, date = COLUMN (+ time = COLUMN), derive = [...], "
            "first = [COLUMN, ...]"
        )
        raise MappingError(msg)
    first = spec.get("first")
    if first is not None and (not isinstance(first, list) or not first or not all(isinstance(c, str) for c in first)):
        msg = f"{where}: first = [COLUMN, COLUMN, ...] lists export columns, the first non-empty one is used; got {first!r}"
        raise MappingError(msg)
    src = spec.get("from")
    if isinstance(src, list) and (kind != "text" or not src or not all(isinstance(s, str) for s in src)):
        msg = f"{where}: a list of columns (joined with separator) is only for text columns"
        raise MappingError(msg)
    if ("date" in spec or "derive" in spec) and kind != "timestamp":
        msg = f"{where}: date/time and derive only build timestamps"
        raise MappingError(msg)
    if "date" in spec and "time" not in spec:
        msg = f"{where}: date = needs time = (the clock-time column)"
        raise MappingError(msg)
    if "derive" in spec:
        d = spec["derive"]
        if (
            not isinstance(d, list) or len(d) < 2 or KEY_KINDS.get(d[0]) != "timestamp"
            or not all(KEY_KINDS.get(x) == "number" for x in d[1:])
        ):
            msg = (
                f"{where}: derive = [TIMESTAMP_KEY, DURATION_KEY, ...], e.g. [\"offered_at\", \"wait_seconds\"]; "
                f"got {d!r}"
            )
            raise MappingError(msg)
    if "unit" in spec and (kind != "number" or spec["unit"] not in UNITS):
        msg = f"{where}: unit is for durations and must be one of {', '.join(UNITS)}; got {spec['unit']!r}"
        raise MappingError(msg)
    if "values" in spec:
        values = spec["values"]
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            msg = f"{where}: values must be a table of export value = canonical value (text)"
            raise MappingError(msg)
        if kind == "outcome":
            wrong = sorted({v for v in values.values()} - {*OUTCOMES, ""})
            if wrong:
                msg = f"{where}: outcome values must be {', '.join(OUTCOMES)} or \"\" (the timestamps decide); got {', '.join(wrong)}"
                raise MappingError(msg)
    elif kind == "outcome":
        msg = f"{where}: needs values = {{ EXPORT_VALUE = \"answered\"|\"abandoned\"|\"excluded\", ... }}"
        raise MappingError(msg)
    if "when_empty" in spec:
        w = spec["when_empty"]
        ok = (
            isinstance(w, dict) and set(w) == {"column", "values"} and isinstance(w["column"], str)
            and isinstance(w["values"], dict) and all(isinstance(v, str) for v in w["values"].values())
        )
        if not ok or not isinstance(spec.get("from"), str) or "values" not in spec:
            msg = (
                f"{where}: when_empty = {{ column = \"OTHER COLUMN\", values = {{ VALUE = \"...\" }} }} goes with "
                "from = COLUMN and values = {...}: while OTHER COLUMN is empty, its values are tried first"
            )
            raise MappingError(msg)
        if kind == "outcome":
            wrong = sorted(set(w["values"].values()) - {*OUTCOMES, ""})
            if wrong:
                msg = f"{where}: when_empty outcome values must be {', '.join(OUTCOMES)} or \"\"; got {', '.join(wrong)}"
                raise MappingError(msg)
    for k in ("true", "false"):
        if k in spec and (kind != "boolean" or not isinstance(spec[k], list)):
            msg = f"{where}: {k} = [...] lists the export's words for {k} (boolean columns only)"
            raise MappingError(msg)
    return dict(spec)


@dataclass
class CompiledMapping:
    """The SELECT producing the canonical columns (and ``_line``) for one file."""

    sql: str
    params: dict[str, Any]
    ignored: list[str] = field(default_factory=list)
    excluded: int = 0


def _text(src: str) -> str:
    return f"nullif(trim(CAST({src} AS VARCHAR)), '')"


class _Compiler:
    def __init__(
        self,
        mapping: Mapping,
        con: duckdb.DuckDBPyConnection,
        described: list[tuple[str, str]],
        reader: str,
        position: str,
        source_timezone: str,
        path: Path,
    ) -> None:
        self.m = mapping
        self.con = con
        self.described = described
        self.types = {n: t for n, t in described}
        self.folded = {n.strip().lower(): n for n, _ in described}
        self.reader = reader
        self.position = position
        self.path = path
        self.params: dict[str, Any] = {"source_timezone": mapping.timezone or source_timezone}
        self.used: set[str] = set()
        self.layer1: list[str] = []  # parsed values "k__key" and raw values "r__key"
        # (key, export column, raw alias, parsed alias, SQL true when an empty parsed value is intended)
        self.checks: list[tuple[str, str, str, str, str]] = []

    # -- helpers -------------------------------------------------------------------------
    def bind(self, value: Any) -> str:
        name = f"mp{len(self.params)}x"  # the x ends the name: $mp1x is not a prefix of $mp10x
        self.params[name] = value
        return f"${name}"

    def where(self, key: str) -> str:
        return f"mapping {self.m.name}: columns.{key}"

    def source(self, key: str, column: str) -> tuple[str, str] | None:
        """(quoted SQL, DuckDB type) of an export column, or None when it is optional and absent."""
        name = column if column in self.types else self.folded.get(column.strip().lower())
        if name is not None:
            self.used.add(name)
            if self.types[name] in ('"NULL"', "NULL"):  # JSON field that is null in every record
                return f"CAST({quote_identifier(name)} AS VARCHAR)", "VARCHAR"
            return quote_identifier(name), self.types[name]
        head, _, rest = column.partition(".")
        head_name = head if head in self.types else self.folded.get(head.strip().lower())
        if head_name is not None and rest and self.types[head_name].startswith("STRUCT"):
            sql = quote_identifier(head_name) + "".join("." + quote_identifier(p) for p in rest.split("."))
            try:
                dtype = self.con.execute(
                    f"DESCRIBE SELECT {sql} FROM {self.reader}", self._reader_params()
                ).fetchall()[0][1]
            except duckdb.Error:
                dtype = None
            if dtype is not None:
                self.used.add(head_name)
                return sql, dtype
        if self.m.columns[key].get("optional"):
            return None
        found = ", ".join(n for n, _ in self.described) or "(none)"
        msg = f"{self.where(key)}: export column {column!r} is not in {self.path} (found: {found})"
        raise MappingError(msg)

    def _reader_params(self) -> dict[str, Any]:
        return {"path": str(self.path)} if "$path" in self.reader else {}

    # -- per kind templates --------------------------------------------------------------
    def value_map(self, key: str, text: str, spec: dict[str, Any], *, fold: bool = False) -> str:
        values = spec.get("values")
        if not values and "default" not in spec:
            return text
        cmp = f"lower({text})" if fold else text
        whens = " ".join(
            f"WHEN {cmp} = {self.bind(k.lower() if fold else k)} THEN nullif({self.bind(v)}, '')"
            for k, v in (values or {}).items()
        )
        when_empty = spec.get("when_empty")
        if when_empty:  # a value conditional on another column: tried first while that column is empty
            other_col = self.source(key, when_empty["column"])
            if other_col is None:  # an optional key whose other column is absent: empty on every row
                empty = "true"
            else:
                other_src, other_type = other_col
                if type_family(other_type) == "json":
                    other_src = f"({other_src} ->> '$')"
                empty = f"({_text(other_src)} IS NULL)"
            whens = " ".join(
                f"WHEN {empty} AND {cmp} = {self.bind(k.lower() if fold else k)} THEN nullif({self.bind(v)}, '')"
                for k, v in when_empty["values"].items()
            ) + " " + whens
        other = f"nullif({self.bind(spec['default'])}, '')" if "default" in spec else (
            "NULL" if KEY_KINDS[key] == "outcome" else text
        )
        return f"(CASE {whens} ELSE {other} END)" if whens.strip() else f"(CASE WHEN {text} IS NULL THEN NULL ELSE {other} END)"

    def intended_empty(self, key: str, spec: dict[str, Any], raw: str) -> str:
        """SQL true when an empty parsed value is what the mapping asks for (a value mapped to "")."""
        if spec.get("default") == "":
            return "true"
        fold = KEY_KINDS[key] in ("outcome", "direction", "channel", "boolean")
        pairs = [*(spec.get("values") or {}).items(), *((spec.get("when_empty") or {}).get("values") or {}).items()]
        empties = sorted({k.lower() if fold else k for k, v in pairs if v == ""})
        if not empties:
            return "false"
        return f"list_contains({self.bind(empties)}, {f'lower({raw})' if fold else raw})"

    def duration(self, key: str, src: str, dtype: str, unit: str) -> str | None:
        family = type_family(dtype)
        if unit == "hms":
            if family == "timestamp" or dtype.startswith("TIME"):
                return f"epoch(CAST({src} AS TIME))"
            if family == "number":
                return f"(CAST({src} AS DOUBLE) * 86400)"  # an Excel time stored as a day fraction
            if family in ("text", "json"):
                t = _text(src)
                return (
                    f"CASE WHEN regexp_matches({t}, '^-?\\d+:\\d{{1,2}}(:\\d{{1,2}}(\\.\\d+)?)?$') "
                    f"THEN epoch(try_cast({t} AS INTERVAL)) END"
                )
            return None
        factor = UNITS[unit]
        if family == "number":
            return f"(CAST({src} AS DOUBLE) * {factor!r})"
        if family in ("text", "json"):
            return f"(try_cast({_text(src)} AS DOUBLE) * {factor!r})"
        return None

    def clock(self, key: str, column: str) -> str | None:
        found = self.source(key, column)
        if found is None:
            return None
        src, dtype = found
        family = type_family(dtype)
        if dtype.startswith("TIME") and family != "timestamp":
            return f"CAST({src} AS TIME)"
        if family == "timestamp":
            return f"CAST({src} AS TIME)"
        if family == "number":  # Excel day fraction
            return f"CAST(TIMESTAMP '2000-01-01' + to_microseconds(CAST(round(CAST({src} AS DOUBLE) * 86400e6) AS BIGINT)) AS TIME)"
        return f"try_cast({_text(src)} AS TIME)"

    def day(self, key: str, column: str, fmt: str | None) -> str | None:
        found = self.source(key, column)
        if found is None:
            return None
        src, dtype = found
        family = type_family(dtype)
        if family in ("timestamp", "timestamptz"):
            return f"CAST({src} AS DATE)"
        if fmt:
            return f"CAST(try_strptime({_text(src)}, {self.bind(fmt)}) AS DATE)"
        return f"try_cast({_text(src)} AS DATE)"

    def direct(self, key: str, spec: dict[str, Any]) -> tuple[str, str, str] | None:
        """(parsed SQL, raw text SQL, export column) for a key read from the export."""
        kind = KEY_KINDS[key]
        src_name = spec["from"]
        if isinstance(src_name, list):
            parts = [self.source(key, c) for c in src_name]
            if any(p is None for p in parts):
                return None
            texts = ", ".join(_text(p[0]) for p in parts if p)
            joined = f"concat_ws({self.bind(spec.get('separator', '-'))}, {texts})"
            return self.value_map(key, f"nullif({joined}, '')", spec), "NULL", "+".join(src_name)
        found = self.source(key, src_name)
        if found is None:
            return None
        src, dtype = found
        family = type_family(dtype)
        raw = _text(src if family != "json" else f"({src} ->> '$')")
        text = raw
        if kind in ("text", "score"):
            return self.value_map(key, text, spec), "NULL", src_name
        if kind == "outcome":
            return self.value_map(key, text, spec, fold=True), raw, src_name
        if kind in ("direction", "channel"):
            mapped = self.value_map(key, text, spec, fold=True)
            column = COLUMNS_BY_NAME[key]
            return parse_expression(column, mapped, "text"), raw, src_name
        if kind == "boolean":
            if spec.get("present"):  # true when the export column is not empty (e.g. NextContactId)
                return f"({text} IS NOT NULL)", "NULL", src_name
            if "values" in spec:
                text = self.value_map(key, text, spec, fold=True)
            if "true" in spec or "false" in spec:
                trues = [str(w).lower() for w in spec.get("true", DEFAULT_TRUE)]
                falses = [str(w).lower() for w in spec.get("false", DEFAULT_FALSE)]
                t = f"lower(coalesce({text}, ''))"
                raw = f"coalesce({raw}, '')"
                expr = (
                    f"CASE WHEN list_contains({self.bind(trues)}, {t}) THEN true "
                    f"WHEN list_contains({self.bind(falses)}, {t}) THEN false END"
                )
                return expr, raw, src_name
            expr = parse_expression(COLUMNS_BY_NAME[key], text if "values" in spec else src,
                                    "text" if "values" in spec else family)
            if expr is None:
                self._type_error(key, src_name, dtype)
            return expr, raw, src_name
        if kind == "number":
            expr = self.duration(key, src, dtype, spec.get("unit", "seconds"))
            if expr is None:
                self._type_error(key, src_name, dtype)
            if "default" in spec:  # the value of an empty cell, e.g. default = 0
                expr = f"coalesce({expr}, CAST({self.bind(str(spec['default']))} AS DOUBLE))"
            return expr, raw, src_name
        if kind == "timestamp":
            if "format" in spec and family in ("text", "json"):
                expr = f"timezone($source_timezone, try_strptime({_text(src)}, {self.bind(spec['format'])}))"
            else:
                expr = parse_expression(Column(key, "timestamp", False, ""), src, family)
            if expr is None:
                self._type_error(key, src_name, dtype)
            return expr, raw, src_name
        raise AssertionError(kind)

    def _type_error(self, key: str, column: str, dtype: str) -> None:
        msg = f"{self.where(key)}: export column {column!r} has type {dtype}, which cannot hold {KEY_KINDS[key]} values"
        raise MappingError(msg)

    def date_time(self, key: str, spec: dict[str, Any]) -> tuple[str, str, str] | None:
        fmt = spec.get("date_format", self.m.date_format)
        day = self.day(key, spec["date"], fmt)
        clock = self.clock(key, spec["time"])
        if day is None or clock is None:
            return None
        local = f"({day} + {clock})"
        if "start" in spec:
            start = self.clock(key, spec["start"])
            if start is not None:
                local = f"({local} + CASE WHEN {clock} < {start} THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END)"
        d_src = self.source(key, spec["date"])
        t_src = self.source(key, spec["time"])
        assert d_src and t_src
        raw = f"nullif(concat_ws(' ', {_text(d_src[0])}, {_text(t_src[0])}), '')"
        return f"timezone($source_timezone, {local})", raw, f"{spec['date']}+{spec['time']}"

    def first(self, key: str, spec: dict[str, Any]) -> bool:
        """``first = [A, B, ...]``: the first non-empty of the export columns present in the file.

        Each column is read (and checked) on its own, as ``from = COLUMN`` with the key's other
        options; columns absent from the file are skipped. False when none is present and the
        key is optional.
        """
        columns = spec["first"]
        parts: list[tuple[str, str, str]] = []
        for column in columns:
            if self._find(column) is None:
                continue
            built = self.direct(key, {**{k: v for k, v in spec.items() if k != "first"}, "from": column})
            if built is not None:
                parts.append(built)
        if not parts:
            if spec.get("optional"):
                return False
            found = ", ".join(n for n, _ in self.described) or "(none)"
            msg = f"{self.where(key)}: none of the export columns {columns!r} is in {self.path} (found: {found})"
            raise MappingError(msg)
        for i, (expr, raw, column) in enumerate(parts):
            parsed, raw_alias = quote_identifier(f"k__{key}__{i}"), quote_identifier(f"r__{key}__{i}")
            self.layer1.append(f"{expr} AS {parsed}")
            if raw != "NULL":
                self.layer1.append(f"{raw} AS {raw_alias}")
                self.checks.append((key, column, raw_alias, parsed, self.intended_empty(key, spec, raw_alias)))
        self.layer1.append(f"coalesce({', '.join(p[0] for p in parts)}) AS {quote_identifier('k__' + key)}")
        return True

    def _find(self, column: str) -> bool | None:
        """True when an export column (or a STRUCT field, ``Queue.EnqueueTimestamp``) is in the file."""
        if column in self.types or column.strip().lower() in self.folded:
            return True
        head, _, rest = column.partition(".")
        head_name = head if head in self.types else self.folded.get(head.strip().lower())
        if head_name is None or not rest or not self.types[head_name].startswith("STRUCT"):
            return None
        sql = quote_identifier(head_name) + "".join("." + quote_identifier(p) for p in rest.split("."))
        try:
            self.con.execute(f"DESCRIBE SELECT {sql} FROM {self.reader}", self._reader_params()).fetchall()
        except duckdb.Error:
            return None
        return True

    # -- assembling ----------------------------------------------------------------------
    def compile(self) -> CompiledMapping:
        present: set[str] = set()
        for key, spec in self.m.columns.items():
            if "derive" in spec:
                continue
            if "first" in spec:
                if self.first(key, spec):
                    present.add(key)
                continue
            built = self.date_time(key, spec) if "date" in spec else self.direct(key, spec)
            if built is None:
                continue
            expr, raw, column = built
            present.add(key)
            self.layer1.append(f"{expr} AS {quote_identifier('k__' + key)}")
            if raw != "NULL":
                self.layer1.append(f"{raw} AS {quote_identifier('r__' + key)}")
                ok = self.intended_empty(key, spec, quote_identifier("r__" + key))
                self.checks.append((key, column, quote_identifier("r__" + key), quote_identifier("k__" + key), ok))

        resolving: list[str] = []

        def value(key: str) -> str:
            spec = self.m.columns.get(key)
            if spec is None:
                return "NULL"
            if "derive" not in spec:
                if key in present:
                    return quote_identifier("k__" + key)
                if "default" in spec and KEY_KINDS[key] == "number":  # optional column absent
                    return f"CAST({self.bind(str(spec['default']))} AS DOUBLE)"
                return "NULL"
            if key in resolving:
                msg = f"{self.where(key)}: derive refers back to itself ({' -> '.join([*resolving, key])})"
                raise MappingError(msg)
            resolving.append(key)
            base, first, *rest = spec["derive"]
            expr = f"({value(base)} + {_micros(value(first))}"
            expr += "".join(f" + {_micros(f'coalesce({value(k)}, 0)')}" for k in rest) + ")"
            resolving.pop()
            return expr

        outcome = quote_identifier("k__outcome") if "outcome" in present else None
        finals: list[str] = []
        for column in INTERACTION_COLUMNS:
            expr = value(column.name)
            if outcome is not None and column.name == "answered_at":
                expr = f"CASE WHEN {outcome} = 'abandoned' THEN NULL ELSE {expr} END"
            if outcome is not None and column.name == "ended_at":
                wait = value("wait_seconds")
                offered = value("offered_at")
                abandoned_end = f"coalesce({offered} + {_micros(wait)}, {expr}, {offered})" if wait != "NULL" else (
                    f"coalesce({expr}, {offered})"
                )
                expr = f"CASE WHEN {outcome} = 'abandoned' THEN {abandoned_end} ELSE {expr} END"
            finals.append(f"{expr} AS {quote_identifier(column.name)}")
        inner = f"SELECT {', '.join([*self.layer1, f'{self.position} AS _line'])} FROM {self.reader}"
        answered = value("answered_at")
        self._check(inner, outcome, answered)
        excluded = 0
        where = ""
        if outcome is not None:
            excluded = int(
                self.con.execute(
                    f"SELECT count(*) FROM ({inner}) WHERE {outcome} = 'excluded'", self._all_params(inner)
                ).fetchall()[0][0]
            )
            where = f" WHERE {outcome} IS DISTINCT FROM 'excluded'"
        sql = f"SELECT {', '.join(finals)}, _line FROM ({inner}){where}"
        ignored = [n for n, _ in self.described if n not in self.used]
        return CompiledMapping(sql=sql, params=self._all_params(sql), ignored=ignored, excluded=excluded)

    def _all_params(self, sql: str) -> dict[str, Any]:
        params = {k: v for k, v in self.params.items() if f"${k}" in sql}
        return params | self._reader_params()

    def _check(self, inner: str, outcome: str | None, answered: str) -> None:
        """Raise naming mapping key, export column, line and value for anything unreadable."""
        cases = [
            f"WHEN {raw} IS NOT NULL AND {parsed} IS NULL AND NOT ({ok}) THEN {i}"
            for i, (_key, _col, raw, parsed, ok) in enumerate(self.checks)
        ]
        values = [
            f"WHEN {raw} IS NOT NULL AND {parsed} IS NULL AND NOT ({ok}) THEN {raw}"
            for _key, _c, raw, parsed, ok in self.checks
        ]
        if outcome is not None and answered != "NULL":
            # outbound calls need no answer time; they are left out of every metric
            inbound = (
                f" AND {quote_identifier('k__direction')} IS DISTINCT FROM 'outbound'"
                if f"AS {quote_identifier('k__direction')}" in " ".join(self.layer1) else ""
            )
            cases.append(f"WHEN {outcome} = 'answered' AND {answered} IS NULL{inbound} THEN {len(self.checks)}")
            values.append(f"WHEN {outcome} = 'answered' AND {answered} IS NULL{inbound} THEN 'answered'")
        if not cases:
            return
        sql = (
            f"SELECT * FROM (SELECT _line, CASE {' '.join(cases)} END AS bad, CASE {' '.join(values)} END AS val, "
            f"count(*) FILTER (WHERE bad IS NOT NULL) OVER () AS n FROM ({inner})) WHERE bad IS NOT NULL ORDER BY _line LIMIT 5"
        )
        try:
            rows = self.con.execute(sql, self._all_params(sql)).fetchall()
        except duckdb.Error as e:
            msg = f"{self.path}: cannot be read with mapping {self.m.name}: {str(e).splitlines()[0]}"
            raise InputError(msg) from e
        if not rows:
            return
        lines = []
        for line, bad, val, _n in rows:
            if bad == len(self.checks):
                lines.append(
                    f"line {line}: columns.outcome says answered but columns.answered_at is empty "
                    "(map or derive answered_at for every answered contact)"
                )
                continue
            key, column, *_ = self.checks[bad]
            spec = self.m.columns[key]
            how = _expected(key, spec)
            fix = self._fix(key, spec, val)
            lines.append(
                f"line {line}: columns.{key} (export column {column!r}) cannot read {val!r}; expected {how}"
                + (f"; {fix}" if fix else "")
            )
        more = f"\n  ({rows[0][3] - len(rows)} more not shown)" if rows[0][3] > len(rows) else ""
        msg = (
            f"{self.path}: {rows[0][3]} value(s) cannot be read with mapping {self.m.name}:\n  "
            + "\n  ".join(lines) + more
        )
        raise InputError(msg)


    def _fix(self, key: str, spec: dict[str, Any], value: str) -> str:
        """How to fix a value a value map does not cover (empty for other kinds of error)."""
        kind = KEY_KINDS[key]
        if kind not in ("outcome", "direction", "boolean") or (kind == "boolean" and "values" not in spec):
            return ""
        choices = {
            "outcome": '"answered", "abandoned", "excluded" or "" (the timestamps decide)',
            "direction": '"inbound", "outbound" or "" (empty: inbound)',
            "boolean": '"true" or "false"',
        }[kind]
        where = (
            f"in a copy of the {self.m.name} (`csmetrics inspect FILE > mapping.toml` prints it), used with --mapping"
            if self.m.name.startswith("preset ") else f"in {self.m.name}"
        )
        default = "" if kind == "outcome" else f", or set columns.{key}.default"
        return (
            f"to fix it, add {json.dumps(value, ensure_ascii=False)} = VALUE to columns.{key}.values "
            f"(VALUE: {choices}){default} {where}"
        )


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _micros(seconds_sql: str) -> str:
    return f"to_microseconds(CAST(round({seconds_sql} * 1000000) AS BIGINT))"


def _expected(key: str, spec: dict[str, Any]) -> str:
    kind = KEY_KINDS[key]
    mapped = [*(spec.get("when_empty") or {}).get("values", {}), *(spec.get("values") or {})]
    listed = ", ".join(repr(k) for k in dict.fromkeys(mapped))
    if kind == "outcome":
        return f"one of {listed} (the keys of columns.{key}.values)"
    if kind == "direction":
        return f"one of {listed} (the keys of columns.{key}.values) or inbound/outbound" if mapped else "inbound or outbound"
    if "date" in spec:
        fmt = spec.get("date_format") or "YYYY-MM-DD"
        return f"a date ({fmt}) and a clock time H:MM:SS"
    if kind == "number":
        unit = spec.get("unit", "seconds")
        return "a duration H:MM:SS" if unit == "hms" else f"a number of {unit}"
    if kind == "boolean":
        return "one of " + "/".join(spec.get("true", DEFAULT_TRUE)) + " or " + "/".join(spec.get("false", DEFAULT_FALSE))
    if kind == "timestamp":
        return f"a time in format {spec['format']}" if "format" in spec else "an ISO 8601 date-time"
    return "text"


def choose_mapping(config_path: Path | None, mapping: Path | None, preset: str | None) -> Mapping | None:
    """--mapping / --preset, else ``mapping = "FILE"`` / ``preset = "NAME"`` in csmetrics.toml, else none.

    A mapping path in csmetrics.toml is relative to that file.
    """
    if mapping is not None and preset is not None:
        msg = "give --mapping FILE or --preset NAME, not both"
        raise MappingError(msg)
    if mapping is not None:
        return Mapping.from_file(mapping)
    if preset is not None:
        return Mapping.preset(preset)
    if config_path is None:
        return None
    from csmetrics.config import read_config

    _values, settings = read_config(config_path)
    if "mapping" in settings and "preset" in settings:
        msg = f"{config_path}: set mapping or preset, not both"
        raise MappingError(msg)
    if "mapping" in settings:
        path = Path(str(settings["mapping"]))
        return Mapping.from_file(path if path.is_absolute() else config_path.parent / path)
    if "preset" in settings:
        return Mapping.preset(str(settings["preset"]))
    return None

"""Compile a mapping against one export: the SELECT that reads it as the canonical schema.

Every export column named in a mapping is user input: it must appear in the file's DESCRIBE output (or be
a field of a STRUCT column, ``Queue.EnqueueTimestamp``), and it enters SQL only through
:func:`csmetrics.sqltext.quote_identifier`. Every value (formats, value maps, separators, time zone) is a
bound parameter. The SQL itself is a fixed template per declared kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs import decimals
from csmetrics.inputs.files import reader_params
from csmetrics.inputs.mapping.messages import expected, fix_hint
from csmetrics.inputs.mapping.model import DEFAULT_FALSE, DEFAULT_TRUE, KEY_KINDS, UNITS, Mapping, MappingError
from csmetrics.inputs.records import json_path
from csmetrics.inputs.schema import COLUMNS_BY_NAME, INTERACTION_COLUMNS, Column, parse_expression, type_family
from csmetrics.sqltext import first_line, quote_identifier, trimmed_text


@dataclass(frozen=True)
class _Found:
    """An export column found in the file: its name, quoted SQL, DuckDB type, type family and raw text SQL."""

    name: str
    sql: str
    dtype: str
    family: str
    raw: str


@dataclass
class CompiledMapping:
    """The SELECT producing the canonical columns (and ``_line``) for one file."""

    sql: str
    params: dict[str, Any]
    ignored: list[str] = field(default_factory=list)
    excluded: int = 0


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
        reader_params: dict[str, Any] | None = None,
    ) -> None:
        self.m = mapping
        self.given_reader_params = reader_params
        self.label = "line"
        self.decimal_comma = False  # numbers in text are written with a decimal comma (csmetrics.inputs.decimals)
        self.con = con
        self.described = described
        self.types = dict(described)
        self.folded = {n.strip().lower(): n for n, _ in described}
        self.reader = reader
        self.position = position
        self.path = path
        self.params: dict[str, Any] = {"source_timezone": mapping.timezone or source_timezone}
        self.used: set[str] = set()
        self.layer1: list[str] = []  # parsed values "k__key" and raw values "r__key"
        # (key, export column, raw alias, parsed alias, SQL true when an empty parsed value is intended, the spec
        # the column was read with)
        self.checks: list[tuple[str, str, str, str, str, dict[str, Any]]] = []

    # -- helpers -------------------------------------------------------------------------
    def bind(self, value: Any) -> str:
        name = f"mp{len(self.params)}x"  # the x ends the name: $mp1x is not a prefix of $mp10x
        self.params[name] = value
        return f"${name}"

    def where(self, key: str) -> str:
        return f"mapping {self.m.name}: columns.{key}"

    def source(self, key: str, column: str) -> tuple[str, str] | None:
        """(quoted SQL, DuckDB type) of an export column, or None when it is optional and absent."""
        found = self._whole_column(column) or self._nested_column(column)
        if found is not None:
            return found
        if self.m.columns[key].get("optional"):
            return None
        names = ", ".join(n for n, _ in self.described) or "(none)"
        msg = f"{self.where(key)}: export column {column!r} is not in {self.path} (found: {names})"
        raise MappingError(msg)

    def _whole_column(self, column: str) -> tuple[str, str] | None:
        """A column of the file (any case), as text when it is a JSON record's field."""
        name = column if column in self.types else self.folded.get(column.strip().lower())
        if name is None:
            return None
        self.used.add(name)
        if self.types[name] in ('"NULL"', "NULL"):  # JSON field that is null in every record
            return f"CAST({quote_identifier(name)} AS VARCHAR)", "VARCHAR"
        if self.types[name] == "JSON":  # a JSON record's field: its value as text (a string unquoted)
            return f"({quote_identifier(name)} ->> '$')", "VARCHAR"
        return quote_identifier(name), self.types[name]

    def _nested_column(self, column: str) -> tuple[str, str] | None:
        """``Head.field``: a field of a JSON object column or of a struct column, when there is one."""
        head, _, rest = column.partition(".")
        head_name = head if head in self.types else self.folded.get(head.strip().lower())
        if head_name is None or not rest:
            return None
        if self.types[head_name] == "JSON":  # a field of a JSON object
            self.used.add(head_name)
            return f"json_extract_string({quote_identifier(head_name)}, {self.bind(json_path(rest))})", "VARCHAR"
        if not self.types[head_name].startswith("STRUCT"):
            return None
        sql = quote_identifier(head_name) + "".join("." + quote_identifier(p) for p in rest.split("."))
        try:
            described = self.con.execute(f"DESCRIBE SELECT {sql} FROM {self.reader}", self._reader_params())
            dtype = described.fetchall()[0][1]
        except duckdb.Error:
            return None
        self.used.add(head_name)
        return sql, dtype

    def _reader_params(self) -> dict[str, Any]:
        if self.given_reader_params is not None:
            return dict(self.given_reader_params)
        return reader_params(self.reader, self.path)

    # -- per kind templates --------------------------------------------------------------
    def value_map(self, key: str, text: str, spec: dict[str, Any], *, fold: bool = False) -> str:
        """A value map: an empty cell stays empty (or takes the value of the key ``""``); a value matched by a
        key takes its value; any other value is kept, or replaced by ``default`` (outcome: empty)."""
        values = dict(spec.get("values") or {})
        if not values and "default" not in spec:
            return text
        cmp = f"lower({text})" if fold else text
        empty_cell = values.pop("", None)
        whens = f"WHEN {text} IS NULL THEN " + (f"nullif({self.bind(empty_cell)}, '')" if empty_cell else "NULL")
        when_empty = spec.get("when_empty")
        if when_empty:  # a value conditional on another column: tried first while that column is empty
            empty = self._empty_sql(key, when_empty["column"])
            whens += "".join(
                f" WHEN {empty} AND {cmp} = {self.bind(k.lower() if fold else k)} THEN nullif({self.bind(v)}, '')"
                for k, v in when_empty["values"].items()
            )
        whens += "".join(
            f" WHEN {cmp} = {self.bind(k.lower() if fold else k)} THEN nullif({self.bind(v)}, '')"
            for k, v in values.items()
        )
        other = (
            f"nullif({self.bind(spec['default'])}, '')"
            if "default" in spec
            else ("NULL" if KEY_KINDS[key] == "outcome" else text)
        )
        return f"(CASE {whens} ELSE {other} END)"

    def _empty_sql(self, key: str, column: str) -> str:
        """SQL true while export column ``column`` is empty (always, for an optional key's absent column)."""
        other_col = self.source(key, column)
        if other_col is None:
            return "true"
        other_src, other_type = other_col
        if type_family(other_type) == "json":
            other_src = f"({other_src} ->> '$')"
        return f"({trimmed_text(other_src)} IS NULL)"

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
                t = trimmed_text(src)
                return (
                    f"CASE WHEN regexp_matches({t}, '^-?\\d+:\\d{{1,2}}(:\\d{{1,2}}(\\.\\d+)?)?$') "
                    f"THEN epoch(try_cast({t} AS INTERVAL)) END"
                )
            return None
        factor = UNITS[unit]
        if family == "number":
            expr = f"(CAST({src} AS DOUBLE) * {factor!r})"
        elif family in ("text", "json"):
            text = decimals.as_point(trimmed_text(src)) if self.decimal_comma else trimmed_text(src)
            expr = f"(try_cast({text} AS DOUBLE) * {factor!r})"
        else:
            return None
        # a fraction of a day is a binary fraction (0.000069444446 d = 6.0000001 s): kept to the millisecond
        return f"round({expr}, 3)" if unit == "days" else expr

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
            micros = f"to_microseconds(CAST(round(CAST({src} AS DOUBLE) * 86400e6) AS BIGINT))"
            return f"CAST(TIMESTAMP '2000-01-01' + {micros} AS TIME)"
        return f"try_cast({trimmed_text(src)} AS TIME)"

    def day(self, key: str, column: str, fmt: str | None) -> str | None:
        found = self.source(key, column)
        if found is None:
            return None
        src, dtype = found
        family = type_family(dtype)
        if family in ("timestamp", "timestamptz"):
            return f"CAST({src} AS DATE)"
        if fmt:
            return f"CAST(try_strptime({trimmed_text(src)}, {self.bind(fmt)}) AS DATE)"
        return f"try_cast({trimmed_text(src)} AS DATE)"

    def direct(self, key: str, spec: dict[str, Any]) -> tuple[str, str, str] | None:
        """(parsed SQL, raw text SQL, export column) for a key read from the export."""
        src_name = spec["from"]
        if isinstance(src_name, list):
            return self._joined(key, spec, src_name)
        found = self.source(key, src_name)
        if found is None:
            return None
        src, dtype = found
        family = type_family(dtype)
        raw = trimmed_text(src if family != "json" else f"({src} ->> '$')")
        kind = KEY_KINDS[key]
        if kind in ("text", "score"):
            return self.value_map(key, raw, spec), "NULL", src_name
        if kind == "outcome":
            return self.value_map(key, raw, spec, fold=True), raw, src_name
        if kind in ("direction", "channel"):
            mapped = self.value_map(key, raw, spec, fold=True)
            return parse_expression(COLUMNS_BY_NAME[key], mapped, "text"), raw, src_name
        reader = {"boolean": self._boolean, "number": self._number, "timestamp": self._timestamp}[kind]
        expr, raw = reader(key, spec, _Found(src_name, src, dtype, family, raw))
        return expr, raw, src_name

    def _joined(self, key: str, spec: dict[str, Any], names: list[str]) -> tuple[str, str, str] | None:
        """Several text columns joined with ``separator`` (``from = [A, B]``)."""
        parts = [self.source(key, c) for c in names]
        if any(p is None for p in parts):
            return None
        texts = ", ".join(trimmed_text(p[0]) for p in parts if p)
        joined = f"concat_ws({self.bind(spec.get('separator', '-'))}, {texts})"
        return self.value_map(key, f"nullif({joined}, '')", spec), "NULL", "+".join(names)

    def _boolean(self, key: str, spec: dict[str, Any], found: _Found) -> tuple[str, str]:
        text, raw = found.raw, found.raw
        if spec.get("present"):  # true when the export column is not empty (e.g. NextContactId)
            return f"({text} IS NOT NULL)", "NULL"
        if "values" in spec:
            text = self.value_map(key, text, spec, fold=True)
        if "true" in spec or "false" in spec:
            trues = [str(w).lower() for w in spec.get("true", DEFAULT_TRUE)]
            falses = [str(w).lower() for w in spec.get("false", DEFAULT_FALSE)]
            t = f"lower(coalesce({text}, ''))"
            expr = (
                f"CASE WHEN list_contains({self.bind(trues)}, {t}) THEN true "
                f"WHEN list_contains({self.bind(falses)}, {t}) THEN false END"
            )
            return expr, f"coalesce({raw}, '')"
        if "values" in spec:
            expr = parse_expression(COLUMNS_BY_NAME[key], text, "text")
        else:
            expr = parse_expression(COLUMNS_BY_NAME[key], found.sql, found.family)
        return self._or_type_error(expr, key, found), raw

    def _number(self, key: str, spec: dict[str, Any], found: _Found) -> tuple[str, str]:
        expr = self._or_type_error(self.duration(key, found.sql, found.dtype, spec.get("unit", "seconds")), key, found)
        if "default" in spec:  # the value of an empty cell, e.g. default = 0
            expr = f"coalesce({expr}, CAST({self.bind(str(spec['default']))} AS DOUBLE))"
        return expr, found.raw

    def _timestamp(self, key: str, spec: dict[str, Any], found: _Found) -> tuple[str, str]:
        if "format" in spec and found.family in ("text", "json"):
            fmt = self.bind(spec["format"])
            expr: str | None = f"timezone($source_timezone, try_strptime({trimmed_text(found.sql)}, {fmt}))"
        else:
            expr = parse_expression(Column(key, "timestamp", False, ""), found.sql, found.family)
        return self._or_type_error(expr, key, found), found.raw

    def _or_type_error(self, expr: str | None, key: str, found: _Found) -> str:
        if expr is None:
            self._type_error(key, found.name, found.dtype)
        assert expr is not None
        return expr

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
        raw = f"nullif(concat_ws(' ', {trimmed_text(d_src[0])}, {trimmed_text(t_src[0])}), '')"
        return f"timezone($source_timezone, {local})", raw, f"{spec['date']}+{spec['time']}"

    def first(self, key: str, spec: dict[str, Any]) -> bool:
        """``first = [A, B, ...]``: the first non-empty of the export columns present in the file.

        Each entry is read (and checked) on its own, as ``from = COLUMN`` with the key's other options; a table
        entry ``{ from = COLUMN, ... }`` adds or overrides options of its own. Columns absent from the file are
        skipped. A boolean is true when any of the columns is true (with ``present = true``: not empty), false
        when the others are false. False when no column is present and the key is optional.
        """
        parts = self._first_parts(key, spec)
        if not parts:
            if spec.get("optional"):
                return False
            found = ", ".join(n for n, _ in self.described) or "(none)"
            columns = [e["from"] if isinstance(e, dict) else e for e in spec["first"]]
            msg = f"{self.where(key)}: none of the export columns {columns!r} is in {self.path} (found: {found})"
            raise MappingError(msg)
        # an outcome read by rules: a value a rule does not map is a problem only when no rule gives an outcome
        decided = f" OR {quote_identifier('k__' + key)} IS NOT NULL" if KEY_KINDS[key] == "outcome" else ""
        for i, (expr, raw, column, sub) in enumerate(parts):
            parsed, raw_alias = quote_identifier(f"k__{key}__{i}"), quote_identifier(f"r__{key}__{i}")
            self.layer1.append(f"{expr} AS {parsed}")
            if raw != "NULL":
                self.layer1.append(f"{raw} AS {raw_alias}")
                ok = f"({self.intended_empty(key, sub, raw_alias)}){decided}"
                self.checks.append((key, column, raw_alias, parsed, ok, sub))
        values = [p[0] for p in parts]
        combined = _any_true(values) if KEY_KINDS[key] == "boolean" else f"coalesce({', '.join(values)})"
        self.layer1.append(f"{combined} AS {quote_identifier('k__' + key)}")
        return True

    def _first_parts(self, key: str, spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(parsed SQL, raw SQL, column, spec) of each ``first`` entry whose column is in the file."""
        inherited = {k: v for k, v in spec.items() if k != "first"}
        parts = []
        for entry in spec["first"]:
            sub = {**inherited, **(entry if isinstance(entry, dict) else {"from": entry})}
            if self._find(sub["from"]) is None:
                continue
            built = self.direct(key, sub)
            if built is not None:
                parts.append((*built, sub))
        return parts

    def _find(self, column: str) -> bool | None:
        """True when an export column (or a STRUCT field, ``Queue.EnqueueTimestamp``) is in the file."""
        if column in self.types or column.strip().lower() in self.folded:
            return True
        head, _, rest = column.partition(".")
        head_name = head if head in self.types else self.folded.get(head.strip().lower())
        if head_name is not None and rest and self.types[head_name] == "JSON":
            return True
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
        self.present: set[str] = set()
        for key, spec in self.m.columns.items():
            self._read_key(key, spec)
        self.resolving: list[str] = []
        self._check_shape()
        outcome = quote_identifier("k__outcome") if "outcome" in self.present else None
        finals = [
            f"{self._final(column.name, outcome)} AS {quote_identifier(column.name)}" for column in INTERACTION_COLUMNS
        ]
        inner = f"SELECT {', '.join([*self.layer1, f'{self.position} AS _line'])} FROM {self.reader}"
        self._check(inner, outcome, self.value("answered_at"))
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

    def _read_key(self, key: str, spec: dict[str, Any]) -> None:
        """The first layer for one key read from the export (derived keys are built later, from these)."""
        if "derive" in spec:
            return
        if "first" in spec:
            if self.first(key, spec):
                self.present.add(key)
            return
        built = self.date_time(key, spec) if "date" in spec else self.direct(key, spec)
        if built is None:
            return
        expr, raw, column = built
        self.present.add(key)
        parsed, raw_alias = quote_identifier("k__" + key), quote_identifier("r__" + key)
        self.layer1.append(f"{expr} AS {parsed}")
        if raw != "NULL":
            self.layer1.append(f"{raw} AS {raw_alias}")
            self.checks.append((key, column, raw_alias, parsed, self.intended_empty(key, spec, raw_alias), spec))

    def _check_shape(self) -> None:
        """Refuse an export the mapping cannot tell answered from abandoned in: none of the columns it reads for
        answered_at, ended_at and outcome is there, or answered_at is mapped and none of its columns is (with no
        outcome column): every contact would be read as unanswered, which is an export of another shape (e.g.
        records nested deeper than the mapping reads), not a day without answers."""
        found = ", ".join(n for n, _ in self.described) or "(none)"
        ending = ("answered_at", "ended_at", "outcome")
        if not any(self.resolves(k) for k in ending):
            mapped = ", ".join(k for k in ending if k in self.m.columns)
            why = "nothing would tell answered from abandoned"
        elif "answered_at" in self.m.columns and not self.resolves("answered_at") and not self.resolves("outcome"):
            mapped, why = "answered_at", "every contact would be read as unanswered"
        else:
            return
        msg = (
            f"{self.path}: mapping {self.m.name} finds none of the columns it reads for {mapped} (found: {found}), "
            f"so {why}; this export is not in the shape the mapping reads"
        )
        raise MappingError(msg)

    def value(self, key: str) -> str:
        """The SQL of a key's value in the second layer: read, defaulted, derived, less ``minus``, or NULL."""
        spec = self.m.columns.get(key)
        if spec is None:
            return "NULL"
        if key in self.resolving:
            msg = f"{self.where(key)}: refers back to itself ({' -> '.join([*self.resolving, key])})"
            raise MappingError(msg)
        self.resolving.append(key)
        expr = self._derived(key, spec) if "derive" in spec else self._read_value(key, spec)
        if spec.get("minus") and expr != "NULL":  # e.g. a talk time that includes hold, less the hold
            expr = f"({expr}" + "".join(f" - coalesce({self.value(k)}, 0)" for k in spec["minus"]) + ")"
        self.resolving.pop()
        return expr

    def _read_value(self, key: str, spec: dict[str, Any]) -> str:
        if key in self.present:
            return quote_identifier("k__" + key)
        if "default" in spec and KEY_KINDS[key] == "number":  # optional column absent
            return f"CAST({self.bind(str(spec['default']))} AS DOUBLE)"
        return "NULL"

    def _derived(self, key: str, spec: dict[str, Any]) -> str:
        base, first, *rest = spec["derive"]
        expr = f"({self.value(base)} + {_micros(self.value(first))}"
        return expr + "".join(f" + {_micros(f'coalesce({self.value(k)}, 0)')}" for k in rest) + ")"

    def resolves(self, key: str) -> bool:
        """Whether ``key`` can have a value in this file: read from a column that is present, or derived from
        keys that can (the first duration included)."""
        spec = self.m.columns.get(key)
        if spec is None:
            return False
        if "derive" in spec:
            return all(self.resolves(k) for k in spec["derive"][:2])
        return key in self.present

    def _final(self, name: str, outcome: str | None) -> str:
        """A canonical column's value, with the outcome (when mapped) deciding answered and ended."""
        expr = self.value(name)
        if outcome is None or name not in ("answered_at", "ended_at"):
            return expr
        if name == "answered_at":
            return f"CASE WHEN {outcome} = 'abandoned' THEN NULL ELSE {expr} END"
        wait, offered = self.value("wait_seconds"), self.value("offered_at")
        if wait != "NULL":
            abandoned_end = f"coalesce({offered} + {_micros(wait)}, {expr}, {offered})"
        else:
            abandoned_end = f"coalesce({expr}, {offered})"
        return f"CASE WHEN {outcome} = 'abandoned' THEN {abandoned_end} ELSE {expr} END"

    def _all_params(self, sql: str) -> dict[str, Any]:
        params = {k: v for k, v in self.params.items() if f"${k}" in sql}
        return params | self._reader_params()

    def _check(self, inner: str, outcome: str | None, answered: str) -> None:
        """Raise naming mapping key, export column, line and value for anything unreadable."""
        cases = [
            f"WHEN {raw} IS NOT NULL AND {parsed} IS NULL AND NOT ({ok}) THEN {i}"
            for i, (_key, _col, raw, parsed, ok, _spec) in enumerate(self.checks)
        ]
        values = [
            f"WHEN {raw} IS NOT NULL AND {parsed} IS NULL AND NOT ({ok}) THEN {raw}"
            for _key, _c, raw, parsed, ok, _spec in self.checks
        ]
        if outcome is not None and answered != "NULL":
            # outbound calls need no answer time; they are left out of every metric
            inbound = (
                f" AND {quote_identifier('k__direction')} IS DISTINCT FROM 'outbound'"
                if f"AS {quote_identifier('k__direction')}" in " ".join(self.layer1)
                else ""
            )
            cases.append(f"WHEN {outcome} = 'answered' AND {answered} IS NULL{inbound} THEN {len(self.checks)}")
            values.append(f"WHEN {outcome} = 'answered' AND {answered} IS NULL{inbound} THEN 'answered'")
        if not cases:
            return
        sql = (
            f"SELECT * FROM (SELECT _line, CASE {' '.join(cases)} END AS bad, CASE {' '.join(values)} END AS val, "
            f"count(*) FILTER (WHERE bad IS NOT NULL) OVER () AS n FROM ({inner})) "
            "WHERE bad IS NOT NULL ORDER BY _line LIMIT 5"
        )
        try:
            rows = self.con.execute(sql, self._all_params(sql)).fetchall()
        except duckdb.Error as e:
            msg = f"{self.path}: cannot be read with mapping {self.m.name}: {first_line(e)}"
            raise InputError(msg) from e
        if not rows:
            return
        lines = []
        for line, bad, val, _n in rows:
            if bad == len(self.checks):
                lines.append(
                    f"{self.label} {line}: columns.outcome says answered but columns.answered_at is empty "
                    "(map or derive answered_at for every answered contact)"
                )
                continue
            key, column, *_, spec = self.checks[bad]
            how = expected(key, spec)
            fix = fix_hint(self.m.name, key, spec, val)
            lines.append(
                f"{self.label} {line}: columns.{key} (export column {column!r}) cannot read {val!r}; expected {how}"
                + (f"; {fix}" if fix else "")
            )
        more = f"\n  ({rows[0][3] - len(rows)} more not shown)" if rows[0][3] > len(rows) else ""
        msg = (
            f"{self.path}: {rows[0][3]} value(s) cannot be read with mapping {self.m.name}:\n  "
            + "\n  ".join(lines)
            + more
        )
        raise InputError(msg)


def _micros(seconds_sql: str) -> str:
    return f"to_microseconds(CAST(round({seconds_sql} * 1000000) AS BIGINT))"


def _any_true(values: list[str]) -> str:
    """A boolean read from several columns: true when any is true, false when those present say false."""
    return f"(CASE WHEN {' OR '.join(values)} THEN true WHEN coalesce({', '.join(values)}) IS NOT NULL THEN false END)"


def compile_mapping(
    mapping: Mapping,
    con: duckdb.DuckDBPyConnection,
    described: list[tuple[str, str]],
    *,
    reader: str,
    position: str,
    source_timezone: str,
    path: Path,
    reader_params: dict[str, Any] | None = None,
    label: str = "line",
    decimal_comma: bool = False,
) -> CompiledMapping:
    """The SELECT producing the canonical columns (and ``_line``) of one file read through ``mapping``.

    ``reader_params``: the values ``reader`` binds (default: ``$path`` when it names it); ``label``: what a
    position is called in messages (line, record, row)."""
    compiler = _Compiler(mapping, con, described, reader, position, source_timezone, path, reader_params)
    compiler.label = label
    compiler.decimal_comma = decimal_comma
    return compiler.compile()

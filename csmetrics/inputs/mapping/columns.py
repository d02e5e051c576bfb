"""How one mapping key is read from an export column (or set by the mapping): the parsing SQL per declared kind
(text and value maps, outcomes, booleans, numbers and durations, timestamps, date plus clock time), with the
column found in the file's DESCRIBE output and quoted by :func:`csmetrics.sqltext.quote_identifier`, and every
value bound. :class:`csmetrics.inputs.mapping.compile._Compiler` builds on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.inputs import decimals
from csmetrics.inputs.files import reader_params
from csmetrics.inputs.mapping.model import DEFAULT_FALSE, DEFAULT_TRUE, KEY_KINDS, UNITS, Mapping, MappingError
from csmetrics.inputs.records import json_path
from csmetrics.inputs.schema import COLUMNS_BY_NAME, Column, parse_expression, type_family
from csmetrics.sqltext import quote_identifier, trimmed_text


@dataclass(frozen=True)
class _Found:
    """An export column found in the file: its name, quoted SQL, DuckDB type, type family and raw text SQL."""

    name: str
    sql: str
    dtype: str
    family: str
    raw: str


class ColumnReader:
    """The reading half of a compiler: its state is set by the compiler's ``__init__``."""

    m: Mapping
    con: duckdb.DuckDBPyConnection
    described: list[tuple[str, str]]
    types: dict[str, str]
    folded: dict[str, str]
    reader: str
    position: str
    path: Path
    params: dict[str, Any]
    used: set[str]
    given_reader_params: dict[str, Any] | None
    decimal_comma: bool  # numbers in text are written with a decimal comma (csmetrics.inputs.decimals)

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
        """(parsed SQL, raw text SQL, export column) for a key read from the export, or set by the mapping
        (``value = "..."``: the same on every row; ``record = true``: the record's position in the file)."""
        if "value" in spec or "record" in spec:
            return self._given(key, spec)
        src_name = spec["from"]
        if isinstance(src_name, list):
            return self._joined(key, spec, src_name)
        found = self.source(key, src_name)
        if found is None:
            return None
        src, dtype = found
        family = type_family(dtype)
        raw = trimmed_text(src if family != "json" else f"({src} ->> '$')")
        return self._parsed(key, spec, _Found(src_name, src, dtype, family, raw))

    def _given(self, key: str, spec: dict[str, Any]) -> tuple[str, str, str]:
        """A key the mapping sets itself, read as if an export column held it (so it is parsed and checked alike)."""
        if "record" in spec:
            text = f"CAST({self.position} AS VARCHAR)"
            return self._parsed(key, spec, _Found("its record number", text, "VARCHAR", "text", text))
        literal = self.bind(str(spec["value"]))
        return self._parsed(key, spec, _Found(f"value {spec['value']!r}", literal, "VARCHAR", "text", literal))

    def _parsed(self, key: str, spec: dict[str, Any], found: _Found) -> tuple[str, str, str]:
        """(parsed SQL, raw text SQL, export column) of ``found`` read as ``key``."""
        src_name, raw = found.name, found.raw
        kind = KEY_KINDS[key]
        if kind in ("text", "score"):
            return self.value_map(key, raw, spec), "NULL", src_name
        if kind == "outcome":
            return self.value_map(key, raw, spec, fold=True), raw, src_name
        if kind in ("direction", "channel"):
            mapped = self.value_map(key, raw, spec, fold=True)
            return parse_expression(COLUMNS_BY_NAME[key], mapped, "text"), raw, src_name
        reader = {"boolean": self._boolean, "number": self._number, "timestamp": self._timestamp}[kind]
        expr, raw = reader(key, spec, found)
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

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
from csmetrics.inputs.mapping.columns import ColumnReader
from csmetrics.inputs.mapping.messages import expected, fix_hint
from csmetrics.inputs.mapping.model import KEY_KINDS, Mapping, MappingError
from csmetrics.inputs.schema import INTERACTION_COLUMNS
from csmetrics.sqltext import first_line, quote_identifier


@dataclass
class CompiledMapping:
    """The SELECT producing the canonical columns (and ``_line``) for one file."""

    sql: str
    params: dict[str, Any]
    ignored: list[str] = field(default_factory=list)
    excluded: int = 0
    label: str = "line"  # what ``_line`` counts: line, row or record


class _Compiler(ColumnReader):
    """A mapping compiled against one file: the keys read, checked and combined into one SELECT."""

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
        return CompiledMapping(
            sql=sql, params=self._all_params(sql), ignored=ignored, excluded=excluded, label=self.label
        )

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

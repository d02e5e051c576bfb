"""Interaction exports (CSV, Parquet, JSON/NDJSON, xlsx, stdin) as SELECTs of the canonical schema.

For each file this module returns a :class:`FileRead`: the SELECT that reads it as the canonical
columns plus ``_file``, ``_line``, ``_seq`` (a unique key: file index and position) and the first
value that cannot be read (``_bad_column``/``_bad_value``). It never creates tables: the pipeline
session decides where the rows go. Python only decides, per source column type, which fixed SQL
expression reads it; paths and values are bound parameters; column names pass the schema
allow-list and :func:`csmetrics.sqltext.quote_identifier`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs.files import (
    POSITION_LABEL,
    POSITIONS,
    READERS,
    SHOWN_PROBLEMS,
    Relation,
    SourceFile,
    describe,
    detect_format,
    expand_paths,
    match_columns,
    reader_params,
    unreadable_error,
)
from csmetrics.inputs.mapping.compile import compile_mapping
from csmetrics.inputs.schema import (
    COLUMNS_BY_NAME,
    EXPECTED_FORMAT,
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    REQUIRED_COLUMNS,
    Column,
    parse_expression,
    type_family,
    typed_number_check,
)
from csmetrics.sqltext import SEQ_STRIDE, first_line, quote_identifier, trimmed_text

CANONICAL = ", ".join(quote_identifier(c.name) for c in INTERACTION_COLUMNS)


@dataclass(frozen=True)
class FileRead:
    """One file to read: what it is, and the SELECT that reads it."""

    source: SourceFile
    relation: Relation


def prepare_paths(patterns: list[str]) -> list[Path]:
    """The exact files of ``patterns``; ``-`` is CSV on stdin (spooled to a temporary file)."""
    if "-" in patterns:
        from csmetrics.inputs.sources import spool_stdin

        patterns = [str(spool_stdin()) if p == "-" else p for p in patterns]
    return expand_paths(patterns)


def file_reader(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, index: int, sheet: str | int | None) -> str:
    """The reader SQL of one file (an Excel sheet is registered on ``con`` first)."""
    if fmt != "xlsx":
        return READERS[fmt]
    from csmetrics.inputs.sources import register_excel

    return register_excel(con, path, name=f"__xlsx_{index}", sheet=sheet)


def plan_interactions(
    con: duckdb.DuckDBPyConnection,
    patterns: list[str],
    *,
    source_timezone: str,
    mapping: Any = None,
    sheet: str | int | None = None,
    first_index: int = 0,
) -> list[FileRead]:
    """One :class:`FileRead` per file matched by ``patterns`` (``mapping``: a csmetrics.inputs.mapping.Mapping)."""
    reads = []
    for offset, path in enumerate(prepare_paths(patterns)):
        index = first_index + offset
        fmt = detect_format(path)
        reader = file_reader(con, path, fmt, index, sheet)
        described = describe(con, reader, path)
        if mapping is not None:
            reads.append(_mapped(con, path, fmt, reader, described, index, source_timezone, mapping))
        else:
            reads.append(_direct(path, fmt, reader, described, index, source_timezone))
    return reads


def _direct(
    path: Path, fmt: str, reader: str, described: list[tuple[str, str]], index: int, source_timezone: str
) -> FileRead:
    by_key, ignored = match_columns(path, described, INTERACTION_COLUMNS)
    found = ", ".join(n for n, _ in described) or "(none)"
    missing = [c for c in REQUIRED_COLUMNS if c not in by_key]
    if missing:
        msg = (
            f"{path}: missing required column(s) {', '.join(missing)} (found: {found}). "
            "The first line must be a header naming the canonical columns; see README 'Input schema'."
        )
        raise InputError(msg)
    if not any(c in by_key for c in OUTCOME_COLUMNS):
        msg = f"{path}: needs an answered_at or an ended_at column to tell answered from abandoned (found: {found})"
        raise InputError(msg)
    relation = typed_relation(path, INTERACTION_COLUMNS, by_key, fmt, reader, index, source_timezone)
    return FileRead(SourceFile(path=path, format=fmt, ignored_columns=tuple(ignored)), relation)


def typed_relation(
    path: Path,
    columns: tuple[Column, ...],
    by_key: dict[str, tuple[str, str]],
    fmt: str,
    reader: str,
    file_index: int,
    source_timezone: str,
) -> Relation:
    """The SELECT that reads one file as ``columns``, with _file, _line, _seq and the first unreadable value.

    ``by_key`` maps each canonical column present to its (source name, DuckDB type). Text sources are
    parsed with the schema's fixed templates; a value that cannot be read leaves its column NULL and is
    reported in ``_bad_column``/``_bad_value``.
    """
    values: list[str] = []
    checks: list[tuple[str, str]] = []
    for column in columns:
        if column.name not in by_key:
            values.append(f"NULL AS {quote_identifier(column.name)}")
            continue
        expr, check = _read_column(path, column, *by_key[column.name])
        values.append(f"{expr} AS {quote_identifier(column.name)}")
        if check is not None:
            raw_alias = quote_identifier("__raw_" + column.name)
            values.append(f"{check} AS {raw_alias}")
            checks.append((column.name, raw_alias))
    bad = [f"{raw} IS NOT NULL AND {quote_identifier(n)} IS NULL" for n, raw in checks]
    bad_column = "CASE " + " ".join(f"WHEN {b} THEN '{n}'" for b, (n, _) in zip(bad, checks, strict=True)) + " END"
    bad_value = "CASE " + " ".join(f"WHEN {b} THEN {raw}" for b, (_, raw) in zip(bad, checks, strict=True)) + " END"
    names = ", ".join(quote_identifier(c.name) for c in columns)
    sql = (
        f"SELECT {names}, $file AS _file, _line, $file_index * {SEQ_STRIDE} + _line AS _seq, "
        f"{bad_column if checks else 'NULL'} AS _bad_column, {bad_value if checks else 'NULL'} AS _bad_value "
        f"FROM (SELECT {', '.join(values)}, {POSITIONS[fmt]} AS _line FROM {reader})"
    )
    params: dict[str, Any] = {"file": str(path), "file_index": file_index, **reader_params(reader, path)}
    if "$source_timezone" in sql:
        params["source_timezone"] = source_timezone
    return Relation(sql, params)


def _read_column(path: Path, column: Column, source_name: str, dtype: str) -> tuple[str, str | None]:
    """(the expression reading a source column as ``column``, the raw value to check, or None)."""
    source = quote_identifier(source_name)
    family = type_family(dtype)
    expr = parse_expression(column, source, family)
    if expr is None:
        msg = (
            f"{path}: column {source_name} has type {dtype}, which cannot hold {column.kind} values; "
            f"expected {EXPECTED_FORMAT.get(column.kind, 'text')}"
        )
        raise InputError(msg)
    # Only text can fail to parse: a typed source (Parquet TIMESTAMP, DOUBLE, ...) is read as it is.
    if column.kind in EXPECTED_FORMAT and family in ("text", "json"):
        return expr, trimmed_text(source)
    if column.kind == "number" and family == "number":  # nan, inf in a typed column
        return expr, typed_number_check(source)
    return expr, None


def _mapped(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    reader: str,
    described: list[tuple[str, str]],
    index: int,
    source_timezone: str,
    mapping: Any,
) -> FileRead:
    compiled = compile_mapping(
        mapping, con, described, reader=reader, position=POSITIONS[fmt], source_timezone=source_timezone, path=path
    )
    sql = (
        f"SELECT {CANONICAL}, $file AS _file, _line, $file_index * {SEQ_STRIDE} + _line AS _seq, "
        f"NULL AS _bad_column, NULL AS _bad_value FROM ({compiled.sql})"
    )
    source = SourceFile(path=path, format=fmt, ignored_columns=tuple(compiled.ignored), excluded=compiled.excluded)
    return FileRead(source, Relation(sql, compiled.params | {"file": str(path), "file_index": index}))


def insert_error(path: Path, error: duckdb.Error, mapping: Any = None) -> InputError:
    """The error for a file DuckDB could not read while its rows were being put in a table."""
    how = f" with mapping {mapping.name}" if mapping is not None else ""
    return InputError(f"{path}: cannot be read{how}: {first_line(error)}")


UNREADABLE_QUERY = (
    "SELECT _file, _line, _bad_column, _bad_value, count(*) OVER () AS n "
    "FROM {table} WHERE _bad_column IS NOT NULL ORDER BY _seq LIMIT " + str(SHOWN_PROBLEMS)
)


def check_unreadable(con: duckdb.DuckDBPyConnection, table: str, files: Iterable[SourceFile]) -> None:
    """Raise InputError naming file, column, line and value if any value of ``table`` could not be read."""
    rows = con.execute(UNREADABLE_QUERY.format(table=quote_identifier(table))).fetchall()
    if not rows:
        return
    labels = {str(f.path): POSITION_LABEL.get(f.format, "line") for f in files}
    expected = {name: EXPECTED_FORMAT[c.kind] for name, c in COLUMNS_BY_NAME.items() if c.kind in EXPECTED_FORMAT}
    raise unreadable_error(
        rows, labels, expected, fix="Fix the values in the export (or the column mapping), then run again."
    )

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs import decimals, hints, textformat
from csmetrics.inputs.csvfiles import STAGING_READER, CsvDialect, csv_dialect
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
    positioned_reader,
    read_error,
    reader_params,
    unreadable_error,
)
from csmetrics.inputs.mapping.compile import CompiledMapping, compile_mapping
from csmetrics.inputs.mapping.model import KEY_KINDS, MappingError
from csmetrics.inputs.records import MappedReader, json_reader, queue_log_reader
from csmetrics.inputs.schema import (
    CANONICAL,
    COLUMNS_BY_NAME,
    EXPECTED_FORMAT,
    INTEGER_TYPES,
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    REQUIRED_COLUMNS,
    Column,
    answer_value,
    bounded_check,
    clean_text_check,
    column_names,
    finite_time_check,
    parse_expression,
    sql_type,
    text_answer_value,
    type_family,
    typed_number_check,
    typed_time_check,
    value_column,
)
from csmetrics.inputs.shapes import SHAPES
from csmetrics.sqltext import SEQ_STRIDE, quote_identifier, trimmed_text

# Text columns nearly every scan of the rows reads (validation, dedupe, the FCR window): checking once that
# they need no trimming pays for itself; the others are read once per report at most.
READ_IN_EVERY_SCAN = frozenset({"interaction_id", "customer_id", "direction"})


@dataclass(frozen=True)
class FileRead:
    """One file to read: what it is, and the SELECT that reads it.

    ``timezone``: the SELECT reads naive text times in the session's TimeZone, which the reader must set to
    this zone (the source time zone) while it runs; None when it reads no text time.
    ``stage``, when set, is the file's conversion, to be stored (in file order, with the session's TimeZone set
    to ``timezone``) as the table :func:`csmetrics.inputs.files.stage_table` names; for a CSV file (``csv``,
    its dialect) the session then gives each row its line (:func:`staged_relation`), and ``relation`` holds
    only the values the rows' SELECT binds.
    """

    source: SourceFile
    relation: Relation
    timezone: str | None = None
    stage: Relation | None = None
    csv: CsvDialect | None = None


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
        if mapping is not None:
            reader = mapped_reader(con, path, index, sheet, mapping)
            reads.append(_mapped(con, path, reader, index, source_timezone, mapping))
            continue
        fmt = detect_format(path)
        reader_sql = file_reader(con, path, fmt, index, sheet)
        described = describe(con, reader_sql, path)
        reads.append(_direct(con, path, fmt, reader_sql, described, index, source_timezone, sheet))
    return reads


def mapped_reader(
    con: duckdb.DuckDBPyConnection, path: Path, index: int, sheet: str | int | None, mapping: Any
) -> MappedReader:
    """What ``mapping`` reads from ``path``: an event log through its shape, JSON records (through the shape
    when it applies), or the file as DuckDB reads it (CSV, Parquet, Excel)."""
    shape = SHAPES.get(mapping.shape or "")
    if shape is not None and shape.reads == "queue_log":
        return queue_log_reader(con, path, shape.name)
    fmt = detect_format(path)
    if fmt == "json":
        return json_reader(con, path, mapping.records, mapping.shape, mapping.source_columns())
    reader = file_reader(con, path, fmt, index, sheet)
    return MappedReader(reader, reader_params(reader, path), describe(con, reader, path), POSITIONS[fmt], fmt)


def _direct(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    reader: str,
    described: list[tuple[str, str]],
    index: int,
    source_timezone: str,
    sheet: str | int | None = None,
) -> FileRead:
    by_key, ignored = match_columns(path, described, INTERACTION_COLUMNS)
    found = ", ".join(n for n, _ in described) or "(none)"
    missing = [c for c in REQUIRED_COLUMNS if c not in by_key]
    if missing:
        headers = [n for n, _ in described]
        others = {
            "an agent state log": (("agent_id", "state"), (), "--states"),
            "a survey file": (("interaction_id",), ("offered_at", "answered_at", "ended_at", "queue"), "--surveys"),
        }
        raise InputError(hints.missing_columns(path, fmt, missing, headers, sheet=sheet, other_kinds=others))
    if not any(c in by_key for c in OUTCOME_COLUMNS):
        msg = f"{path}: needs an answered_at or an ended_at column to tell answered from abandoned (found: {found})"
        raise InputError(msg)
    source = SourceFile(path=path, format=fmt, ignored_columns=tuple(ignored))
    text_times = any(
        type_family(by_key[c.name][1]) in ("text", "json")
        for c in INTERACTION_COLUMNS
        if c.kind == "timestamp" and c.name in by_key
    )
    if fmt == "csv":
        return csv_read(path, INTERACTION_COLUMNS, by_key, index, source_timezone, source, con)
    clean = already_canonical(con, path, reader, by_key, INTERACTION_COLUMNS) if fmt == "parquet" else set()
    relation = typed_relation(path, INTERACTION_COLUMNS, by_key, fmt, reader, index, source_timezone, clean)
    return FileRead(source, relation, timezone=source_timezone if text_times else None)


def csv_read(
    path: Path,
    columns: tuple[Column, ...],
    by_key: dict[str, tuple[str, str]],
    index: int,
    source_timezone: str,
    source: SourceFile,
    con: duckdb.DuckDBPyConnection,
) -> FileRead:
    """A CSV file: read once, in parallel, with its explicit dialect (csmetrics.inputs.csvfiles), every value
    as text, parsed by the schema's templates and flagged when it cannot be read, in the same scan that stores
    the rows in a staging table in record order; the session then gives each row its physical line. Its
    numbers are read with the file's decimal separator (csmetrics.inputs.decimals)."""
    numbers = [by_key[c.name][0] for c in columns if c.kind in decimals.KINDS and c.name in by_key]
    separator, detected = decimals.choose(con, path, csv_dialect(path), numbers)
    source = replace(
        source,
        encoding=textformat.source_encoding(path),
        decimal_separator=separator,
        decimal_detected=detected,
    )
    converted = converted_select(path, columns, by_key, STAGING_READER, decimal_comma=separator == ",")
    params: dict[str, Any] = reader_params(STAGING_READER, path)
    if "$source_timezone" in converted:
        params["source_timezone"] = source_timezone
    return FileRead(
        source,
        Relation("", {"file": str(path), "file_index": index}),
        timezone=source_timezone,
        stage=Relation(converted, params),
        csv=csv_dialect(path),
    )


def staged_relation(read: FileRead, columns: tuple[Column, ...], rows: str) -> Relation:
    """The SELECT of a staged CSV file's rows as ``columns``, _file, _line, _seq and the unreadable value, from
    ``rows``: the staging table's rows with their ``_line``."""
    names = column_names(columns)
    return Relation(
        f"SELECT {names}, $file AS _file, _line, $file_index * {SEQ_STRIDE} + _line AS _seq, "
        f"_bad_column, _bad_value FROM ({rows})",
        read.relation.params,
    )


def already_canonical(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    reader: str,
    by_key: dict[str, tuple[str, str]],
    columns: Iterable[Column],
) -> set[str]:
    """The canonical columns whose values in the file need no work per row: text already trimmed (and
    lower-cased where the column is), integers within the bounds of a duration, typed times all finite. A file
    read where it lies (Parquet) is scanned several times; one scan here saves that work in every later one."""
    checks: dict[str, str] = {}
    for c in columns:
        if c.name not in by_key:
            continue
        source, dtype = quote_identifier(by_key[c.name][0]), by_key[c.name][1]
        if c.name in READ_IN_EVERY_SCAN and type_family(dtype) == "text":
            checks[c.name] = clean_text_check(source, c.kind)
        elif c.kind == "number" and dtype in INTEGER_TYPES:
            checks[c.name] = bounded_check(source)
        elif c.kind == "timestamp" and type_family(dtype) in ("timestamp", "timestamptz"):
            checks[c.name] = finite_time_check(source)
    if not checks:
        return set()
    try:
        row = con.execute(f"SELECT {', '.join(checks.values())} FROM {reader}", reader_params(reader, path)).fetchall()[
            0
        ]
    except duckdb.Error as e:
        raise read_error(con, path, e) from e
    return {name for name, ok in zip(checks, row, strict=True) if ok}


def typed_relation(
    path: Path,
    columns: tuple[Column, ...],
    by_key: dict[str, tuple[str, str]],
    fmt: str,
    reader: str,
    file_index: int,
    source_timezone: str,
    clean: set[str] | None = None,
    position: str | None = None,
) -> Relation:
    """The SELECT that reads one file as ``columns``, with _file, _line, _seq and the first unreadable value.

    ``by_key`` maps each canonical column present to its (source name, DuckDB type). Text sources are
    parsed with the schema's fixed templates; a value that cannot be read leaves its column NULL and is
    reported in ``_bad_column``/``_bad_value``. ``position``: the SQL of a row's position (default: by format).
    """
    converted = converted_select(path, columns, by_key, reader, clean, position=position or POSITIONS[fmt])
    names = column_names(columns)
    sql = (
        f"SELECT {names}, $file AS _file, _line, $file_index * {SEQ_STRIDE} + _line AS _seq, _bad_column, _bad_value "
        f"FROM ({converted})"
    )
    params: dict[str, Any] = {"file": str(path), "file_index": file_index, **reader_params(reader, path)}
    if "$source_timezone" in sql:
        params["source_timezone"] = source_timezone
    return Relation(sql, params)


def converted_select(
    path: Path,
    columns: tuple[Column, ...],
    by_key: dict[str, tuple[str, str]],
    reader: str,
    clean: set[str] | None = None,
    position: str | None = None,
    *,
    decimal_comma: bool = False,
) -> str:
    """SELECT ``columns`` (read from ``reader`` as their canonical types), ``_bad_column``, ``_bad_value`` and,
    when ``position`` is given, ``_line``: the conversion of one file, without where its rows come from."""
    values: list[str] = []
    checks: list[tuple[str, str]] = []
    for column in columns:
        if column.kind == "score":  # the answer's number, read from the same source column
            number = _answer_value(column, *by_key[column.name], decimal_comma) if column.name in by_key else "NULL"
            values.append(f"CAST({number} AS DOUBLE) AS {quote_identifier(value_column(column))}")
        if column.name not in by_key:
            values.append(f"CAST(NULL AS {sql_type(column)}) AS {quote_identifier(column.name)}")
            continue
        expr, check = _read_column(
            path, column, *by_key[column.name], clean=column.name in (clean or set()), decimal_comma=decimal_comma
        )
        values.append(f"{expr} AS {quote_identifier(column.name)}")
        if check is not None:
            raw_alias = quote_identifier("__raw_" + column.name)
            values.append(f"{check} AS {raw_alias}")
            checks.append((column.name, raw_alias))
    bad = [f"{raw} IS NOT NULL AND {quote_identifier(n)} IS NULL" for n, raw in checks]
    bad_column = "CASE " + " ".join(f"WHEN {b} THEN '{n}'" for b, (n, _) in zip(bad, checks, strict=True)) + " END"
    bad_value = "CASE " + " ".join(f"WHEN {b} THEN {raw}" for b, (_, raw) in zip(bad, checks, strict=True)) + " END"
    names = column_names(columns)
    line = ", _line" if position else ""
    return (
        f"SELECT {names}, {bad_column if checks else 'NULL'} AS _bad_column, "
        f"{bad_value if checks else 'NULL'} AS _bad_value{line} "
        f"FROM (SELECT {', '.join(values)}{f', {position} AS _line' if position else ''} FROM {reader})"
    )


def _answer_value(column: Column, source_name: str, dtype: str, decimal_comma: bool) -> str:
    """The number of a survey answer read from its source column (see schema.answer_value)."""
    _, read, family = _source(column, source_name, dtype, decimal_comma=decimal_comma)
    return answer_value(read, family)


def _source(
    column: Column, source_name: str, dtype: str, *, clean: bool = False, decimal_comma: bool = False
) -> tuple[str, str, str]:
    """(the quoted source column, the SQL ``column`` is read from: a number in text with a decimal comma made a
    point, the source's type family: ``clean`` when its values need no work per row)."""
    source = quote_identifier(source_name)
    family = type_family(dtype)
    if clean:
        family = {"number": "bounded_number", "timestamp": "finite_timestamp", "timestamptz": "finite_timestamptz"}.get(
            family, "clean_text"
        )
    read = decimals.as_point(source) if decimal_comma and column.kind in decimals.KINDS and family == "text" else source
    return source, read, family


def _read_column(
    path: Path, column: Column, source_name: str, dtype: str, *, clean: bool = False, decimal_comma: bool = False
) -> tuple[str, str | None]:
    """(the expression reading a source column as ``column``, the raw value to check, or None)."""
    source, read, family = _source(column, source_name, dtype, clean=clean, decimal_comma=decimal_comma)
    expr = parse_expression(column, read, family)
    if expr is None:
        msg = (
            f"{path}: column {source_name} has type {dtype}, which cannot hold {column.kind} values; "
            f"expected {EXPECTED_FORMAT.get(column.kind, 'text')}"
        )
        raise InputError(msg)
    # Text can fail to parse; a typed source (Parquet TIMESTAMP, DOUBLE, ...) is read as it is, but for values
    # that are no time or duration: infinity, nan, an absurd magnitude.
    if column.kind in EXPECTED_FORMAT and family in ("text", "json", "clean_text"):
        return expr, source if clean else trimmed_text(source)
    if column.kind == "number" and family == "number":
        return expr, typed_number_check(source)
    if column.kind == "timestamp" and family in ("timestamp", "timestamptz"):
        return expr, typed_time_check(source)
    return expr, None


def compile_read(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    reader: MappedReader,
    mapping: Any,
    source_timezone: str,
    name: str = "trial",
    *,
    decimal_comma: bool = False,
) -> CompiledMapping:
    """``mapping`` compiled over what ``reader`` reads from ``path`` (a report's read and inspect's trial read);
    a CSV file's rows are positioned by physical line (:func:`positioned_reader`; ``name`` names its line map)."""
    label = POSITION_LABEL.get(reader.format, "line")
    if reader.format == "csv" and reader.sql == READERS["csv"]:
        sql, position, label = positioned_reader(con, path, "csv", name)
        reader = replace(reader, sql=sql, position=position)
    return compile_mapping(
        mapping,
        con,
        reader.described,
        reader=reader.sql,
        position=reader.position,
        source_timezone=source_timezone,
        path=path,
        reader_params=reader.params,
        label=label,
        decimal_comma=decimal_comma,
    )


def _mapped(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    reader: MappedReader,
    index: int,
    source_timezone: str,
    mapping: Any,
) -> FileRead:
    separator, detected = ".", False
    if reader.format == "csv":
        separator, detected = decimals.choose(con, path, csv_dialect(path), mapping_numbers(mapping, reader.described))
    try:
        compiled = compile_read(
            con, path, reader, mapping, source_timezone, f"loaded_rows_{index}", decimal_comma=separator == ","
        )
    except MappingError as e:
        if reader.hint:
            raise MappingError(f"{e}; {reader.hint}") from e
        raise
    # a mapping reads answers as text (its columns may be combined, defaulted or derived): their numbers are read
    # from that text here, once
    values = "".join(
        f", {text_answer_value(quote_identifier(c.name))} AS {quote_identifier(value_column(c))}"
        for c in INTERACTION_COLUMNS
        if c.kind == "score"
    )
    sql = (
        f"SELECT {CANONICAL}{values}, $file AS _file, _line, $file_index * {SEQ_STRIDE} + _line AS _seq, "
        f"NULL AS _bad_column, NULL AS _bad_value FROM ({compiled.sql})"
    )
    source = SourceFile(
        path=path,
        format=reader.format,
        ignored_columns=tuple(compiled.ignored),
        excluded=compiled.excluded,
        encoding=textformat.source_encoding(path) if reader.format == "csv" else "utf-8",
        decimal_separator=separator,
        decimal_detected=detected,
        position=compiled.label,
    )
    return FileRead(source, Relation(sql, compiled.params | {"file": str(path), "file_index": index}))


def mapping_numbers(mapping: Any, described: list[tuple[str, str]]) -> list[str]:
    """The export columns a mapping reads as durations (for the decimal separator's decision)."""
    names = {n.strip().lower(): n for n, _ in described}
    sources = [
        spec.get("from")
        for key, spec in mapping.columns.items()
        if KEY_KINDS.get(key) == "number" and isinstance(spec.get("from"), str) and spec.get("unit", "") != "hms"
    ]
    return [names[s.strip().lower()] for s in sources if s.strip().lower() in names]


def insert_error(con: duckdb.DuckDBPyConnection, path: Path, error: duckdb.Error, mapping: Any = None) -> InputError:
    """The error for a file DuckDB could not read while its rows were being put in a table."""
    how = f" with mapping {mapping.name}" if mapping is not None else ""
    return read_error(con, path, error, how)


UNREADABLE_QUERY = (
    "SELECT _file, _line, _bad_column, _bad_value, count(*) OVER () AS n "
    "FROM ({rows}) WHERE _bad_column IS NOT NULL ORDER BY _seq LIMIT " + str(SHOWN_PROBLEMS)
)


def check_unreadable(con: duckdb.DuckDBPyConnection, rows_sql: str, files: Iterable[SourceFile]) -> None:
    """Raise InputError naming file, column, line and value if any value of the rows ``rows_sql`` selects
    (loaded_rows columns) could not be read."""
    rows = con.execute(UNREADABLE_QUERY.format(rows=rows_sql)).fetchall()
    if not rows:
        return
    labels = {str(f.path): f.label for f in files}
    expected = {name: EXPECTED_FORMAT[c.kind] for name, c in COLUMNS_BY_NAME.items() if c.kind in EXPECTED_FORMAT}
    times = [(c, str(v)) for _, _, c, v, _ in rows if c in COLUMNS_BY_NAME and COLUMNS_BY_NAME[c].kind == "timestamp"]
    fix = "Fix the values in the export (or the column mapping), then run again."
    dates = hints.date_format_fix(times)
    numbers = [str(v) for _, _, c, v, _ in rows if c in COLUMNS_BY_NAME and COLUMNS_BY_NAME[c].kind in decimals.KINDS]
    commas = decimals.comma_hint(numbers)
    extra = "\n".join(h for h in (dates, commas) if h)
    raise unreadable_error(rows, labels, expected, fix=f"{extra}\n{fix}" if extra else fix)

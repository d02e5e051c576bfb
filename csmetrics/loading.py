"""Read interaction exports (CSV, Parquet, JSON/NDJSON) into DuckDB as the canonical schema.

DuckDB streams every file; Python only decides, per source column type, which
fixed SQL expression reads it. Paths and values are bound parameters; column
names pass the schema allow-list and :func:`csmetrics.schema.quote_identifier`.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.schema import (
    typed_number_check,
    Column,
    COLUMNS_BY_NAME,
    EXPECTED_FORMAT,
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    REQUIRED_COLUMNS,
    parse_expression,
    quote_identifier,
    type_family,
)

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".xlsx": "xlsx",
}
# Reading a file: the path is always a bound parameter.
READERS = {
    "csv": "read_csv($path, header = true, all_varchar = true, auto_detect = true)",
    "parquet": "read_parquet($path, file_row_number = true)",
    "json": "read_json($path, format = 'auto')",
    "xlsx": "",  # read with fastexcel and registered as an Arrow table (csmetrics.sources)
}
# Position of a row in its file, for messages: a CSV line (header = line 1) or a record number.
POSITIONS = {
    "csv": "row_number() OVER () + 1",
    "parquet": "file_row_number + 1",
    "json": "row_number() OVER ()",
    "xlsx": "row_number() OVER () + 1",
}
POSITION_LABEL = {"csv": "line", "parquet": "row", "json": "record", "xlsx": "row"}

LOADED_TABLE = "loaded_rows"
META_COLUMNS = "_file VARCHAR, _line BIGINT, _seq BIGINT, _bad_column VARCHAR, _bad_value VARCHAR"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    format: str
    rows: int = 0
    ignored_columns: tuple[str, ...] = ()
    excluded: int = 0  # rows a column mapping marked excluded (outcome = "excluded")


@dataclass
class LoadResult:
    files: list[SourceFile] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.files)


def expand_paths(patterns: list[str]) -> list[Path]:
    """Expand globs; every pattern must match at least one readable file."""
    paths: list[Path] = []
    for pattern in patterns:
        if glob.has_magic(pattern) and not Path(pattern).is_file():  # a file may have [ ] * ? in its name
            matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
            if not matches:
                msg = f"{pattern}: no file matches this pattern"
                raise InputError(msg)
            paths.extend(matches)
        else:
            p = Path(pattern)
            if not p.exists():
                msg = f"{p}: no such file"
                raise InputError(msg)
            if not p.is_file():
                msg = f"{p}: not a file (give a file or a glob such as '{p}/*.csv')"
                raise InputError(msg)
            paths.append(p)
    return paths


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".gz" and Path(path.stem).suffix.lower() in (".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl"):
        suffix = Path(path.stem).suffix.lower()  # DuckDB reads gzip-compressed CSV and JSON natively
    if suffix in FORMATS:
        return FORMATS[suffix]
    msg = f"{path}: unknown file type {suffix or '(none)'}; csmetrics reads {', '.join(sorted(FORMATS))}"
    raise InputError(msg)


def create_loaded_table(con: duckdb.DuckDBPyConnection, table: str = LOADED_TABLE) -> None:
    cols = []
    for c in INTERACTION_COLUMNS:
        sqltype = {
            "timestamp": "TIMESTAMPTZ",
            "number": "DOUBLE",
            "boolean": "BOOLEAN",
        }.get(c.kind, "VARCHAR")
        cols.append(f"{quote_identifier(c.name)} {sqltype}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} ({', '.join(cols)}, {META_COLUMNS})")


def _describe(con: duckdb.DuckDBPyConnection, reader: str, path: Path) -> list[tuple[str, str]]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"path": str(path)} if "$path" in reader else {}).fetchall()
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {_first_line(e)}"
        raise InputError(msg) from e
    return [(r[0], r[1]) for r in rows]


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def match_columns(
    path: Path, described: list[tuple[str, str]], columns: tuple[Column, ...]
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Match a file's header (case-insensitive, trimmed) to ``columns``.

    Returns canonical name -> (source name, DuckDB type), and the source columns that match none.
    Two source columns naming the same canonical column are an InputError.
    """
    known = {c.name for c in columns}
    by_key: dict[str, tuple[str, str]] = {}
    ignored: list[str] = []
    for name, dtype in described:
        key = name.strip().lower()
        if key not in known:
            ignored.append(name)
        elif key in by_key:
            msg = f"{path}: columns {by_key[key][0]!r} and {name!r} both name the {key} column; keep one"
            raise InputError(msg)
        else:
            by_key[key] = (name, dtype)
    return by_key, ignored


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    file_index: int,
    source_timezone: str,
    table: str = LOADED_TABLE,
    mapping: Any = None,
    sheet: str | int | None = None,
) -> SourceFile:
    """Append one file's rows to ``table`` in the canonical schema.

    With ``mapping`` (a :class:`csmetrics.mapping.Mapping`) the canonical columns come from
    the SELECT the mapping compiles for this file instead of from same-named columns.
    """
    fmt = detect_format(path)
    reader = READERS[fmt]
    if fmt == "xlsx":
        from csmetrics.sources import register_excel

        reader = register_excel(con, path, file_index=file_index, sheet=sheet)
    described = _describe(con, reader, path)
    if mapping is not None:
        return _load_mapped(con, path, fmt, reader, described, file_index, source_timezone, table, mapping)
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

    rows = insert_typed(
        con, path, table=table, columns=INTERACTION_COLUMNS, by_key=by_key, fmt=fmt, reader=reader,
        file_index=file_index, source_timezone=source_timezone,
    )
    return SourceFile(path=path, format=fmt, rows=rows, ignored_columns=tuple(ignored))


def insert_typed(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    table: str,
    columns: tuple[Column, ...],
    by_key: dict[str, tuple[str, str]],
    fmt: str,
    reader: str,
    file_index: int,
    source_timezone: str,
) -> int:
    """Append one file's rows to ``table`` through :func:`typed_select`; return how many."""
    sql = f"INSERT INTO {quote_identifier(table)} " + typed_select(path, columns, by_key, fmt, reader)
    params: dict[str, Any] = {"file": str(path), "file_index": file_index}
    if "$path" in reader:
        params["path"] = str(path)
    if "$source_timezone" in sql:
        params["source_timezone"] = source_timezone
    try:
        inserted = con.execute(sql, params).fetchall()[0]
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {_first_line(e)}"
        raise InputError(msg) from e
    return int(inserted[0]) if inserted else 0


def typed_select(
    path: Path, columns: tuple[Column, ...], by_key: dict[str, tuple[str, str]], fmt: str, reader: str
) -> str:
    """The SELECT that reads one file as ``columns``, with _file, _line, _seq and the first unreadable value.

    ``by_key`` maps each canonical column present to its (source name, DuckDB type). Text sources are
    parsed with the schema's fixed templates; a value that cannot be read leaves its column NULL and is
    reported in ``_bad_column``/``_bad_value``. Binds ``$file``, ``$file_index`` and, when a timestamp
    needs it, ``$source_timezone``.
    """
    values: list[str] = []
    raws: list[str] = []
    checks: list[tuple[str, str]] = []
    for column in columns:
        if column.name not in by_key:
            values.append(f"NULL AS {quote_identifier(column.name)}")
            continue
        source_name, dtype = by_key[column.name]
        source = quote_identifier(source_name)
        expr = parse_expression(column, source, type_family(dtype))
        if expr is None:
            msg = (
                f"{path}: column {source_name} has type {dtype}, which cannot hold {column.kind} values; "
                f"expected {EXPECTED_FORMAT.get(column.kind, 'text')}"
            )
            raise InputError(msg)
        values.append(f"{expr} AS {quote_identifier(column.name)}")
        # Only text can fail to parse: a typed source (Parquet TIMESTAMP, DOUBLE, ...) is read as it is.
        raw_alias = quote_identifier("__raw_" + column.name)
        if column.kind in EXPECTED_FORMAT and type_family(dtype) in ("text", "json"):
            raws.append(f"nullif(trim(CAST({source} AS VARCHAR)), '') AS {raw_alias}")
            checks.append((column.name, raw_alias))
        elif column.kind == "number" and type_family(dtype) == "number":  # nan, inf in a typed column
            raws.append(f"{typed_number_check(source)} AS {raw_alias}")
            checks.append((column.name, raw_alias))
    if checks:
        bad_column = "CASE " + " ".join(
            f"WHEN {raw} IS NOT NULL AND {quote_identifier(n)} IS NULL THEN '{n}'" for n, raw in checks
        ) + " END"
        bad_value = "CASE " + " ".join(
            f"WHEN {raw} IS NOT NULL AND {quote_identifier(n)} IS NULL THEN {raw}" for n, raw in checks
        ) + " END"
    else:
        bad_column = bad_value = "NULL"
    names = ", ".join(quote_identifier(c.name) for c in columns)
    return (
        f"SELECT {names}, $file AS _file, _line, $file_index * 1099511627776 + _line AS _seq, "
        f"{bad_column} AS _bad_column, {bad_value} AS _bad_value "
        f"FROM (SELECT {', '.join(values + raws)}, {POSITIONS[fmt]} AS _line FROM {reader})"
    )


def _load_mapped(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    reader: str,
    described: list[tuple[str, str]],
    file_index: int,
    source_timezone: str,
    table: str,
    mapping: Any,
) -> SourceFile:
    compiled = mapping.compile(
        con, described, reader=reader, position=POSITIONS[fmt], source_timezone=source_timezone, path=path
    )
    canonical = ", ".join(quote_identifier(c.name) for c in INTERACTION_COLUMNS)
    sql = (
        f"INSERT INTO {quote_identifier(table)} "
        f"SELECT {canonical}, $file AS _file, _line, $file_index * 1099511627776 + _line AS _seq, "
        f"NULL AS _bad_column, NULL AS _bad_value FROM ({compiled.sql})"
    )
    params = compiled.params | {"file": str(path), "file_index": file_index}
    try:
        inserted = con.execute(sql, params).fetchall()[0]
    except duckdb.Error as e:
        msg = f"{path}: cannot be read with mapping {mapping.name}: {_first_line(e)}"
        raise InputError(msg) from e
    rows = int(inserted[0]) if inserted else 0
    return SourceFile(
        path=path, format=fmt, rows=rows, ignored_columns=tuple(compiled.ignored), excluded=compiled.excluded
    )


def check_parse_errors(con: duckdb.DuckDBPyConnection, files: list[SourceFile], table: str = LOADED_TABLE) -> None:
    """Raise InputError naming file, column, line and value if any value could not be read."""
    rows = con.execute(
        f"SELECT _file, _line, _bad_column, _bad_value, count(*) OVER () AS n "
        f"FROM {quote_identifier(table)} WHERE _bad_column IS NOT NULL ORDER BY _seq LIMIT 5"
    ).fetchall()
    if not rows:
        return
    labels = {str(f.path): POSITION_LABEL[f.format] for f in files}
    total = rows[0][4]
    lines = []
    for file, line, column, value, _ in rows:
        kind = COLUMNS_BY_NAME[column].kind
        lines.append(
            f"{file}, {labels.get(file, 'line')} {line}, column {column}: cannot read {value!r}; "
            f"expected {EXPECTED_FORMAT[kind]}"
        )
    more = f"\n({total - len(rows)} more unreadable values not shown)" if total > len(rows) else ""
    msg = (
        f"{total} value(s) cannot be read:\n  " + "\n  ".join(lines) + more
        + "\nFix the values in the export (or the column mapping), then run again."
    )
    raise InputError(msg)


def load_interactions(
    con: duckdb.DuckDBPyConnection,
    patterns: list[str],
    *,
    source_timezone: str,
    table: str = LOADED_TABLE,
    mapping: Any = None,
    sheet: str | int | None = None,
) -> LoadResult:
    """Load every file matched by ``patterns`` into ``table``; all-or-nothing. ``-`` is CSV on stdin."""
    if "-" in patterns:
        from csmetrics.sources import spool_stdin

        patterns = [str(spool_stdin()) if p == "-" else p for p in patterns]
    paths = expand_paths(patterns)
    create_loaded_table(con, table)
    result = LoadResult()
    for index, path in enumerate(paths):
        result.files.append(
            load_file(
                con, path, file_index=index, source_timezone=source_timezone, table=table, mapping=mapping, sheet=sheet
            )
        )
    check_parse_errors(con, result.files, table)
    return result

"""Files as DuckDB reads them: which paths, which format, which reader, which columns.

A pattern is expanded once, here, into exact paths; DuckDB is always handed one exact path as a
bound parameter, with its glob characters escaped (:func:`duckdb_path`), so a file named ``data[1].csv``
or ``exp*.csv`` is that file and nothing else. Every reader in :data:`READERS` is a fixed SQL text with
``$path`` (and, for CSV, the file's dialect: :mod:`csmetrics.inputs.csvfiles`).
"""

from __future__ import annotations

import glob
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs import csvfiles, textformat
from csmetrics.inputs.schema import Column
from csmetrics.sqltext import connect, first_line, quote_identifier, shown

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
    "csv": csvfiles.READER,
    "parquet": "read_parquet($path)",  # its rows' positions: DuckDB's virtual column file_row_number
    "json": "read_json($path, format = 'auto')",
    "xlsx": "",  # read with fastexcel and registered as an Arrow table (csmetrics.inputs.sources)
}
# Position of a row in its file, for messages: a CSV line (header = line 1) or a record number.
POSITIONS = {
    # a CSV of one line per record (blank lines before the header counted); else see positioned_reader
    "csv": "row_number() OVER () + 1 + $csv_skip",
    "parquet": "file_row_number + 1",
    "json": "row_number() OVER ()",
    "xlsx": "row_number() OVER () + 1",
}
POSITION_LABEL = {"csv": "line", "parquet": "row", "json": "record", "xlsx": "row"}
# At most this many unreadable values are listed in a message (the total is always given).
SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class SourceFile:
    """One file read (or the store, format "store"): what data_quality reports of it."""

    path: Path
    format: str
    rows: int = 0
    ignored_columns: tuple[str, ...] = ()
    excluded: int = 0  # rows a column mapping marked excluded (outcome = "excluded")
    position: str = ""  # what its rows' positions count: line, row or record (default: by format)
    encoding: str = "utf-8"  # a CSV export's encoding (csmetrics.inputs.textformat)
    decimal_separator: str = "."  # a CSV export's decimal separator (csmetrics.inputs.decimals)
    decimal_detected: bool = False  # the decimal comma was decided from the file's values

    @property
    def label(self) -> str:
        return self.position or POSITION_LABEL.get(self.format, "line")

    def to_document(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "records": self.rows + self.excluded,
            **({"excluded_by_mapping": self.excluded} if self.excluded else {}),
            "rows": self.rows,
            **({"ignored_columns": list(self.ignored_columns)} if self.ignored_columns else {}),
            **({"encoding": self.encoding} if self.encoding != "utf-8" else {}),
            **({"decimal_separator": self.decimal_separator} if self.decimal_separator != "." else {}),
            **({"decimal_separator_detected": True} if self.decimal_detected else {}),
        }


@dataclass(frozen=True)
class Relation:
    """A SELECT over one input file (its reader) and the values it binds."""

    sql: str
    params: dict[str, Any]


def stage_table(relation: str, index: int) -> str:
    """The staging table of the ``index``-th file read into the input ``relation`` (loaded_rows, ...)."""
    return f"csm_{relation}_{index}"


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


def duckdb_path(path: Path) -> str:
    """``path`` as DuckDB must be given it to read that file only: DuckDB expands glob characters in a path,
    so ``[``, ``*`` and ``?`` are escaped as one-character classes (``data[[]1].csv``)."""
    return glob.escape(str(path))


def reader_params(reader: str, path: Path) -> dict[str, Any]:
    """The values a reader binds: the path (escaped), and a CSV file's dialect. A CSV export in another encoding
    than UTF-8 is read from its UTF-8 copy (csmetrics.inputs.textformat)."""
    csv = "$csv_" in reader
    read = textformat.readable_path(path) if csv else path
    params: dict[str, Any] = {"path": duckdb_path(read)} if "$path" in reader else {}
    if csv:
        params.update(csvfiles.csv_dialect(path).params())
    return params


def positioned_reader(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, name: str) -> tuple[str, str, str]:
    """(the reader, the SQL of a row's position, what a position counts: line, row or record) of a file read
    straight from its reader (a mapped export, surveys, the complaint denominator, a roster).

    A CSV row's position is its physical line. The file's records are counted (one DuckDB scan, which also
    names every record that does not parse) while its lines are counted; when each record is one line (the
    usual case) a row's line follows from its record number. Otherwise (blank lines between records, values
    spanning lines) the records are mapped to their lines in the temporary table ``csm_line_map_NAME``
    (:func:`csmetrics.inputs.csvfiles.build_line_map`), which the reader joins; a file whose lines cannot be
    mapped has its rows numbered as records."""
    reader = READERS[fmt]
    if fmt != "csv":
        return reader, POSITIONS[fmt], POSITION_LABEL[fmt]
    dialect = csvfiles.csv_dialect(path)
    params = reader_params(reader, path)
    try:
        with csvfiles.LineCount(path, dialect) as lines:
            records = int(con.execute(f"SELECT count(*) FROM {reader}", params).fetchall()[0][0])
    except duckdb.Error as e:
        raise read_error(con, path, e) from e
    if csvfiles.one_line_per_record(lines.result(), dialect, records):
        return reader, POSITIONS[fmt], "line"
    table = f"csm_line_map_{name}"
    if csvfiles.build_line_map(con, params["path"], dialect.delimiter, table) != records:
        return reader, "row_number() OVER ()", "record"
    joined = (
        f"(SELECT r.* EXCLUDE (__csm_record), m.line AS __csm_line FROM (SELECT *, row_number() OVER () AS "
        f"__csm_record FROM {reader}) AS r JOIN {quote_identifier(table)} AS m ON m.record = r.__csm_record)"
    )
    return joined, "__csm_line", "line"


def describe(con: duckdb.DuckDBPyConnection, reader: str, path: Path) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of every column the reader sees."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", reader_params(reader, path)).fetchall()
    except duckdb.Error as e:
        raise read_error(con, path, e) from e
    described = [(r[0], r[1]) for r in rows]
    if reader != READERS["csv"]:  # a CSV header's names are read by csmetrics (csvfiles), duplicates refused
        _check_renamed(path, described)
    if reader == READERS["parquet"] and any(n.strip().lower() == "file_row_number" for n, _ in described):
        msg = (
            f"{path}: has a column named file_row_number, the name DuckDB gives the position of a row in a Parquet "
            "file; rename that column in the export (csmetrics names rows by that position)"
        )
        raise InputError(msg)
    return described


def _check_renamed(path: Path, described: list[tuple[str, str]]) -> None:
    """Refuse two columns whose names differ only in case (``Queue`` and ``QUEUE``): DuckDB reads the second
    as ``QUEUE_1``, which would be ignored without a word."""
    names = {str(n).strip().lower(): str(n) for n, _ in described}
    for name, _ in described:
        m = re.fullmatch(r"(.+)_([0-9]+)", str(name).strip())
        if m and m.group(1).lower() in names and m.group(1).lower() not in {str(name).strip().lower()}:
            first = names[m.group(1).lower()]
            msg = (
                f"{path}: two columns are named {first!r} (ignoring case; DuckDB calls the second {name!r}): "
                "both name the same column; rename or drop one, csmetrics cannot tell which is meant"
            )
            raise InputError(msg)


def read_error(con: duckdb.DuckDBPyConnection, path: Path, error: duckdb.Error, how: str = "") -> InputError:
    """The error for a file DuckDB could not read: for a CSV, every record that does not parse with its line
    (one more scan, on this error path only) or the line where the line endings change; else DuckDB's words
    after csmetrics' own."""
    if detect_format(path) == "csv":
        try:
            dialect = csvfiles.csv_dialect(path)
        except InputError as e:
            return e
        mixed = csvfiles.mixed_line_endings(path, dialect)
        if mixed:
            return InputError(mixed)
        problem = _structure_problem(path, dialect)
        if problem is None and textformat.active().encoding == "utf-8":
            problem = textformat.not_utf8_error(path)
        if problem is not None:
            return problem
    return InputError(f"{path}: cannot be read{how}: {first_line(error)}")


def _structure_problem(path: Path, dialect: csvfiles.CsvDialect) -> InputError | None:
    """The records of a CSV that do not parse, each with its line, found on a connection of its own: the one
    whose read failed may be inside a load's transaction, which the failure has aborted."""
    con = connect()
    try:
        staging = csvfiles.STAGING_READER
        con.execute(f"SELECT count(*) FROM {staging}", reader_params(staging, path)).fetchall()
        return csvfiles.structure_error(con, path, dialect)
    except duckdb.Error:
        return None
    finally:
        con.close()


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


def _is_name(value: Any, column: str) -> bool:
    return isinstance(value, str) and value.strip().lower() == column.lower()


def unreadable_error(
    rows: list[tuple[Any, ...]], labels: Mapping[str, str], expected: Mapping[str, str], what: str = "", fix: str = ""
) -> InputError:
    """The error for values that cannot be read: ``rows`` are (file, position, column, value, total)."""
    total = int(rows[0][4])
    lines = [
        f"{file}, {labels.get(str(file), 'line')} {line}, column {column}: cannot read {shown(value)}; "
        f"expected {expected.get(column, 'text')}"
        + ("; this record repeats the header: two exports joined into one file?" if _is_name(value, column) else "")
        for file, line, column, value, _ in rows
    ]
    more = f"\n({total - len(rows)} more unreadable values not shown)" if total > len(rows) else ""
    where = f" in the {what}" if what else ""
    return InputError(
        f"{total} value(s){where} cannot be read:\n  " + "\n  ".join(lines) + more + (f"\n{fix}" if fix else "")
    )

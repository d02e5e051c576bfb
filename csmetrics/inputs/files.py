"""Files as DuckDB reads them: which paths, which format, which reader, which columns.

A pattern is expanded once, here, into exact paths; DuckDB is always handed one exact path as a
bound parameter. Every reader in :data:`READERS` is a fixed SQL text with ``$path``.
"""

from __future__ import annotations

import glob
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs.schema import Column
from csmetrics.sqltext import first_line

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
    "xlsx": "",  # read with fastexcel and registered as an Arrow table (csmetrics.inputs.sources)
}
# Position of a row in its file, for messages: a CSV line (header = line 1) or a record number.
POSITIONS = {
    "csv": "row_number() OVER () + 1",
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

    def to_document(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "records": self.rows + self.excluded,
            **({"excluded_by_mapping": self.excluded} if self.excluded else {}),
            "rows": self.rows,
            **({"ignored_columns": list(self.ignored_columns)} if self.ignored_columns else {}),
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


def reader_params(reader: str, path: Path) -> dict[str, Any]:
    return {"path": str(path)} if "$path" in reader else {}


def describe(con: duckdb.DuckDBPyConnection, reader: str, path: Path) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of every column the reader sees."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", reader_params(reader, path)).fetchall()
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {first_line(e)}"
        raise InputError(msg) from e
    return [(r[0], r[1]) for r in rows]


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


def unreadable_error(
    rows: list[tuple[Any, ...]], labels: Mapping[str, str], expected: Mapping[str, str], what: str = "", fix: str = ""
) -> InputError:
    """The error for values that cannot be read: ``rows`` are (file, position, column, value, total)."""
    total = int(rows[0][4])
    lines = [
        f"{file}, {labels.get(str(file), 'line')} {line}, column {column}: cannot read {value!r}; "
        f"expected {expected.get(column, 'text')}"
        for file, line, column, value, _ in rows
    ]
    more = f"\n({total - len(rows)} more unreadable values not shown)" if total > len(rows) else ""
    where = f" in the {what}" if what else ""
    return InputError(
        f"{total} value(s){where} cannot be read:\n  " + "\n  ".join(lines) + more + (f"\n{fix}" if fix else "")
    )

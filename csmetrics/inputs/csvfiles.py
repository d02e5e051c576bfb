"""CSV files read with an explicit dialect, every record accounted for, every position a physical line.

DuckDB's CSV sniffer guesses a delimiter, a comment character, rows to skip and where the header is; a
wrong guess drops rows without a word (a ``#`` taken for a comment marker, the first of two concatenated
exports skipped as "title lines"). csmetrics never lets it guess:

- the header is the first non-blank line of the file (blank lines before it are skipped, and counted);
  the delimiter is the one of ``, ; TAB |`` that occurs most often in it (TAB for ``.tsv``); the column
  names are read from it here, in Python, and handed to DuckDB;
- every dialect option is set: RFC 4180 quotes (``"``, doubled to escape), no comment character, no rows
  skipped after the header, strict parsing (a record with too few or too many fields, or a badly closed
  quote, is an error: never padded, cut or skipped), no sniffing at all;
- a record that does not parse is reported with its physical line and what is wrong with it
  (:func:`structure_error`), from DuckDB's rejects table, filled by the same scan that reads the rows.

Blank lines hold no data; DuckDB skips them. Every other record is either read or reported, so the rows
read plus the records reported are the file's records. The rows' positions are physical lines: the file's
line count (counted while DuckDB reads it, :class:`LineCount`) shows whether every record is one line;
when it is not (blank lines, values spanning lines), :func:`line_map_sql` maps records to their lines.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs import textformat
from csmetrics.sqltext import quote_identifier, shown

DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 1 << 20
BLOCK = 1 << 22
# At most this many unparseable records of one file are kept in DuckDB's rejects table (the message says
# "at least" when there are more; the file is refused either way).
REJECTS_LIMIT = 1000
# The CSV reader: no option left to the sniffer. $csv_* are bound from the file's CsvDialect.
READER = (
    "read_csv($path, header = true, auto_detect = false, columns = $csv_columns, delim = $csv_delim, "
    "quote = '\"', escape = '\"', comment = '', skip = $csv_skip, strict_mode = true, null_padding = false)"
)
# The same reader, keeping every record that does not parse in DuckDB's rejects table (instead of failing at
# the first), for staging scans, which report them all with their lines afterwards (structure_error).
STAGING_READER = READER[:-1] + f", store_rejects = true, rejects_limit = {REJECTS_LIMIT})"

_NAMES = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}


@dataclass(frozen=True)
class CsvDialect:
    """How one CSV file is read: found in its header line, never guessed from its data."""

    delimiter: str
    names: tuple[str, ...]  # the header's column names, as DuckDB is given them
    skip: int  # blank lines before the header
    newline: str  # the header line's line ending: "\n", "\r\n", "\r" ("" for a one-line file)
    header: str  # the header line as text, to recognise a repeated header

    def params(self) -> dict[str, Any]:
        return {
            "csv_columns": dict.fromkeys(self.names, "VARCHAR"),
            "csv_delim": self.delimiter,
            "csv_skip": self.skip,
        }

    @property
    def first_data_line(self) -> int:
        return self.skip + 2


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes as DuckDB reads them: decompressed for ``.gz``; the UTF-8 copy of an export in another
    encoding (csmetrics.inputs.textformat)."""
    return textformat.open_raw(textformat.readable_path(path))


def _read_head(path: Path) -> bytes:
    try:
        with open_binary(path) as f:
            return f.read(HEAD_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        msg = f"{path}: cannot be read: {getattr(e, 'strerror', None) or e}"
        raise InputError(msg) from e


def csv_dialect(path: Path) -> CsvDialect:
    """The dialect of the CSV file at ``path`` (read once per file version)."""
    try:
        stat = path.stat()
    except OSError as e:
        msg = f"{path}: cannot be read: {e.strerror}"
        raise InputError(msg) from e
    readable = str(textformat.readable_path(path))
    return _dialect(str(path), stat.st_mtime_ns, stat.st_size, readable)


@functools.lru_cache(maxsize=256)
def _dialect(path_text: str, _mtime: int, _size: int, _readable: str) -> CsvDialect:
    path = Path(path_text)
    head = _read_head(path)
    head = head.removeprefix(b"\xef\xbb\xbf")
    leading = re.match(rb"(?:\r\n|\n|\r)*", head)
    blank = leading.group(0) if leading else b""
    skip = len(re.findall(rb"\r\n|\n|\r", blank))
    rest = head[len(blank) :]
    if not rest:
        msg = f"{path}: the file is empty; a CSV export starts with a header line naming its columns"
        raise InputError(msg)
    end = re.search(rb"\r\n|\n|\r", rest)
    if end is None and len(head) >= HEAD_BYTES:
        msg = f"{path}: line {skip + 1} is longer than {HEAD_BYTES // 1024} KiB: not a CSV header line"
        raise InputError(msg)
    line = rest[: end.start()] if end else rest
    text = _header_text(path, line, skip)
    delimiter = "\t" if _is_tsv(path) else _delimiter(text)
    names = _header_names(path, rest, delimiter, skip)
    newline = end.group(0).decode() if end else ""
    if newline == "\r" and rest[end.end() : end.end() + 1] == b"\n":  # pragma: no cover - re takes \r\n first
        newline = "\r\n"
    return CsvDialect(delimiter, names, skip, newline, text)


def _header_text(path: Path, line: bytes, skip: int) -> str:
    """The header line as text: UTF-8 (an export in another encoding is read from its UTF-8 copy)."""
    if b"\x00" in line:
        msg = (
            f"{path}, line {skip + 1} (the header): holds NUL bytes: UTF-16 text without a byte-order mark? "
            "Give --encoding utf-16 (or save the export as UTF-8)"
        )
        raise InputError(msg)
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as e:
        byte = line[e.start]
        msg = (
            f"{path}, line {skip + 1} (the header): byte 0x{byte:02X} (byte {e.start + 1} of the line) is not UTF-8 "
            "text: the export is in another encoding. Give --encoding cp1252 (Windows exports; or latin-1, "
            "utf-16), or [source] encoding in the mapping, or save the export as UTF-8"
        )
        raise InputError(msg) from None


def _is_tsv(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    return ".tsv" in suffixes


def _delimiter(line: str) -> str:
    """The candidate delimiter occurring most often in the header line, outside quoted names (ties: the
    first of DELIMITERS; none at all: a comma, so the file is one column and the missing columns are named)."""
    bare = re.sub(r'"(?:[^"]|"")*"', "", line)
    counts = [(bare.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def _header_names(path: Path, rest: bytes, delimiter: str, skip: int) -> tuple[str, ...]:
    text = rest.decode("utf-8", errors="replace")
    try:
        row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True))
    except (csv.Error, StopIteration) as e:
        msg = f"{path}, line {skip + 1} (the header): cannot be read as a CSV header line ({e})"
        raise InputError(msg) from None
    names = [n if n.strip() else f"column{i + 1}" for i, n in enumerate(row)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = name.strip().lower()
        if key in seen:
            msg = (
                f"{path}, line {skip + 1} (the header): columns {seen[key] + 1} and {i + 1} are both named "
                f"{shown(name)} (ignoring case); rename one, csmetrics cannot tell which is meant"
            )
            raise InputError(msg)
        seen[key] = i
    return tuple(names)


# -- records that do not parse ---------------------------------------------------------------------
def _reject_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """DuckDB's rejects tables that exist on this connection (looked up, never tried: a failed statement would
    abort the open transaction of a load)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name IN ('reject_errors', 'reject_scans')"
    ).fetchall()
    return {r[0] for r in rows}


def clear_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Empty DuckDB's rejects tables (they exist once a scan has stored rejects on this connection)."""
    for table in sorted(_reject_tables(con)):
        con.execute(f"DELETE FROM {table}")


_PROBLEMS = """
SELECT line_byte_position, any_value(error_type ORDER BY column_idx), any_value(csv_line), count(*) OVER ()
FROM reject_errors GROUP BY line_byte_position ORDER BY line_byte_position LIMIT 5
"""


def structure_error(con: duckdb.DuckDBPyConnection, path: Path, dialect: CsvDialect) -> InputError | None:
    """The error naming every record of the last staging scan that did not parse (None: all did)."""
    if "reject_errors" not in _reject_tables(con):
        return None
    rows = con.execute(_PROBLEMS).fetchall()
    if not rows:
        return None
    if any(str(r[1]) in ("INVALID ENCODING", "INVALID UNICODE") for r in rows):
        encoding = textformat.not_utf8_error(path)
        if encoding is not None:
            return encoding
    total = int(rows[0][3])
    lines = physical_lines(path, dialect, [int(r[0]) for r in rows])
    described = [
        f"line {line}: {_what(str(kind), str(text or ''), dialect)}"
        for line, (_, kind, text, _) in zip(lines, rows, strict=True)
    ]
    more = f"\n  ({total - len(rows)} more not shown)" if total > len(rows) else ""
    if total >= REJECTS_LIMIT:
        more = f"\n  (at least {total - len(rows)} more not shown)"
    fix = (
        "Every record needs exactly the header's fields; fix these lines in the export (or split a file made "
        "of several exports), then run again."
    )
    return InputError(
        f"{path}: {total}{'+' if total >= REJECTS_LIMIT else ''} record(s) cannot be read as CSV:\n  "
        + "\n  ".join(described)
        + more
        + f"\n{fix}"
    )


def _what(kind: str, text: str, dialect: CsvDialect) -> str:
    """What is wrong with a record DuckDB could not parse, in words."""
    header = len(dialect.names)
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        if not text.strip(" \t\r\n"):
            return f"a blank line holding only spaces (the header has {header} fields); delete it"
        fields = _fields(text, dialect.delimiter)
        if _looks_like_header(fields, dialect):
            return (
                f"another header line ({len(fields)} fields; the header on line {dialect.skip + 1} has {header}): "
                "two exports joined into one file? Give each export as its own file"
            )
        if header == 1:
            return (
                f"{len(fields)} fields where the header (line {dialect.skip + 1}) has one: is line "
                f"{dialect.skip + 1} a title above the real header? Delete it ({shown(text)})"
            )
        if kind == "MISSING COLUMNS":
            return f"{len(fields)} field(s) where the header has {header}: the record is cut short ({shown(text)})"
        return (
            f"{len(fields)} fields where the header has {header}: an extra delimiter, or a value containing "
            f"{_delimiter_name(dialect.delimiter)} that is not quoted ({shown(text)})"
        )
    if kind == "UNQUOTED VALUE":
        return f"a quoted value is not closed by a quote right before a delimiter or the line end ({shown(text)})"
    if kind in ("INVALID ENCODING", "INVALID UNICODE"):
        return "not UTF-8 text; save the export as UTF-8"
    if kind == "LINE SIZE OVER MAXIMUM":
        return "longer than DuckDB's maximum line size (2 MB)"
    return f"{kind.lower()} ({shown(text)})"


def _fields(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text.strip("\r\n"), newline=""), delimiter=delimiter, quotechar='"'))
    except (csv.Error, StopIteration):
        return text.split(delimiter)


def _looks_like_header(fields: list[str], dialect: CsvDialect) -> bool:
    names = {n.strip().lower() for n in dialect.names}
    matching = sum(1 for f in fields if f.strip().lower() in names)
    return matching >= max(2, len(fields) // 2)


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "a tab", ",": "a comma", ";": "a semicolon", "|": "a bar"}.get(delimiter, repr(delimiter))


def _blocks(path: Path) -> Iterator[bytes]:
    with open_binary(path) as f:
        while block := f.read(BLOCK):
            yield block


def physical_lines(path: Path, dialect: CsvDialect, positions: list[int]) -> list[int]:
    """The physical line (1-based) of each byte offset in ``positions`` (sorted), counted in one read of the
    file up to the last of them (an error path: only a few offsets, once)."""
    newline = b"\r" if dialect.newline == "\r" else b"\n"
    bom = 3 if _has_bom(path) else 0
    pending = sorted(set(positions))
    found: dict[int, int] = {}
    offset, count = 0, 0
    for block in _blocks(path):
        while pending and pending[0] + bom <= offset + len(block):
            cut = pending[0] + bom - offset
            found[pending.pop(0)] = count + block.count(newline, 0, max(cut, 0)) + 1
        if not pending:
            break
        count += block.count(newline)
        offset += len(block)
    for p in pending:
        found[p] = count + 1
    return [found[p] for p in positions]


def _has_bom(path: Path) -> bool:
    try:
        with open_binary(path) as f:
            return f.read(3) == b"\xef\xbb\xbf"
    except (OSError, EOFError):
        return False


def mixed_line_endings(path: Path, dialect: CsvDialect) -> str | None:
    """The message for a file that mixes line endings (DuckDB's strict reader cannot read one), or None."""
    expected = dialect.newline or "\n"
    pattern = {"\r\n": rb"(?<!\r)\n|\r(?!\n)", "\n": rb"\r\n?", "\r": rb"\n"}[expected]
    regex = re.compile(pattern)
    count, tail = 0, b""
    newline = b"\r" if expected == "\r" else b"\n"
    for block in _blocks(path):
        data = tail + block
        # keep the last byte for the next round: a \r\n may straddle two blocks
        body, tail = data[:-1], data[-1:]
        hit = regex.search(body)
        if hit is not None:
            line = count + body.count(newline, 0, hit.start()) + 1
            found = hit.group(0).decode()
            return (
                f"{path}, line {line}: ends with {_NAMES.get(found, repr(found))} but the header line ends with "
                f"{_NAMES[expected]}: the file mixes line endings (two exports joined?); convert it to one "
                "kind (for example with dos2unix) and run again"
            )
        count += body.count(newline)
    return None


# -- counting lines while DuckDB reads -----------------------------------------------------------------------
class LineCount:
    """Counts a file's physical lines in a thread, while DuckDB reads the file (one pass over its bytes at
    memory speed, no Python work per line). ``result()`` gives (lines, trailing blank lines)."""

    def __init__(self, path: Path, dialect: CsvDialect) -> None:
        self.path = path
        self.newline = b"\r" if dialect.newline == "\r" else b"\n"
        self._result: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._run, name="csmetrics-line-count", daemon=True)

    def __enter__(self) -> LineCount:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.join()

    def _run(self) -> None:
        try:
            lines, last = 0, b""
            trailing = 0
            for block in _blocks(self.path):
                lines += block.count(self.newline)
                stripped = block.rstrip(b"\r\n")
                if stripped:
                    trailing = len(re.findall(rb"\r\n|\n|\r", block[len(stripped) :]))
                else:
                    trailing += len(re.findall(rb"\r\n|\n|\r", block))
                last = block[-1:]
            ends_open = bool(last) and last not in (b"\n", b"\r")
            self._result = (lines + (1 if ends_open else 0), max(trailing - 1, 0))
        except (OSError, EOFError, gzip.BadGzipFile):
            self._result = None

    def result(self) -> tuple[int, int] | None:
        self._thread.join()
        return self._result


# -- records to lines, when records span lines ---------------------------------------------------------------
def _quote_regexes(delimiter: str) -> tuple[str, str]:
    """RE2 patterns (full match) telling whether a line ends inside a quoted value: when it starts outside one,
    and when it starts inside one (RFC 4180: a value that starts with a quote runs to the next single quote)."""
    d = re.escape(delimiter)
    quoted = r'"(?:[^"]|"")*"'
    unquoted = rf'(?:[^"{d}][^{d}]*)?'
    fields = rf"(?:(?:{quoted}|{unquoted}){d})*"
    open_value = r'"(?:[^"]|"")*'
    starts_outside = rf"{fields}{open_value}"
    starts_inside = rf'(?:[^"]|"")*(?:"{d}{fields}{open_value})?'
    return starts_outside, starts_inside


def line_map_sql(delimiter: str, raw_table: str) -> tuple[str, str]:
    """(the SELECT of a file's raw lines, the SELECT mapping record numbers to lines from them).

    The first reads every physical line (blank lines included, as NULL) with quoting off; it is stored as
    table ``raw_table`` (a quoted name) in line order. The second decides, line by line, whether a line starts inside a
    quoted value: each line is a function of the state it starts in (stays, flips, or sets it), and the state
    at a line is the last line that set it, flipped once per flipping line since; a record starts on every
    non-blank line that starts outside quotes. Record 1 is the header; the n-th data record is record n + 1.
    """
    raw = (
        "SELECT l FROM read_csv($path, header = false, auto_detect = false, columns = {'l': 'VARCHAR'}, "
        "delim = E'\\x01\\x02\\x03\\x04', quote = '', escape = '', comment = '', strict_mode = false, "
        "null_padding = false)"
    )
    mapping = """
WITH lines AS (
    SELECT rowid - (SELECT min(rowid) FROM {raw_table}) + 1 AS line, l,
        regexp_full_match(coalesce(l, ''), $outside) AS o,
        regexp_full_match(coalesce(l, ''), $inside) AS i
    FROM {raw_table}
),
kinds AS (
    SELECT *, o = i AS sets, o AND NOT i AS flips,
        sum(CAST(o AND NOT i AS BIGINT)) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING) AS flips_so_far
    FROM lines
),
after AS (
    -- the state after each line: the last setting line's value, flipped by every flipping line since
    SELECT *,
        coalesce(last_value(CASE WHEN sets THEN o END IGNORE NULLS) OVER w, false) AS set_to,
        coalesce(last_value(CASE WHEN sets THEN flips_so_far END IGNORE NULLS) OVER w, 0) AS flips_at_set
    FROM kinds
    WINDOW w AS (ORDER BY line ROWS UNBOUNDED PRECEDING)
),
states AS (
    SELECT line, l, coalesce(lag(set_to <> ((flips_so_far - flips_at_set) % 2 = 1)) OVER (ORDER BY line), false)
        AS starts_inside
    FROM after
)
SELECT row_number() OVER (ORDER BY line) - 1 AS record, line
FROM states
WHERE l IS NOT NULL AND NOT starts_inside
"""
    return raw, mapping.replace("{raw_table}", raw_table)


def quote_patterns(delimiter: str) -> dict[str, str]:
    outside, inside = _quote_regexes(delimiter)
    return {"outside": outside, "inside": inside}


def one_line_per_record(counted: tuple[int, int] | None, dialect: CsvDialect, records: int) -> bool:
    """Whether a file's line count (:class:`LineCount`) shows that each of its ``records`` data records is one
    line (the usual case): the lines are the records, the header and the blank lines around them."""
    return counted is not None and counted[0] - counted[1] - dialect.skip == records + 1


def build_line_map(con: duckdb.DuckDBPyConnection, path_param: str, delimiter: str, table: str) -> int | None:
    """Create the temporary table ``table`` (a name) mapping each data record of the file to its physical
    line (record, line; :func:`line_map_sql`) in two DuckDB scans; the number of data records mapped, or None when
    the file's raw lines cannot be read. ``path_param``: the path as DuckDB is given it."""
    raw, lines = quote_identifier(f"{table}_raw"), quote_identifier(table)
    raw_sql, mapping = line_map_sql(delimiter, raw)
    kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    try:
        con.execute("SET preserve_insertion_order = true")  # the raw lines' row ids are their order
        con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS {raw_sql}", {"path": path_param})
        con.execute(f"CREATE OR REPLACE TEMP TABLE {lines} AS {mapping}", quote_patterns(delimiter))
        return int(con.execute(f"SELECT count(*) - 1 FROM {lines}").fetchall()[0][0])
    except duckdb.Error:
        return None
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if kept else 'false'}")
        con.execute(f"DROP TABLE IF EXISTS {raw}")

"""Survey answers (--surveys FILE) and the external complaint denominator (--denominator FILE).

Both are read as SELECTs, checked here for values that cannot be read (naming file, line, column
and value); the pipeline session puts the rows in its tables. Every value is a bound parameter and
every column name passes :func:`csmetrics.sqltext.quote_identifier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs import decimals, textformat
from csmetrics.inputs.csvfiles import csv_dialect
from csmetrics.inputs.files import (
    READERS,
    SHOWN_PROBLEMS,
    Relation,
    SourceFile,
    detect_format,
    expand_paths,
    positioned_reader,
    reader_params,
    unreadable_error,
)
from csmetrics.inputs.interactions import FileRead
from csmetrics.inputs.schema import (
    COLUMNS_BY_NAME,
    EXPECTED_FORMAT,
    answer_value,
    parse_expression,
    type_family,
    value_column,
)
from csmetrics.sqltext import SEQ_STRIDE, first_line, quote_identifier, trimmed_text

SURVEY_SCORES = ("csat", "nps")
FIX = "Fix the values in the file, then run again."
DENOMINATOR_EXPECTED = {
    "date": "a local date YYYY-MM-DD",
    "count": "a number >= 0",
    "queue": "text",
}


def _columns(con: duckdb.DuckDBPyConnection, reader: str, path: str) -> dict[str, tuple[str, str]]:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}", reader_params(reader, Path(path))).fetchall()
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {first_line(e)}"
        raise InputError(msg) from e
    out: dict[str, tuple[str, str]] = {}
    for name, dtype, *_ in described:
        key = str(name).strip().lower()
        if key in out:
            msg = f"{path}: columns {out[key][0]!r} and {name!r} both name the {key} column; keep one"
            raise InputError(msg)
        out[key] = (str(name), str(dtype))
    return out


def _first_problems(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], path: str) -> list[Any]:
    try:
        return con.execute(sql, params).fetchall()
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {first_line(e)}"
        raise InputError(msg) from e


# -- surveys ----------------------------------------------------------------------------
def plan_surveys(con: duckdb.DuckDBPyConnection, patterns: list[str], *, first_index: int = 0) -> list[FileRead]:
    """The SELECT of each survey file: interaction_id, csat, nps (as text), _file, _line, _seq."""
    return [_survey_file(con, str(p), first_index + i) for i, p in enumerate(expand_paths(patterns))]


def _survey_file(con: duckdb.DuckDBPyConnection, path: str, index: int) -> FileRead:
    fmt = detect_format(Path(path))
    cols = _columns(con, READERS[fmt], path)
    found = ", ".join(n for n, _ in cols.values()) or "(none)"
    if "interaction_id" not in cols or not any(c in cols for c in SURVEY_SCORES):
        msg = f"{path}: a survey file needs an interaction_id column and a csat and/or nps column (found: {found})"
        raise InputError(msg)
    comma = fmt == "csv" and _decimal_comma(con, Path(path), [cols[n][0] for n in SURVEY_SCORES if n in cols])
    exprs, checks = _survey_columns(path, cols, comma=comma)
    reader, position, label = positioned_reader(con, Path(path), fmt, f"survey_rows_{index}")
    inner = f"SELECT {', '.join(exprs)}, {position} AS _line FROM {reader}"
    params = reader_params(reader, Path(path))
    _check_answers(con, path, inner, checks, {**params, "file": path}, label)
    sql = (
        "SELECT interaction_id, csat, nps, csat_value, nps_value, $file AS _file, _line, "
        f"$file_index * {SEQ_STRIDE} + _line AS _seq FROM ({inner})"
    )
    source_file = SourceFile(
        Path(path),
        fmt,
        encoding=textformat.source_encoding(Path(path)) if fmt == "csv" else "utf-8",
        decimal_separator="," if comma else ".",
        position=label,
    )
    return FileRead(source_file, Relation(sql, {**params, "file": path, "file_index": index}))


def _check_answers(
    con: duckdb.DuckDBPyConnection,
    path: str,
    inner: str,
    checks: list[tuple[str, str]],
    params: dict[str, Any],
    label: str,
) -> None:
    """Refuse the file (InputError naming line, column and value) when an answer given as text cannot be read.
    ``checks``: the (answer, raw alias) pairs of ``inner``; a typed answer is read as it is, with no check."""
    if not checks:
        return
    bad = " UNION ALL ".join(
        f"SELECT _line, '{name}' AS col, {raw} AS value FROM t "
        f"WHERE {raw} IS NOT NULL AND {quote_identifier(name)} IS NULL"
        for name, raw in checks
    )
    rows = _first_problems(
        con,
        f"WITH t AS ({inner}), bad AS ({bad}) SELECT $file, _line, col, value, count(*) OVER () FROM bad "
        f"ORDER BY _line, col LIMIT {SHOWN_PROBLEMS}",
        params,
        path,
    )
    if rows:
        expected = dict.fromkeys(SURVEY_SCORES, EXPECTED_FORMAT["score"])
        hint = decimals.comma_hint(str(r[3]) for r in rows)
        raise unreadable_error(rows, {path: label}, expected, fix=f"{hint}\n{FIX}" if hint else FIX)


def _survey_columns(
    path: str, cols: dict[str, tuple[str, str]], *, comma: bool
) -> tuple[list[str], list[tuple[str, str]]]:
    """(the SELECT list reading interaction_id, csat and nps and the raw answers, the (answer, raw alias) pairs
    to check); ``comma``: answers in text are written with a decimal comma."""
    exprs, checks = [], []
    for name in ("interaction_id", *SURVEY_SCORES):
        column = COLUMNS_BY_NAME[name]
        if name not in cols:
            exprs.append(f"NULL AS {quote_identifier(name)}")
            if name in SURVEY_SCORES:
                exprs.append(f"CAST(NULL AS DOUBLE) AS {quote_identifier(value_column(column))}")
            continue
        source_name, dtype = cols[name]
        source = quote_identifier(source_name)
        family = type_family(dtype)
        read = decimals.as_point(source) if comma and name in SURVEY_SCORES and family == "text" else source
        expr = parse_expression(column, read, family)
        if expr is None:
            msg = f"{path}: column {source_name} has type {dtype}, which cannot hold {name} answers"
            raise InputError(msg)
        exprs.append(f"{expr} AS {quote_identifier(name)}")
        if name in SURVEY_SCORES:
            # the answer's number: a typed number as it is (its text is NULL), text read as a number once
            exprs.append(f"{answer_value(read, family)} AS {quote_identifier(value_column(column))}")
            if family != "number":
                raw = quote_identifier("__raw_" + name)
                exprs.append(f"{trimmed_text(source)} AS {raw}")
                checks.append((name, raw))
    return exprs, checks


def _decimal_comma(con: duckdb.DuckDBPyConnection, path: Path, scores: list[str]) -> bool:
    """Whether a CSV survey file's answers are read with a decimal comma (csmetrics.inputs.decimals)."""
    return decimals.choose(con, path, csv_dialect(path), scores)[0] == ","


# -- external complaint denominator -----------------------------------------------------------
@dataclass(frozen=True)
class DenominatorRead:
    path: str
    has_queue: bool
    relation: Relation  # day DATE, queue, external_count DOUBLE, _file, _line


def plan_denominators(con: duckdb.DuckDBPyConnection, pattern: str) -> DenominatorRead:
    """Read ``date,count[,queue]`` rows: the complaint denominator per local day (and queue)."""
    paths = expand_paths([pattern])
    if len(paths) != 1:
        msg = f"--denominator {pattern}: matches {len(paths)} files; give one file"
        raise InputError(msg)
    path = str(paths[0])
    fmt = detect_format(paths[0])
    cols = _columns(con, READERS[fmt], path)
    found = ", ".join(n for n, _ in cols.values()) or "(none)"
    if "date" not in cols or "count" not in cols:
        msg = f"{path}: a denominator file needs columns date and count (and optionally queue); found: {found}"
        raise InputError(msg)
    has_queue = "queue" in cols
    reader, position, label = positioned_reader(con, paths[0], fmt, "denominator")
    queue_src = trimmed_text(quote_identifier(cols["queue"][0])) if has_queue else "NULL"
    inner = (
        f"SELECT {trimmed_text(quote_identifier(cols['date'][0]))} AS raw_date, "
        f"{trimmed_text(quote_identifier(cols['count'][0]))} AS raw_count, {queue_src} AS queue, "
        f"{position} AS _line FROM {reader}"
    )
    params = reader_params(reader, Path(path))
    rows = _first_problems(
        con,
        f"WITH t AS ({inner}), bad AS ("
        "SELECT _line, 'date' AS col, coalesce(raw_date, '') AS value FROM t "
        "WHERE raw_date IS NULL OR try_cast(raw_date AS DATE) IS NULL "
        "UNION ALL SELECT _line, 'count', coalesce(raw_count, '') FROM t WHERE raw_count IS NULL "
        "OR NOT coalesce(isfinite(try_cast(raw_count AS DOUBLE)) AND try_cast(raw_count AS DOUBLE) >= 0, false)) "
        f"SELECT $path, _line, col, value, count(*) OVER () FROM bad ORDER BY _line, col LIMIT {SHOWN_PROBLEMS}",
        params,
        path,
    )
    if rows:
        raise unreadable_error(rows, {path: label}, DENOMINATOR_EXPECTED, fix=FIX)
    _check_repeated_days(con, inner, params, path, label, has_queue)
    sql = (
        "SELECT CAST(raw_date AS DATE) AS day, queue, CAST(raw_count AS DOUBLE) AS external_count, "
        f"$path AS _file, _line FROM ({inner})"
    )
    return DenominatorRead(path, has_queue, Relation(sql, params))


def _check_repeated_days(
    con: duckdb.DuckDBPyConnection, inner: str, params: dict[str, Any], path: str, label: str, has_queue: bool
) -> None:
    dups = _first_problems(
        con,
        f"SELECT min(_line), max(_line), raw_date, queue FROM ({inner}) "
        "GROUP BY try_cast(raw_date AS DATE), raw_date, queue HAVING count(*) > 1 ORDER BY 1 LIMIT 1",
        params,
        path,
    )
    if dups:
        first, last, day, queue = dups[0]
        where = f" and queue {queue!r}" if has_queue else ""
        msg = (
            f"{path}, {label} {last}, column date: {day}{where} already given on "
            f"{label} {first}; give one count per day{' and queue' if has_queue else ''}"
        )
        raise InputError(msg)

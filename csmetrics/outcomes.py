"""Inputs and checks for the customer-outcome metrics (FCR, complaints, CSAT, NPS).

- survey files (``--surveys FILE``): answers joined to contacts on interaction_id;
- the external complaint denominator (``--denominator FILE``): a count per day,
  optionally per queue;
- FCR at several repeat windows side by side (``csmetrics fcr-windows``).

Python only decides which fixed SQL to run; every value is a bound parameter and
every column name passes the allow-list and :func:`quote_identifier`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from csmetrics.definitions import Definitions
from csmetrics.errors import ConfigError, InputError
from csmetrics.grouping import Grouping, group_columns, parse_group_by
from csmetrics.loading import POSITION_LABEL, POSITIONS, READERS, detect_format, expand_paths
from csmetrics.schema import (
    COLUMNS_BY_NAME,
    EXPECTED_FORMAT,
    INTERACTION_COLUMNS,
    parse_expression,
    quote_identifier,
    type_family,
)

if TYPE_CHECKING:
    from csmetrics.engine import Engine, Report

# Parameters that decide which survey answers are rejected (so the checks re-run when they change).
PREPARE_PARAMS = ("csat.scale_min", "csat.scale_max")
SURVEY_SCORES = ("csat", "nps")
FCR_METRICS = ("fcr_rate", "fcr_first_contacts", "fcr_censored", "repeat_rate")
# --by groupings an external complaint denominator (a count per local day) can be summed into.
DENOMINATOR_GROUPINGS = ("day", "week", "month", "queue")


def create_input_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty survey and denominator tables, so every prepare step runs without those files."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE survey_rows "
        "(interaction_id VARCHAR, csat VARCHAR, nps VARCHAR, _file VARCHAR, _line BIGINT, _seq BIGINT)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE complaint_denominators "
        "(day DATE, queue VARCHAR, external_count DOUBLE, _file VARCHAR, _line BIGINT)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE complaint_denominator_files (path VARCHAR, has_queue BOOLEAN)")


def _columns(con: duckdb.DuckDBPyConnection, reader: str, path: str) -> dict[str, tuple[str, str]]:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"path": path}).fetchall()
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {str(e).strip().splitlines()[0]}"
        raise InputError(msg) from e
    out: dict[str, tuple[str, str]] = {}
    for name, dtype, *_ in described:
        key = str(name).strip().lower()
        if key in out:
            msg = f"{path}: columns {out[key][0]!r} and {name!r} both name the {key} column; keep one"
            raise InputError(msg)
        out[key] = (str(name), str(dtype))
    return out


def _unreadable(rows: list[tuple[Any, ...]], path: str, label: str, expected: Mapping[str, str]) -> InputError:
    lines = [
        f"{path}, {label} {line}, column {column}: cannot read {value!r}; expected {expected[column]}"
        for line, column, value, _ in rows
    ]
    total = rows[0][3]
    more = f"\n({total - len(rows)} more unreadable values not shown)" if total > len(rows) else ""
    return InputError(
        f"{total} value(s) cannot be read:\n  " + "\n  ".join(lines) + more + "\nFix the values in the file, then run again."
    )


# -- surveys ----------------------------------------------------------------------------
def load_surveys(con: duckdb.DuckDBPyConnection, patterns: list[str]) -> int:
    """Append survey files (interaction_id + csat and/or nps) to ``survey_rows``; return rows read."""
    total = 0
    for index, path_obj in enumerate(expand_paths(patterns)):
        path = str(path_obj)
        fmt = detect_format(path_obj)
        reader = READERS[fmt]
        cols = _columns(con, reader, path)
        found = ", ".join(n for n, _ in cols.values()) or "(none)"
        present = [c for c in SURVEY_SCORES if c in cols]
        if "interaction_id" not in cols or not present:
            msg = f"{path}: a survey file needs an interaction_id column and a csat and/or nps column (found: {found})"
            raise InputError(msg)
        exprs, raws, checks = [], [], []
        for name in ("interaction_id", *SURVEY_SCORES):
            if name not in cols:
                exprs.append(f"NULL AS {quote_identifier(name)}")
                continue
            source_name, dtype = cols[name]
            source = quote_identifier(source_name)
            expr = parse_expression(COLUMNS_BY_NAME[name], source, type_family(dtype))
            if expr is None:
                msg = f"{path}: column {source_name} has type {dtype}, which cannot hold {name} answers"
                raise InputError(msg)
            exprs.append(f"{expr} AS {quote_identifier(name)}")
            if name in SURVEY_SCORES:
                raw = quote_identifier("__raw_" + name)
                raws.append(f"nullif(trim(CAST({source} AS VARCHAR)), '') AS {raw}")
                checks.append((name, raw))
        inner = f"SELECT {', '.join(exprs + raws)}, {POSITIONS[fmt]} AS _line FROM {reader}"
        bad = " UNION ALL ".join(
            f"SELECT _line, '{name}' AS col, {raw} AS value FROM t WHERE {raw} IS NOT NULL AND {quote_identifier(name)} IS NULL"
            for name, raw in checks
        )
        params = {"path": path}
        try:
            rows = con.execute(
                f"WITH t AS ({inner}), bad AS ({bad}) "
                "SELECT _line, col, value, count(*) OVER () FROM bad ORDER BY _line, col LIMIT 5",
                params,
            ).fetchall()
            if rows:
                raise _unreadable(rows, path, POSITION_LABEL[fmt], {c: EXPECTED_FORMAT["score"] for c in SURVEY_SCORES})
            inserted = con.execute(
                "INSERT INTO survey_rows SELECT interaction_id, csat, nps, $file AS _file, _line, "
                f"$file_index * 1099511627776 + _line AS _seq FROM ({inner})",
                {**params, "file": path, "file_index": index},
            ).fetchall()
        except duckdb.Error as e:
            msg = f"{path}: cannot be read: {str(e).strip().splitlines()[0]}"
            raise InputError(msg) from e
        total += int(inserted[0][0]) if inserted else 0
    return total


# -- rejects and the accounting of answers ------------------------------------------------------
def rejects_sql() -> str:
    """The ``rejects`` table: rejected contact rows, rejected answers, rejected survey rows.

    Interaction rows (whole contacts, then each out-of-range answer of a valid contact, csat before nps,
    with the row's values) in read order, then survey rows (whole rows and out-of-range answers).
    """
    canonical = ", ".join(quote_identifier(c.name) for c in INTERACTION_COLUMNS)
    row_values = ", ".join(f"c.{quote_identifier(c.name)}" for c in INTERACTION_COLUMNS)
    return (
        f"CREATE OR REPLACE TEMP TABLE rejects AS SELECT source_file, line, reject_reason, {canonical} FROM ("
        f"SELECT 0 AS _input, _seq, 0 AS _k, _file AS source_file, _line AS line, reject_reason, {canonical} "
        "FROM checked WHERE reject_reason IS NOT NULL "
        "UNION ALL BY NAME "
        "SELECT 0 AS _input, c._seq, CASE a.score WHEN 'csat' THEN 1 ELSE 2 END AS _k, c._file AS source_file, "
        f"c._line AS line, a.reject_reason, {row_values} "
        "FROM answer_checked AS a JOIN loaded_rows AS c ON c._seq = a._seq "
        "WHERE a.input = 'interactions' AND a.reject_reason IS NOT NULL "
        "UNION ALL BY NAME "
        "SELECT 1 AS _input, _seq, 0 AS _k, _file AS source_file, _line AS line, reject_reason, interaction_id, csat, nps "
        "FROM survey_checked WHERE reject_reason IS NOT NULL "
        "UNION ALL BY NAME "
        "SELECT 1 AS _input, s._seq, CASE a.score WHEN 'csat' THEN 1 ELSE 2 END AS _k, s._file AS source_file, "
        "s._line AS line, a.reject_reason, s.interaction_id, s.csat, s.nps "
        "FROM answer_checked AS a JOIN survey_checked AS s ON s._seq = a._seq "
        "WHERE a.input = 'surveys' AND a.reject_reason IS NOT NULL"
        ") ORDER BY _input, _seq, _k"
    )


# Why a valid answer of a contact is not counted (csm_not_counted in sql/prepare/macros.sql): the contact is in
# progress, outbound, outside --from/--to, or not answered; otherwise an interaction's answer is not counted when
# a valid survey answer replaces it (replaced_by_survey). answer_checked and survey_checked carry the contact's
# outcome, direction and offered_at, so no join is needed.
_NOT_COUNTED = (
    "csm_not_counted(contact_outcome, contact_direction, contact_offered_at, "
    "$timezone, $date_from::date, $date_to::date)"
)


def _counts(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
    by_reason = {str(k): int(v) for k, v in sorted(pairs)}
    return {"total": sum(by_reason.values()), "by_reason": by_reason}


def answer_quality(
    con: duckdb.DuckDBPyConnection,
    *,
    surveys: bool,
    timezone: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[str, Any]:
    """Accounting of survey answers for a report over ``date_from``..``date_to`` in ``timezone``.

    ``answers``: the csat/nps values on valid contacts' interaction rows,
    read = used + rejected.total + not_counted.total (counted per answer: a row with csat and nps gives two).
    ``surveys`` (only when survey files were read): rows_read = used + rejected.total + not_counted.total
    per survey row, plus the same per-answer object for the answers of rows that are not rejected.
    """
    period = {"timezone": timezone, "date_from": date_from, "date_to": date_to}
    rows = con.execute(
        f"SELECT input, CASE WHEN reject_reason IS NOT NULL THEN 'rejected' "
        f"WHEN {_NOT_COUNTED} IS NOT NULL OR replaced THEN 'not_counted' ELSE 'used' END, "
        f"coalesce(reject_reason, {_NOT_COUNTED}, CASE WHEN replaced THEN 'replaced_by_survey' END), count(*) "
        "FROM answer_checked GROUP BY ALL",
        period,
    ).fetchall()

    def answers_of(input_name: str) -> dict[str, Any]:
        mine = [r for r in rows if r[0] == input_name]
        used = sum(int(n) for _, kind, _, n in mine if kind == "used")
        rejected = _counts([(why, n) for _, kind, why, n in mine if kind == "rejected"])
        not_counted = _counts([(why, n) for _, kind, why, n in mine if kind == "not_counted"])
        return {
            "read": used + rejected["total"] + not_counted["total"],
            "used": used,
            "rejected": rejected,
            "not_counted": not_counted,
        }

    out: dict[str, Any] = {"answers": answers_of("interactions")}
    if surveys:
        survey_rows = con.execute(
            f"SELECT CASE WHEN reject_reason IS NOT NULL THEN 'rejected' "
            f"WHEN {_NOT_COUNTED} IS NOT NULL THEN 'not_counted' ELSE 'used' END, "
            f"coalesce(reject_reason, {_NOT_COUNTED}), count(*) "
            "FROM survey_checked GROUP BY ALL",
            period,
        ).fetchall()
        used = sum(int(n) for kind, _, n in survey_rows if kind == "used")
        rejected = _counts([(why, n) for kind, why, n in survey_rows if kind == "rejected"])
        not_counted = _counts([(why, n) for kind, why, n in survey_rows if kind == "not_counted"])
        rows_read = int(con.execute("SELECT count(*) FROM survey_rows").fetchall()[0][0])
        out["surveys"] = {
            "rows_read": rows_read,
            "used": used,
            "rejected": rejected,
            "not_counted": not_counted,
            "answers": answers_of("surveys"),
        }
    return out


def rejected_parts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many rejected records are contacts (interaction rows), answers, and whole survey rows."""
    contacts, answers, survey_rows = con.execute(
        "SELECT (SELECT count(*) FROM checked WHERE reject_reason IS NOT NULL), "
        "(SELECT count(*) FROM answer_checked WHERE reject_reason IS NOT NULL), "
        "(SELECT count(*) FROM survey_checked WHERE reject_reason IS NOT NULL)"
    ).fetchall()[0]
    return {"contacts": int(contacts), "answers": int(answers), "survey_rows": int(survey_rows)}


# -- external complaint denominator -----------------------------------------------------------
DENOMINATOR_EXPECTED = {
    "date": "a local date YYYY-MM-DD",
    "count": "a number >= 0",
    "queue": "text",
}


def load_denominators(con: duckdb.DuckDBPyConnection, pattern: str) -> None:
    """Read ``date,count[,queue]`` rows: the complaint denominator per local day (and queue)."""
    paths = expand_paths([pattern])
    if len(paths) != 1:
        msg = f"--denominator {pattern}: matches {len(paths)} files; give one file"
        raise InputError(msg)
    path_obj = paths[0]
    path = str(path_obj)
    fmt = detect_format(path_obj)
    reader = READERS[fmt]
    cols = _columns(con, reader, path)
    found = ", ".join(n for n, _ in cols.values()) or "(none)"
    if "date" not in cols or "count" not in cols:
        msg = f"{path}: a denominator file needs columns date and count (and optionally queue); found: {found}"
        raise InputError(msg)
    date_src = f"nullif(trim(CAST({quote_identifier(cols['date'][0])} AS VARCHAR)), '')"
    count_src = f"nullif(trim(CAST({quote_identifier(cols['count'][0])} AS VARCHAR)), '')"
    has_queue = "queue" in cols
    queue_src = f"nullif(trim(CAST({quote_identifier(cols['queue'][0])} AS VARCHAR)), '')" if has_queue else "NULL"
    inner = (
        f"SELECT {date_src} AS raw_date, {count_src} AS raw_count, {queue_src} AS queue, "
        f"{POSITIONS[fmt]} AS _line FROM {reader}"
    )
    params = {"path": path}
    try:
        rows = con.execute(
            f"WITH t AS ({inner}), bad AS ("
            "SELECT _line, 'date' AS col, coalesce(raw_date, '') AS value FROM t "
            "WHERE raw_date IS NULL OR try_cast(raw_date AS DATE) IS NULL "
            "UNION ALL SELECT _line, 'count', coalesce(raw_count, '') FROM t WHERE raw_count IS NULL "
            "OR NOT coalesce(isfinite(try_cast(raw_count AS DOUBLE)) AND try_cast(raw_count AS DOUBLE) >= 0, false)) "
            "SELECT _line, col, value, count(*) OVER () FROM bad ORDER BY _line, col LIMIT 5",
            params,
        ).fetchall()
        if rows:
            raise _unreadable(rows, path, POSITION_LABEL[fmt], DENOMINATOR_EXPECTED)
        dups = con.execute(
            f"SELECT min(_line), max(_line), raw_date, queue FROM ({inner}) "
            "GROUP BY try_cast(raw_date AS DATE), raw_date, queue HAVING count(*) > 1 ORDER BY 1 LIMIT 1",
            params,
        ).fetchall()
        if dups:
            first, last, day, queue = dups[0]
            where = f" and queue {queue!r}" if has_queue else ""
            msg = (
                f"{path}, {POSITION_LABEL[fmt]} {last}, column date: {day}{where} already given on "
                f"{POSITION_LABEL[fmt]} {first}; give one count per day{' and queue' if has_queue else ''}"
            )
            raise InputError(msg)
        con.execute("DELETE FROM complaint_denominators")
        con.execute("DELETE FROM complaint_denominator_files")
        con.execute(
            "INSERT INTO complaint_denominators SELECT CAST(raw_date AS DATE), queue, CAST(raw_count AS DOUBLE), "
            f"$path, _line FROM ({inner})",
            params,
        )
        con.execute("INSERT INTO complaint_denominator_files VALUES ($path, $has_queue)", {**params, "has_queue": has_queue})
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {str(e).strip().splitlines()[0]}"
        raise InputError(msg) from e


def scope_denominators(
    con: duckdb.DuckDBPyConnection,
    definitions: Definitions,
    groupings: list[Grouping],
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> bool:
    """Under complaint.denominator=external, build ``complaint_denominator_grouped``: the --denominator
    counts summed per report group (grp__* columns). Returns whether it was built (False otherwise)."""
    files = con.execute("SELECT path, has_queue FROM complaint_denominator_files").fetchall()
    external = definitions["complaint.denominator"] == "external"
    if files and not external:
        msg = (
            f"--denominator {files[0][0]} is only used with --set complaint.denominator=external "
            f"(complaint.denominator is {definitions['complaint.denominator']})"
        )
        raise ConfigError(msg)
    if not external:
        return False
    if not files:
        msg = "complaint.denominator=external needs the counts: give --denominator FILE (columns date,count[,queue])"
        raise ConfigError(msg)
    has_queue = bool(files[0][1])
    for g in groupings:
        if g.name not in DENOMINATOR_GROUPINGS:
            msg = (
                f"complaint.denominator=external gives a count per day{' and queue' if has_queue else ''}; "
                f"it cannot be split by --by {g.name} (use {', '.join(DENOMINATOR_GROUPINGS)})"
            )
            raise ConfigError(msg)
        if g.name == "queue" and not has_queue:
            msg = f"--by queue with complaint.denominator=external needs a queue column in {files[0][0]}"
            raise ConfigError(msg)
    cols = group_columns(groupings)
    # Days in the file are local dates in the report time zone already. Without --from/--to the period is
    # the first to the last local day of the report's contacts.
    sql = (
        f"CREATE OR REPLACE TEMP TABLE complaint_denominator_grouped AS SELECT {', '.join(cols)}, "
        "sum(external_count) AS external_count "
        "FROM (SELECT CAST(d.day AS TIMESTAMP) AS offered_local, d.queue, d.external_count "
        "FROM complaint_denominators AS d, "
        "(SELECT min(CAST(timezone($timezone, offered_at) AS DATE)) AS lo, "
        "max(CAST(timezone($timezone, offered_at) AS DATE)) AS hi FROM contacts "
        "WHERE direction = 'inbound' AND outcome <> 'in_progress' "
        "AND csm_in_period(offered_at, $timezone, $date_from::date, $date_to::date)) AS s "
        "WHERE d.day >= coalesce($date_from::date, s.lo) AND d.day <= coalesce($date_to::date, s.hi)) "
        "GROUP BY ALL"
    )
    con.execute(sql, {"timezone": definitions["timezone"], "date_from": date_from, "date_to": date_to})
    return True


# -- checks across parameters ------------------------------------------------------------------
def check_definitions(definitions: Definitions) -> None:
    lo, hi, sat = definitions["csat.scale_min"], definitions["csat.scale_max"], definitions["csat.satisfied_min"]
    if lo >= hi:
        msg = f"csat.scale_min ({lo}) must be below csat.scale_max ({hi})"
        raise ConfigError(msg)
    if not lo <= sat <= hi:
        msg = f"csat.satisfied_min ({sat}) must be within the scale csat.scale_min..csat.scale_max ({lo}..{hi})"
        raise ConfigError(msg)


# -- FCR at several windows ------------------------------------------------------------------
def parse_windows(text: str, definitions: Definitions) -> list[float]:
    spec = definitions.specs["fcr.window_hours"]
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        msg = "--windows expects a comma list of hours such as 1,12,24,72,168"
        raise ConfigError(msg)
    windows: list[float] = []
    for item in items:
        try:
            value = spec.coerce(item)
        except ConfigError as e:
            msg = f"--windows: {e}"
            raise ConfigError(msg) from None
        if value in windows:
            msg = f"--windows: {item} given twice"
            raise ConfigError(msg)
        windows.append(value)
    return windows


def fcr_by_window(
    engine: Engine,
    definitions: Definitions,
    windows: list[float],
    *,
    group_by: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Report:
    """One report with a ``window_hours`` column first: the FCR metrics at each repeat window."""
    groupings = parse_group_by(group_by)
    parts: list[pl.DataFrame] = []
    last: Report | None = None
    for hours in windows:
        defs = replace(
            definitions,
            values={**definitions.values, "fcr.window_hours": hours},
            sources={**definitions.sources, "fcr.window_hours": "--windows"},
        )
        last = engine.report(defs, group_by=groupings, date_from=date_from, date_to=date_to, metrics=list(FCR_METRICS))
        parts.append(last.rows.select(pl.lit(hours).alias("window_hours"), pl.all()))
    assert last is not None
    return replace(last, rows=pl.concat(parts), group_keys=["window_hours", *last.group_keys], definitions=definitions)

"""Opening-hours calendars in DuckDB: the open-interval table and business time, set-based.

Method
------
A calendar (:class:`~csmetrics.calendars.spec.Calendar`) is a weekly template of local opening hours in one
time zone, the public holidays of a ``holidays``-package country or subdivision, and dated exceptions from a
closures file. :func:`create_calendar_tables` turns it into one table of **open intervals in UTC**::

    open_intervals(calendar VARCHAR, open_at TIMESTAMPTZ, close_at TIMESTAMPTZ, local_day DATE)

Python only writes four small input tables (per calendar: its zone, about a dozen template rows, about ten
holiday dates a year and the closures rows); ``sql/calendars/open_intervals.sql`` does the rest in one pass:
every local day of the range x the template rows of its day of the week, minus public holidays, with the days
of the closures file replaced by their own hours (closed all day, or special hours; the file wins over a
holiday). Each local wall-clock range is placed on the UTC time line **per day** in the calendar's own zone,
so a DST change moves the UTC times of that day only. Local times that the change skips or repeats are placed
at the first instant at which the wall clock reads that time or later: a skipped time (02:30 on a
spring-forward night) at the instant the clock jumps forward, a repeated time (01:30 on a fall-back night) at
its first occurrence. A day open 00:00-24:00 thus lasts 23 or 25 hours on a change day. (DuckDB's own
``timezone(zone, local timestamp)`` reads a skipped time with the offset before the change and a repeated time
as its second occurrence; the SQL uses it only for times that are neither.) The table has about 261 rows per
calendar-year for a Monday-Friday calendar.

Business time is then a range join of the contacts against this table (``sql/calendars/business_time.sql``):
the business seconds of [start, end) are the sum over the open intervals with ``open_at < end AND close_at > start``
of ``least(end, close_at) - greatest(start, open_at)``, summed over matched pairs only, so a contact that
overlaps no open interval gets 0 rather than the calendar time that ``least``/``greatest`` (which skip NULLs)
would give over a LEFT JOIN. The instant at which N business seconds are reached is
``close_at - (cum - N)`` of the first interval where the running sum ``cum`` of open time after the start
reaches N; the running sum is one cumulative column of the calendar, so the interval is found by an ASOF join
rather than by expanding every contact over the intervals that follow it. The next opening after an instant,
whether the instant was inside an open interval ("offered while closed"), and the after-hours backlog at each
opening are ASOF joins too.

Range and margin
----------------
The calendar is expanded over ``first_day - margin_days`` to ``last_day + margin_days`` (local days; default
margin :data:`DEFAULT_MARGIN_DAYS` = 14), so that a wait that starts in the range and runs past its end still
finds the next opening and its business seconds, across a weekend or a two-week holiday closure. Queries give
NULL (never a figure from a partial calendar) for instants outside that span, and for a threshold that is not
reached within it: widen the range or the margin if they appear.

How to use it
-------------
::

    hours = load_hours_file("hours.toml")                                   # spec.py
    create_calendar_tables(con, hours.calendars, date(2024, 1, 1), date(2024, 12, 31))
    con.execute("CREATE TEMP VIEW business_input AS SELECT interaction_id AS row_key, ...")
    con.execute(business_time_sql("business_seconds")).fetchall()          # (row_key, business_seconds)

The queries and their input relations are listed in :data:`QUERY_INPUTS`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb

from csmetrics.calendars.spec import Calendar, HoursConfig, TimeRange

DEFAULT_MARGIN_DAYS = 14
OPEN_INTERVALS_FILE = "calendars/open_intervals.sql"
BUSINESS_TIME_FILE = "calendars/business_time.sql"

# The queries of business_time.sql: name -> (input relation the caller provides, its columns).
QUERY_INPUTS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "business_seconds": ("business_input", ("row_key", "calendar", "start_at", "end_at")),
    "threshold_reached": ("threshold_input", ("row_key", "calendar", "start_at", "threshold_seconds")),
    "next_opening": ("opening_input", ("row_key", "calendar", "instant")),
    "backlog_at_opening": ("backlog_input", ("row_key", "calendar", "offered_at", "handled_at")),
}

_SECTION = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def create_calendar_tables(
    con: duckdb.DuckDBPyConnection,
    calendars: Mapping[str, Calendar],
    first_day: dt.date,
    last_day: dt.date,
    *,
    margin_days: int = DEFAULT_MARGIN_DAYS,
) -> None:
    """Create (or replace) the calendar input tables, ``calendar_span`` and ``open_intervals`` as temp tables.

    ``calendars`` maps names (the values of the ``calendar`` column) to calendars; the range is the local days
    ``first_day`` to ``last_day`` of the report, widened by ``margin_days`` on both sides.
    """
    if first_day > last_day:
        msg = f"first_day {first_day} is after last_day {last_day}"
        raise ValueError(msg)
    if margin_days < 0:
        msg = f"margin_days must be 0 or more, got {margin_days}"
        raise ValueError(msg)
    sections = _sections(OPEN_INTERVALS_FILE)
    con.execute(sections["setup"])
    margin = dt.timedelta(days=margin_days)
    years = range((first_day - margin).year, (last_day + margin).year + 1)
    _insert(con, sections["insert_zones"], ("calendar", "timezone"), [(n, c.timezone) for n, c in calendars.items()])
    _insert(con, sections["insert_week"], ("calendar", "isodow", "open_minute", "close_minute"), week_rows(calendars))
    _insert(con, sections["insert_holidays"], ("calendar", "local_day", "holiday"), holiday_rows(calendars, years))
    _insert(
        con,
        sections["insert_closures"],
        ("calendar", "local_day", "open_minute", "close_minute"),
        closure_rows(calendars),
    )
    con.execute(sections["calendar_span"], {"first_day": first_day, "last_day": last_day, "margin_days": margin_days})
    con.execute(sections["open_intervals"])


def create_assignment_table(con: duckdb.DuckDBPyConnection, hours: HoursConfig) -> None:
    """Create (or replace) ``calendar_assignments(scope, name, calendar)``: scope 'channel' or 'queue'.

    A contact's calendar, as :meth:`HoursConfig.calendar_for` chooses it, is then
    ``coalesce(queue's calendar, channel's calendar, 'default' if defined)``, by two LEFT JOINs.
    """
    sections = _sections(OPEN_INTERVALS_FILE)
    con.execute(sections["create_assignments"])
    rows = [("channel", k, v) for k, v in hours.channel_calendars.items()]
    rows += [("queue", k, v) for k, v in hours.queue_calendars.items()]
    _insert(con, sections["insert_assignments"], ("scope", "name", "calendar"), rows)


def business_time_sql(query: str) -> str:
    """The SQL of one query of ``business_time.sql`` (see :data:`QUERY_INPUTS` for its input relation)."""
    sections = _sections(BUSINESS_TIME_FILE)
    if query not in sections:
        msg = f"unknown business-time query {query!r}; known: {', '.join(sections)}"
        raise ValueError(msg)
    return sections[query]


# --- the small input tables ---------------------------------------------------------------------------------


def week_rows(calendars: Mapping[str, Calendar]) -> list[tuple[str, int, int, int]]:
    """(calendar, ISO day of week, open minute, close minute) for every range of every weekly template."""
    return [
        (name, isodow, r.open_minute, r.close_minute)
        for name, calendar in calendars.items()
        for isodow in range(1, 8)
        for r in calendar.ranges_on(isodow)
    ]


def holiday_rows(calendars: Mapping[str, Calendar], years: Iterable[int]) -> list[tuple[str, dt.date, str]]:
    """(calendar, date, holiday name) for the public holidays of each calendar's code in ``years``."""
    years = list(years)
    rows: list[tuple[str, dt.date, str]] = []
    for name, calendar in calendars.items():
        if calendar.holidays is None:
            continue
        import holidays  # imported here: needed only when a calendar names holidays

        days = holidays.country_holidays(calendar.holidays.country, subdiv=calendar.holidays.subdivision, years=years)
        rows.extend((name, day, label) for day, label in sorted(days.items()))
    return rows


def closure_rows(calendars: Mapping[str, Calendar]) -> list[tuple[str, dt.date, int | None, int | None]]:
    """(calendar, date, open minute, close minute) per closures range; NULL minutes = closed all day."""
    rows: list[tuple[str, dt.date, int | None, int | None]] = []
    for name, calendar in calendars.items():
        for closure in calendar.closures:
            ranges: Sequence[TimeRange | None] = closure.ranges or (None,)
            rows.extend(
                (name, closure.day, None, None) if r is None else (name, closure.day, r.open_minute, r.close_minute)
                for r in ranges
            )
    return rows


# --- helpers ------------------------------------------------------------------------------------------------


def _sql_dir() -> Path:
    """The ``sql/`` folder: csmetrics/sql in an installed wheel, else beside the package in a checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "sql"
    return packaged if packaged.is_dir() else package.parent / "sql"


@cache
def _sections(file_name: str) -> Mapping[str, str]:
    """The named sections of a SQL file: "-- name: X" starts section X and runs to the next one.

    The final semicolon is dropped, so that a query can be wrapped in a subquery or a CTE.
    """
    text = (_sql_dir() / file_name).read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    return MappingProxyType({parts[i]: parts[i + 1].strip().removesuffix(";") for i in range(1, len(parts), 2)})


def _insert(con: duckdb.DuckDBPyConnection, sql: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows with one statement: each column is bound as a list and unnested."""
    if not rows:
        return
    con.execute(sql, {column: [row[i] for row in rows] for i, column in enumerate(columns)})

"""Opening-hours calendars, holidays and business time (csmetrics.calendars, sql/calendars)."""

from __future__ import annotations

import datetime as dt
import random
import textwrap
import tomllib
import zoneinfo
from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import holidays as holidays_package
import pytest

from csmetrics.calendars.build import (
    QUERY_INPUTS,
    business_time_sql,
    create_assignment_table,
    create_calendar_tables,
)
from csmetrics.calendars.spec import (
    Calendar,
    HolidayCode,
    HoursConfig,
    HoursConfigError,
    TimeRange,
    load_hours_file,
    parse_hours,
)
from csmetrics.errors import ConfigError

UTC = dt.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")
ALL_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_9_TO_5 = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00")
GB_HOURS = {"timezone": "Europe/London", "holidays": "GB-ENG", "week": WEEKDAYS_9_TO_5}

INPUT_TYPES = {
    "row_key": "VARCHAR",
    "calendar": "VARCHAR",
    "start_at": "TIMESTAMPTZ",
    "end_at": "TIMESTAMPTZ",
    "threshold_seconds": "DOUBLE",
    "instant": "TIMESTAMPTZ",
    "offered_at": "TIMESTAMPTZ",
    "handled_at": "TIMESTAMPTZ",
}


def z(text: str) -> dt.datetime:
    """A UTC instant from "2024-03-29 16:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def calendars_of(data: dict[str, Any]) -> dict[str, Calendar]:
    return dict(parse_hours(data, source="hours.toml").calendars)


def build(
    data: dict[str, Any], first: str = "2024-03-01", last: str = "2024-06-30", **kw: Any
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/Los_Angeles'")  # results must not depend on the session time zone
    create_calendar_tables(con, calendars_of(data), dt.date.fromisoformat(first), dt.date.fromisoformat(last), **kw)
    return con


def run(con: duckdb.DuckDBPyConnection, query: str, rows: Sequence[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    """Create the query's input relation from rows, run the query and return {row_key: rest of the row}."""
    relation, columns = QUERY_INPUTS[query]
    ddl = ", ".join(f"{c} {INPUT_TYPES[c]}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {relation} ({ddl})")
    if rows:
        con.executemany(f"INSERT INTO {relation} VALUES ({', '.join('?' for _ in columns)})", list(rows))
    result = con.execute(business_time_sql(query)).fetchall()
    return {row[0]: tuple(row[1:]) for row in result}


def business_seconds(
    con: duckdb.DuckDBPyConnection, start: dt.datetime | None, end: dt.datetime | None, calendar: str = "default"
) -> float | None:
    return run(con, "business_seconds", [("x", calendar, start, end)])["x"][0]


def local_day_hours(con: duckdb.DuckDBPyConnection, day: str, calendar: str = "default") -> float:
    (seconds,) = con.execute(
        "SELECT coalesce(sum(epoch(close_at) - epoch(open_at)), 0) FROM open_intervals "
        "WHERE calendar = $c AND local_day = $d",
        {"c": calendar, "d": dt.date.fromisoformat(day)},
    ).fetchone()
    return seconds / 3600


@pytest.fixture(scope="module")
def gb() -> Iterator[duckdb.DuckDBPyConnection]:
    """Monday-Friday 09:00-17:00 Europe/London with the public holidays of England, March-June 2024."""
    con = build(GB_HOURS)
    yield con
    con.close()


# --- reference cases ----------------------------------------------------------------------------------------


def test_good_friday_to_tuesday_is_90_business_minutes(gb):
    # Good Friday 29 March and Easter Monday 1 April are closed; Tuesday 2 April opens 08:00Z (09:00 BST)
    assert business_seconds(gb, z("2024-03-29 16:00"), z("2024-04-02 09:30")) == 90 * 60


def test_four_business_hours_from_good_friday_are_reached_at_noon_tuesday(gb):
    out = run(gb, "threshold_reached", [("c", "default", z("2024-03-29 16:00"), 4 * 3600)])
    assert out["c"] == (z("2024-04-02 12:00"), z("2024-04-02 12:00"))
    met = business_seconds(gb, z("2024-03-29 16:00"), z("2024-04-02 11:59"))
    missed = business_seconds(gb, z("2024-03-29 16:00"), z("2024-04-02 12:01"))
    assert met == 4 * 3600 - 60  # met: at most 4 business hours
    assert missed == 4 * 3600 + 60  # missed: more than 4 business hours
    # "met within N business seconds" is business_seconds <= N, which is answered_at <= deadline_at
    assert z("2024-04-02 11:59") <= out["c"][1] < z("2024-04-02 12:01")


def test_across_the_clock_change_is_90_business_minutes(gb):
    # Thursday 28 March 16:00Z (16:00 GMT) ... Tuesday 2 April 08:30Z (09:30 BST): 60 + 30 minutes
    assert business_seconds(gb, z("2024-03-28 16:00"), z("2024-04-02 08:30")) == 90 * 60


def test_offered_after_closing_answered_before_opening_is_zero_not_calendar_time(gb):
    # Friday 7 June 18:00Z (19:00 BST) to Monday 10 June 07:59Z (08:59 BST): no open interval overlaps
    assert business_seconds(gb, z("2024-06-07 18:00"), z("2024-06-10 07:59")) == 0


def test_backlog_at_the_monday_opening(gb):
    contacts = [
        # offered Friday after closing, abandoned Monday 12:00Z: still waiting at the opening
        ("abandoned", "default", z("2024-06-07 20:00"), z("2024-06-10 12:00")),
        # offered Saturday, answered Monday 08:05Z (09:05 BST): still waiting at the opening
        ("answered", "default", z("2024-06-08 10:00"), z("2024-06-10 08:05")),
        # offered Friday after closing, answered 07:59Z before the opening: not in the backlog
        ("early", "default", z("2024-06-07 18:00"), z("2024-06-10 07:59")),
        # offered Friday while open: not offered while closed
        ("open", "default", z("2024-06-07 15:00"), None),
    ]
    backlog = {
        (open_at, local_day): n for _, local_day, open_at, n in gb.execute(_backlog_sql(contacts, gb)).fetchall()
    }
    assert backlog[(z("2024-06-10 08:00"), dt.date(2024, 6, 10))] == 2
    assert backlog[(z("2024-06-07 08:00"), dt.date(2024, 6, 7))] == 0
    assert sum(backlog.values()) == 2

    opening = run(gb, "next_opening", [(key, cal, offered) for key, cal, offered, _ in contacts])
    assert opening["abandoned"] == (True, z("2024-06-10 08:00"))
    assert opening["answered"] == (True, z("2024-06-10 08:00"))
    assert opening["open"] == (False, z("2024-06-10 08:00"))
    assert business_seconds(gb, z("2024-06-08 10:00"), z("2024-06-10 08:05")) == 5 * 60


def _backlog_sql(contacts: list[tuple[Any, ...]], con: duckdb.DuckDBPyConnection) -> str:
    relation, columns = QUERY_INPUTS["backlog_at_opening"]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {relation} ({', '.join(f'{c} {INPUT_TYPES[c]}' for c in columns)})")
    con.executemany(f"INSERT INTO {relation} VALUES (?, ?, ?, ?)", contacts)
    return business_time_sql("backlog_at_opening")


def test_reference_week_of_open_intervals(gb):
    rows = gb.execute(
        "SELECT open_at, close_at, local_day FROM open_intervals "
        "WHERE local_day BETWEEN DATE '2024-03-27' AND DATE '2024-04-03' ORDER BY open_at"
    ).fetchall()
    assert rows == [
        (z("2024-03-27 09:00"), z("2024-03-27 17:00"), dt.date(2024, 3, 27)),
        (z("2024-03-28 09:00"), z("2024-03-28 17:00"), dt.date(2024, 3, 28)),
        # 29 March Good Friday, 30-31 weekend, 1 April Easter Monday; BST from 31 March
        (z("2024-04-02 08:00"), z("2024-04-02 16:00"), dt.date(2024, 4, 2)),
        (z("2024-04-03 08:00"), z("2024-04-03 16:00"), dt.date(2024, 4, 3)),
    ]


# --- business seconds: NULLs, spans, several rows -----------------------------------------------------------


def test_null_end_is_null_and_every_input_row_is_returned(gb):
    out = run(
        gb,
        "business_seconds",
        [
            ("waiting", "default", z("2024-06-07 15:00"), None),
            ("none", "default", z("2024-06-08 10:00"), z("2024-06-08 11:00")),  # Saturday: 0
            ("open", "default", z("2024-06-07 15:00"), z("2024-06-07 15:30")),
            ("backwards", "default", z("2024-06-07 15:30"), z("2024-06-07 15:00")),
            ("unknown", "nosuch", z("2024-06-07 15:00"), z("2024-06-07 15:30")),
            ("outside", "default", z("2023-01-02 10:00"), z("2023-01-02 11:00")),
        ],
    )
    assert out == {
        "waiting": (None,),
        "none": (0.0,),
        "open": (1800.0,),
        "backwards": (None,),
        "unknown": (None,),
        "outside": (None,),
    }


def test_margin_lets_waits_run_past_the_range():
    con = build(GB_HOURS, first="2024-06-01", last="2024-06-07", margin_days=3)
    # Friday 7 June (last day) 15:30Z to Monday 10 June 08:30Z (inside the 3-day margin): 30 + 30 minutes
    assert business_seconds(con, z("2024-06-07 15:30"), z("2024-06-10 08:30")) == 3600
    assert run(con, "next_opening", [("x", "default", z("2024-06-07 17:00"))])["x"] == (True, z("2024-06-10 08:00"))
    # beyond the margin: unknown, not a partial figure
    assert business_seconds(con, z("2024-06-07 16:00"), z("2024-06-12 08:30")) is None
    assert run(con, "threshold_reached", [("x", "default", z("2024-06-07 16:00"), 20 * 3600)])["x"] == (None, None)


def test_threshold_reached_is_consistent_with_business_seconds(gb):
    rng = random.Random(7)
    base = z("2024-03-20 00:00")
    starts = [
        (
            f"r{i}",
            "default",
            base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 40)),
            float(rng.choice([0, 60, 1800, 4 * 3600, 8 * 3600, 16 * 3600, 29 * 3600])),
        )
        for i in range(300)
    ]
    reached = run(gb, "threshold_reached", starts)
    spans = [(key, "default", start, reached[key][0]) for key, _, start, _ in starts]
    spans += [(key + "d", "default", start, reached[key][1]) for key, _, start, _ in starts]
    elapsed = run(gb, "business_seconds", spans)
    for key, _, start, threshold in starts:
        reached_at, deadline_at = reached[key]
        assert start <= reached_at <= deadline_at
        assert elapsed[key][0] == threshold
        assert elapsed[key + "d"][0] == threshold  # the deadline still has exactly N business seconds


def test_threshold_used_up_exactly_at_closing_has_deadline_at_next_opening(gb):
    out = run(gb, "threshold_reached", [("x", "default", z("2024-06-07 08:00"), 8 * 3600)])
    # Friday 09:00-17:00 BST is 8 hours: reached at Friday's close, met until Monday's opening
    assert out["x"] == (z("2024-06-07 16:00"), z("2024-06-10 08:00"))
    assert business_seconds(gb, z("2024-06-07 08:00"), z("2024-06-09 12:00")) == 8 * 3600  # answered Sunday: met


# --- DST ----------------------------------------------------------------------------------------------------


def test_open_all_day_gives_23_and_25_hour_days_in_london():
    con = build(
        {"timezone": "Europe/London", "week": dict.fromkeys(ALL_WEEK, "00:00-24:00")},
        first="2024-01-01",
        last="2024-12-31",
    )
    assert local_day_hours(con, "2024-03-30") == 24
    assert local_day_hours(con, "2024-03-31") == 23
    assert local_day_hours(con, "2024-10-27") == 25
    assert business_seconds(con, z("2024-03-31 00:00"), z("2024-03-31 23:00")) == 23 * 3600
    assert business_seconds(con, z("2024-10-26 23:00"), z("2024-10-28 00:00")) == 25 * 3600
    # consecutive days meet exactly: no gap or overlap at any midnight of the year
    (gaps,) = con.execute(
        "SELECT count(*) FILTER (WHERE open_at <> prev_close) FROM (SELECT open_at, "
        "lag(close_at) OVER (ORDER BY open_at) AS prev_close FROM open_intervals) WHERE prev_close IS NOT NULL"
    ).fetchone()
    assert gaps == 0


def test_duckdb_reads_skipped_and_repeated_local_times_its_own_way():
    """Why open_intervals.sql does not rely on timezone(zone, local timestamp) for these times (DuckDB 2.0)."""
    con = duckdb.connect()
    skipped, repeated = con.execute(
        "SELECT timezone('Europe/London', TIMESTAMP '2024-03-31 01:30'), "
        "timezone('Europe/London', TIMESTAMP '2024-10-27 01:30')"
    ).fetchone()
    assert skipped == z("2024-03-31 01:30")  # read with GMT: 02:30 BST, 30 minutes after the jump
    assert repeated == z("2024-10-27 01:30")  # the second 01:30 (GMT), not the first (00:30Z, BST)


def test_skipped_and_repeated_opening_times_in_london():
    con = build({"timezone": "Europe/London", "week": {"sun": "01:30-03:00"}}, first="2024-03-01", last="2024-10-31")
    rows = dict(con.execute("SELECT local_day, [open_at, close_at] FROM open_intervals").fetchall())
    # spring forward at 01:00Z: 01:30 does not exist and opens when the clock jumps (02:00 BST = 01:00Z)
    assert rows[dt.date(2024, 3, 31)] == [z("2024-03-31 01:00"), z("2024-03-31 02:00")]
    # fall back at 01:00Z: 01:30 happens twice; the first (BST, 00:30Z) opens; 03:00 GMT closes
    assert rows[dt.date(2024, 10, 27)] == [z("2024-10-27 00:30"), z("2024-10-27 03:00")]
    assert rows[dt.date(2024, 3, 24)] == [z("2024-03-24 01:30"), z("2024-03-24 03:00")]
    assert rows[dt.date(2024, 6, 2)] == [z("2024-06-02 00:30"), z("2024-06-02 02:00")]


def test_skipped_times_in_new_york_and_a_skipped_midnight_in_santiago():
    con = build({"timezone": "America/New_York", "week": {"sun": "02:30-03:30"}}, first="2024-03-01", last="2024-03-31")
    rows = dict(con.execute("SELECT local_day, [open_at, close_at] FROM open_intervals").fetchall())
    assert rows[dt.date(2024, 3, 10)] == [z("2024-03-10 07:00"), z("2024-03-10 07:30")]  # 03:00-03:30 EDT
    assert rows[dt.date(2024, 3, 17)] == [z("2024-03-17 06:30"), z("2024-03-17 07:30")]

    # Chile moves its clocks from 24:00 to 01:00 on 8 September 2024: that day has no midnight
    con = build(
        {"timezone": "America/Santiago", "week": dict.fromkeys(ALL_WEEK, "00:00-24:00")},
        first="2024-09-01",
        last="2024-09-30",
    )
    assert local_day_hours(con, "2024-09-07") == 24
    assert local_day_hours(con, "2024-09-08") == 23
    (gaps,) = con.execute(
        "SELECT count(*) FILTER (WHERE open_at <> prev_close) FROM (SELECT open_at, "
        "lag(close_at) OVER (ORDER BY open_at) AS prev_close FROM open_intervals) WHERE prev_close IS NOT NULL"
    ).fetchone()
    assert gaps == 0


def test_open_intervals_match_an_independent_zoneinfo_expansion():
    """Every interval of 2024 (times that exist once) as Python's zoneinfo places them, in two zones."""
    for zone, holidays in (("Europe/London", "GB-ENG"), ("America/New_York", "US-NY")):
        data = {"timezone": zone, "holidays": holidays, "week": WEEKDAYS_9_TO_5 | {"sat": "08:00-12:00,13:00-18:30"}}
        con = build(data, first="2024-01-01", last="2024-12-31", margin_days=0)
        calendar = calendars_of(data)["default"]
        assert calendar.holidays is not None
        closed = holidays_package.country_holidays(
            calendar.holidays.country, subdiv=calendar.holidays.subdivision, years=2024
        )
        tz = zoneinfo.ZoneInfo(zone)
        expected = []
        day = dt.date(2024, 1, 1)
        while day.year == 2024:
            for r in () if day in closed else calendar.ranges_on(day.isoweekday()):
                start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=r.open_minute)
                end = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=r.close_minute)
                expected.append((start.replace(tzinfo=tz).astimezone(UTC), end.replace(tzinfo=tz).astimezone(UTC)))
            day += dt.timedelta(days=1)
        got = con.execute("SELECT open_at, close_at FROM open_intervals ORDER BY open_at").fetchall()
        assert got == expected

        # business seconds of random spans against the sum of overlaps computed here
        rng = random.Random(zone)
        spans = []
        for i in range(200):
            start = z("2024-01-01 12:00") + dt.timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
            spans.append((f"s{i}", "default", start, start + dt.timedelta(minutes=rng.randrange(0, 9 * 24 * 60))))
        seconds = run(con, "business_seconds", spans)
        for key, _, start, end in spans:
            overlap = sum(max((min(end, c) - max(start, o)).total_seconds(), 0) for o, c in expected)
            assert seconds[key] == (overlap,), (start, end)


# --- calendars: ranges, closures, holidays, named calendars -------------------------------------------------


def test_several_ranges_in_a_day():
    con = build(
        {"timezone": "Europe/London", "week": {"mon": "13:00-18:00,08:00-12:00"}}, first="2024-06-01", last="2024-06-30"
    )
    assert local_day_hours(con, "2024-06-10") == 9
    # 11:00-14:00 BST: one hour before lunch, one after
    assert business_seconds(con, z("2024-06-10 10:00"), z("2024-06-10 13:00")) == 2 * 3600
    out = run(
        con,
        "next_opening",
        [
            ("lunch", "default", z("2024-06-10 11:30")),
            ("am", "default", z("2024-06-10 06:00")),
            ("opening", "default", z("2024-06-10 07:00")),
        ],
    )
    assert out == {
        "lunch": (True, z("2024-06-10 12:00")),
        "am": (True, z("2024-06-10 07:00")),
        "opening": (False, z("2024-06-10 07:00")),  # open at open_at: intervals are half-open [open, close)
    }
    out = run(con, "threshold_reached", [("x", "default", z("2024-06-10 10:00"), 3 * 3600)])
    assert out["x"] == (z("2024-06-10 14:00"), z("2024-06-10 14:00"))


def test_closures_file_closes_a_day_and_sets_special_hours(tmp_path):
    (tmp_path / "closures.csv").write_text(
        textwrap.dedent("""\
            date,open,close
            # staff training
            2024-06-12,,
            2024-06-13,10:00,12:00
            2024-06-13,13:00,14:00
            2024-05-27,10:00,14:00
        """),
        encoding="utf-8",
    )
    hours_file = tmp_path / "hours.toml"
    hours_file.write_text(
        textwrap.dedent("""\
            timezone = "Europe/London"
            holidays = "GB-ENG"
            closures = "closures.csv"
            [week]
            mon = "09:00-17:00"
            tue = "09:00-17:00"
            wed = "09:00-17:00"
            thu = "09:00-17:00"
            fri = "09:00-17:00"
        """),
        encoding="utf-8",
    )
    hours = load_hours_file(hours_file)
    calendar = hours.calendars["default"]
    assert calendar.closures_file == tmp_path / "closures.csv"
    assert calendar.holidays == HolidayCode("GB", "ENG")
    assert [(c.day, c.closed_all_day) for c in calendar.closures] == [
        (dt.date(2024, 5, 27), False),
        (dt.date(2024, 6, 12), True),
        (dt.date(2024, 6, 13), False),
    ]
    con = duckdb.connect()
    create_calendar_tables(con, hours.calendars, dt.date(2024, 5, 1), dt.date(2024, 6, 30))
    assert local_day_hours(con, "2024-06-11") == 8
    assert local_day_hours(con, "2024-06-12") == 0  # closed all day
    assert local_day_hours(con, "2024-06-13") == 3  # 10:00-12:00 and 13:00-14:00
    assert local_day_hours(con, "2024-05-27") == 4  # Spring Bank Holiday, opened by the closures file
    assert local_day_hours(con, "2024-05-06") == 0  # Early May Bank Holiday
    # Tuesday 16:00 BST to Thursday 10:30 BST: 1 h + 0 + 30 min
    assert business_seconds(con, z("2024-06-11 15:00"), z("2024-06-13 09:30")) == 90 * 60


def test_named_calendars_and_assignments_in_csmetrics_toml(tmp_path):
    data = tomllib.loads(
        textwrap.dedent("""\
        timezone = "Europe/London"       # also the report time zone
        preset = "five9"                 # other csmetrics.toml settings are left alone
        [service_level]
        threshold_seconds = 20
        [week]
        mon = "09:00-17:00"
        [calendars.us]
        timezone = "America/New_York"
        holidays = "US"
        [calendars.us.week]
        mon = "08:00-20:00"
        [channels.email]
        calendar = "us"
        [channels.voice]
        calendar = "default"
        [queues.vip]
        calendar = "default"
        target = 0.9
    """)
    )
    hours = parse_hours(data, source="csmetrics.toml", base_dir=tmp_path)
    assert set(hours.calendars) == {"default", "us"}
    assert hours.calendars["us"].ranges_on(1) == (TimeRange(8 * 60, 20 * 60),)
    assert hours.calendars["us"].ranges_on(2) == ()
    assert dict(hours.channel_calendars) == {"email": "us", "voice": "default"}
    assert dict(hours.queue_calendars) == {"vip": "default"}
    assert hours.calendar_for(channel="email") == "us"
    assert hours.calendar_for(channel="email", queue="vip") == "default"  # a queue's calendar comes first
    assert hours.calendar_for(channel="chat") == "default"
    assert HoursConfig().calendar_for(channel="chat") is None

    con = duckdb.connect()
    create_calendar_tables(con, hours.calendars, dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    create_assignment_table(con, hours)
    assert sorted(con.execute("SELECT * FROM calendar_assignments").fetchall()) == [
        ("channel", "email", "us"),
        ("channel", "voice", "default"),
        ("queue", "vip", "default"),
    ]
    # Monday 10 June, 12:00Z-23:00Z: London 13:00-00:00 BST (4 h open), New York 08:00-19:00 EDT (11 h open)
    out = run(
        con,
        "business_seconds",
        [
            ("uk", "default", z("2024-06-10 12:00"), z("2024-06-10 23:00")),
            ("us", "us", z("2024-06-10 12:00"), z("2024-06-10 23:00")),
        ],
    )
    assert out == {"uk": (4 * 3600.0,), "us": (11 * 3600.0,)}


def test_no_hours_in_csmetrics_toml_means_no_calendars():
    hours = parse_hours({"timezone": "UTC", "preset": "five9", "service_level": {"threshold_seconds": 20}})
    assert hours == HoursConfig()


# --- validation ---------------------------------------------------------------------------------------------


def _week(**days: Any) -> dict[str, Any]:
    return {"timezone": "Europe/London", "week": days}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_week(mon="09:00-7:00"), 'hours.toml: week.mon: "09:00-7:00" is not HH:MM-HH:MM; write ranges like'),
        (_week(mon="9-5"), 'hours.toml: week.mon: "9-5" is not HH:MM-HH:MM'),
        (_week(mon="09:00-17:00,13:00-1800"), 'hours.toml: week.mon: "13:00-1800" is not HH:MM-HH:MM'),
        (_week(mon="09:00-25:00"), 'hours.toml: week.mon: "09:00-25:00": 25:00 is not a time of day; use 00:00'),
        (_week(mon="09:60-17:00"), "09:60 is not a time of day"),
        (
            _week(mon="17:00-09:00"),
            (
                'hours.toml: week.mon: "17:00-09:00" opens at or after it closes; a range cannot cross midnight: '
                'split it into "17:00-24:00" on this day and "00:00-09:00" on the next'
            ),
        ),
        (_week(mon="09:00-09:00"), "opens at or after it closes"),
        (
            _week(tue="08:00-12:00,11:00-13:00"),
            'hours.toml: week.tue: ranges "08:00-12:00" and "11:00-13:00" overlap; merge them into one range',
        ),
        (_week(mon=9), 'hours.toml: week.mon: expected a string such as "09:00-17:00", got 9'),
        (_week(monday="09:00-17:00"), "hours.toml: week.monday: unknown key; the days are mon, tue, wed, thu, fri"),
        (_week(), "hours.toml: week: no day has opening hours; give at least one"),
        (_week(sat="closed"), "hours.toml: week: no day has opening hours"),
        ({"timezone": "Europe/London", "week": "09:00-17:00"}, "hours.toml: week: expected a table"),
        ({"week": {"mon": "09:00-17:00"}}, 'hours.toml: timezone is missing; add timezone = "Europe/London"'),
        (
            {"timezone": "Europe/Londn", "week": {"mon": "09:00-17:00"}},
            'hours.toml: timezone: "Europe/Londn" is not a time zone of the IANA database; use an IANA name',
        ),
        ({"timezone": "", "week": {"mon": "09:00-17:00"}}, "hours.toml: timezone: expected a time zone name"),
        ({"timezone": "localtime", "week": {"mon": "09:00-17:00"}}, '"localtime" is not a time zone of the IANA'),
        (GB_HOURS | {"holidays": "XX"}, 'hours.toml: holidays: "XX" is not a country of the holidays package'),
        (
            GB_HOURS | {"holidays": "GB-XYZ"},
            'hours.toml: holidays: "GB-XYZ": the holidays package has no subdivision "XYZ" of GB; valid: ENG, NIR',
        ),
        (GB_HOURS | {"holidays": 44}, 'hours.toml: holidays: expected a code such as "GB" or "GB-ENG", got 44'),
        (GB_HOURS | {"opening": "09:00"}, "hours.toml: opening: unknown key; valid keys here: timezone, holidays"),
        ({"holidays": "GB"}, "hours.toml: holidays: given without a top-level [week] table"),
        (
            {"calendars": {"s": {"timezone": "UTC"}}},
            "hours.toml: calendars.s.week is missing; add a [calendars.s.week]",
        ),
        (
            {"calendars": {"s": {"timezone": "UTC", "week": {"mon": "09:00-17:00"}, "tz": "UTC"}}},
            "hours.toml: calendars.s.tz: unknown key; valid keys here: timezone, holidays, closures, week",
        ),
        ({"calendars": {"s": {"week": {"mon": "09:00-17:00"}}}}, "hours.toml: calendars.s.timezone is missing"),
        (
            {"calendars": {"s": {"timezone": "UTC", "week": {"mon": "9:00-17:00"}}}},
            'hours.toml: calendars.s.week.mon: "9:00-17:00" is not HH:MM-HH:MM',
        ),
        ({"calendars": {"s": "UTC"}}, "hours.toml: calendars.s: expected a table [calendars.s]"),
        (
            GB_HOURS | {"calendars": {"default": GB_HOURS}},
            'hours.toml: calendars.default: the name "default" is taken by the top-level calendar',
        ),
        (
            GB_HOURS | {"channels": {"email": {"calendar": "suport"}}},
            "hours.toml: channels.email.calendar: 'suport' is not a defined calendar; defined calendars: default",
        ),
        (
            {"queues": {"vip": {"calendar": "default"}}},
            "hours.toml: queues.vip.calendar: 'default' is not a defined calendar; defined calendars: none (add a",
        ),
        (
            GB_HOURS | {"queues": {"vip": {"calendar": "default", "target": 1}}},
            "hours.toml: queues.vip.target: unknown key; valid keys here: calendar",
        ),
        (
            GB_HOURS | {"channels": {"email": "default"}},
            "hours.toml: channels.email: expected a table [channels.email]",
        ),
        (GB_HOURS | {"closures": 5}, 'hours.toml: closures: expected a file name such as "closures.csv", got 5'),
    ],
)
def test_validation_errors(data, message):
    with pytest.raises(HoursConfigError) as info:
        parse_hours(data, source="hours.toml", strict=True)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ConfigError)  # the command line exits 2 (usage) with the message


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("date,open,close\n2024-06-12,09:00\n", "closures.csv line 2: expected date,open,close (3 fields), got 2"),
        ("2024-06-12,,\n12/06/2024,,\n", 'closures.csv line 2: "12/06/2024" is not a date; write it as YYYY-MM-DD'),
        ("2024-02-30,,\n", 'closures.csv line 1: "2024-02-30" is not a date'),
        ("2024-06-12,10:00,\n", "closures.csv line 1: give both open and close (special hours), or neither"),
        ("2024-06-12,14:00,10:00\n", 'closures.csv line 1: "14:00-10:00" opens at or after it closes'),
        ("2024-06-12,1000,1200\n", 'closures.csv line 1: "1000-1200" is not HH:MM-HH:MM'),
        (
            "2024-06-12,,\n2024-06-12,10:00,12:00\n",
            "closures.csv line 2: 2024-06-12 is also on line 1, once closed all day and once with hours",
        ),
        (
            "2024-06-13,10:00,12:00\n2024-06-13,11:00,13:00\n",
            'closures.csv line 2: ranges "10:00-12:00" and "11:00-13:00" overlap',
        ),
    ],
)
def test_closures_file_errors_name_the_file_and_line(tmp_path, csv_text, message):
    (tmp_path / "closures.csv").write_text(csv_text, encoding="utf-8")
    with pytest.raises(HoursConfigError) as info:
        parse_hours(GB_HOURS | {"closures": "closures.csv"}, source="hours.toml", base_dir=tmp_path)
    assert str(info.value).startswith(f"hours.toml: closures: {tmp_path / 'closures.csv'} line ")
    assert message in str(info.value)


def test_missing_closures_file_and_hours_file(tmp_path):
    with pytest.raises(HoursConfigError, match=r"hours.toml: closures: cannot read .*nope.csv: No such file"):
        parse_hours(GB_HOURS | {"closures": "nope.csv"}, source="hours.toml", base_dir=tmp_path)
    with pytest.raises(HoursConfigError, match=r"cannot read hours file .*missing.toml: No such file"):
        load_hours_file(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[week\n", encoding="utf-8")
    with pytest.raises(HoursConfigError, match=r"bad.toml: not valid TOML"):
        load_hours_file(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('preset = "five9"\n[week]\nmon = "09:00-17:00"\n', encoding="utf-8")
    with pytest.raises(HoursConfigError, match=r"wrong.toml: preset: unknown key; valid keys here: timezone"):
        load_hours_file(wrong)  # a dedicated hours file holds hours keys only


def test_build_rejects_a_reversed_range(gb):
    with pytest.raises(ValueError, match="first_day 2024-06-02 is after last_day 2024-06-01"):
        create_calendar_tables(gb, {}, dt.date(2024, 6, 2), dt.date(2024, 6, 1))
    with pytest.raises(ValueError, match="unknown business-time query 'nope'"):
        business_time_sql("nope")

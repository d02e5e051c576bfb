"""csm_local_time read from a zone's offsets (csmetrics/pipeline/localtime.py) equals ICU's lookup per instant."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from conftest import report_of, session_of

from csmetrics.definitions.config import resolve
from csmetrics.definitions.registry import load_registry
from csmetrics.pipeline.localtime import local_time_macro

UTC = dt.UTC
MACROS = [m.sql for m in load_registry().macros]


def _us(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1_000_000


def _connection(zone: str, first: str, last: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for macros in MACROS:  # the session's macros: csm_local_time_lookup, the fallback, among them
        con.execute(macros)
    con.execute("SET VARIABLE timezone = $z", {"z": zone})
    con.execute(local_time_macro(con, zone, _us(first), _us(last)))
    con.execute("SET VARIABLE local_time_zone = $z", {"z": zone})
    return con


def _local(con: duckdb.DuckDBPyConnection, instant: str) -> dt.datetime:
    return con.execute("SELECT csm_local_time(CAST($i AS TIMESTAMPTZ))", {"i": instant}).fetchall()[0][0]


def test_new_york_across_both_changes_of_2024() -> None:
    con = _connection("America/New_York", "2024-01-01 00:00:00", "2024-12-31 23:59:59")
    # spring forward, 10 March 07:00 UTC: 01:59:59.999999 EST is followed by 03:00:00 EDT
    assert _local(con, "2024-03-10 06:59:59.999999+00") == dt.datetime(2024, 3, 10, 1, 59, 59, 999999)
    assert _local(con, "2024-03-10 07:00:00+00") == dt.datetime(2024, 3, 10, 3, 0, 0)
    # fall back, 3 November 06:00 UTC: 01:59:59 EDT is followed by 01:00:00 EST
    assert _local(con, "2024-11-03 05:59:59+00") == dt.datetime(2024, 11, 3, 1, 59, 59)
    assert _local(con, "2024-11-03 06:00:00+00") == dt.datetime(2024, 11, 3, 1, 0, 0)
    # local midnight in winter and in summer
    assert _local(con, "2024-01-15 05:00:00+00") == dt.datetime(2024, 1, 15, 0, 0, 0)
    assert _local(con, "2024-07-15 03:59:59+00") == dt.datetime(2024, 7, 14, 23, 59, 59)
    # outside the span the macro asks ICU: still the zone's time
    assert _local(con, "2030-07-01 12:00:00+00") == dt.datetime(2030, 7, 1, 8, 0, 0)


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("America/New_York", "2023-06-01 00:00:00", "2025-06-01 00:00:00"),
        ("Europe/London", "2023-06-01 00:00:00", "2025-06-01 00:00:00"),
        ("Australia/Lord_Howe", "2023-06-01 00:00:00", "2025-06-01 00:00:00"),  # a 30-minute DST shift
        ("Asia/Kathmandu", "2023-06-01 00:00:00", "2024-06-01 00:00:00"),  # +05:45
        ("Africa/Monrovia", "1971-06-01 00:00:00", "1972-06-01 00:00:00"),  # -00:44:30 until 7 Jan 1972 00:44:30 UTC
        ("Pacific/Apia", "2011-06-01 00:00:00", "2012-06-01 00:00:00"),  # skipped 30 December 2011
        ("UTC", "2024-01-01 00:00:00", "2024-03-01 00:00:00"),
    ],
)
def test_every_instant_equals_the_lookup(zone: str, first: str, last: str) -> None:
    con = _connection(zone, first, last)
    # an instant every 7 min 13.7 s over the span and a month either side (outside the runs: the lookup)
    differing = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE csm_local_time(t) IS DISTINCT FROM timezone($z, t)) "
        "FROM range(CAST($a AS TIMESTAMPTZ) - INTERVAL 31 DAY, CAST($b AS TIMESTAMPTZ) + INTERVAL 31 DAY, "
        "INTERVAL 433700 MILLISECOND) AS r(t)",
        {"z": zone, "a": first + "+00", "b": last + "+00"},
    ).fetchall()[0]
    assert differing[0] > 20_000 and differing[1] == 0


def test_a_change_inside_a_bucket_is_read_from_the_lookup() -> None:
    # Liberia moved from -00:44:30 to UTC at 00:44:30 UTC on 7 January 1972, inside the 00:30-00:45 bucket
    con = _connection("Africa/Monrovia", "1971-12-01 00:00:00", "1972-02-01 00:00:00")
    assert _local(con, "1972-01-07 00:29:59+00") == dt.datetime(1972, 1, 6, 23, 45, 29)
    assert _local(con, "1972-01-07 00:44:15+00") == dt.datetime(1972, 1, 6, 23, 59, 45)
    assert _local(con, "1972-01-07 00:44:45+00") == dt.datetime(1972, 1, 7, 0, 44, 45)
    assert _local(con, "1972-01-07 00:45:00+00") == dt.datetime(1972, 1, 7, 0, 45, 0)


def test_the_run_search_is_used_only_for_its_own_zone() -> None:
    con = _connection("America/New_York", "2024-01-01 00:00:00", "2024-12-31 23:59:59")
    con.execute("SET VARIABLE timezone = 'Asia/Tokyo'")  # another report time zone, the macro not rewritten
    assert _local(con, "2024-07-15 03:00:00+00") == dt.datetime(2024, 7, 15, 12, 0, 0)


def test_no_span_or_a_span_of_decades_keeps_the_lookup() -> None:
    con = duckdb.connect()
    assert "case" not in local_time_macro(con, "Europe/Paris", None, None)
    # 2**20 buckets of 15 minutes are 29.9 years: one bucket fewer is searched, that many are not
    first = _us("1990-01-01 00:00:00")
    assert "case" in local_time_macro(con, "Europe/Paris", first, first + (2**20 - 1) * 900_000_000)
    assert "case" not in local_time_macro(con, "Europe/Paris", first, first + 2**20 * 900_000_000)


def test_a_report_groups_by_the_local_day_across_a_change(tmp_path) -> None:
    # 9 March 2024 23:59:59 EST and 10 March 00:00:00 EST (05:00 UTC); 10 March 03:30 EDT (07:30 UTC)
    path = tmp_path / "i.csv"
    path.write_text(
        "interaction_id,queue,offered_at,answered_at,ended_at\n"
        "a,q,2024-03-10T04:59:59Z,2024-03-10T05:00:09Z,2024-03-10T05:05:00Z\n"
        "b,q,2024-03-10T05:00:00Z,2024-03-10T05:00:10Z,2024-03-10T05:05:00Z\n"
        "c,q,2024-03-10T07:30:00Z,2024-03-10T07:30:10Z,2024-03-10T07:35:00Z\n"
    )
    definitions = resolve(overrides={"timezone": "America/New_York"})
    with session_of([path], definitions=definitions) as session:
        rows = report_of(session, definitions, group_by="day").rows
        assert dict(zip(rows["day"].to_list(), rows["offered"].to_list(), strict=True)) == {
            "2024-03-09": 1,
            "2024-03-10": 2,
        }
        assert session.scalar("SELECT getvariable('local_time_zone')") == "America/New_York"
        assert "make_timestamp" in session.scalar(
            "SELECT macro_definition FROM duckdb_functions() WHERE function_name = 'csm_local_time'"
        )


def test_a_second_report_on_the_same_zone_and_span_keeps_the_macro(tmp_path) -> None:
    path = tmp_path / "i.csv"
    path.write_text(
        "interaction_id,queue,offered_at,answered_at,ended_at\n"
        "a,q,2024-03-10T04:59:59Z,2024-03-10T05:00:09Z,2024-03-10T05:05:00Z\n"
    )
    definitions = resolve(overrides={"timezone": "America/New_York"})
    with session_of([path], definitions=definitions) as session:
        written: list[str] = []
        original = session.execute

        def spy(sql, params, where):
            if where == "csm_local_time":
                written.append(sql)
            return original(sql, params, where)

        session.execute = spy  # type: ignore[method-assign]
        report_of(session, definitions, group_by="day")
        report_of(session, definitions, group_by="week")
        assert len(written) == 1
        tokyo = resolve(overrides={"timezone": "Asia/Tokyo"})
        assert report_of(session, tokyo, group_by="day").rows["day"].to_list() == ["2024-03-10"]
        assert len(written) == 2  # another zone: written again

"""Time buckets in the report time zone, across DST changes, and --from/--to as local dates."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import report_of, report_rows, session_of

from csmetrics.definitions.config import resolve


def hourly(write_csv, start_utc: str, hours: int):
    """One answered contact at every UTC hour from start_utc (an instant on the hour)."""
    start = dt.datetime.fromisoformat(start_utc.replace("Z", "+00:00"))
    lines = ["interaction_id,offered_at,answered_at,ended_at"]
    for i in range(hours):
        t = start + dt.timedelta(hours=i, minutes=30)
        a = t + dt.timedelta(seconds=10)
        e = a + dt.timedelta(seconds=60)
        lines.append(f"{i},{t:%Y-%m-%dT%H:%M:%SZ},{a:%Y-%m-%dT%H:%M:%SZ},{e:%Y-%m-%dT%H:%M:%SZ}")
    return write_csv("\n".join(lines) + "\n")


def test_spring_forward_day_has_23_hours(write_csv):
    # New York 2024-03-10 runs from 05:00Z to 04:00Z next day: 23 hours.
    path = hourly(write_csv, "2024-03-10T05:00:00Z", 24)
    days = {r["day"]: r["offered"] for r in report_rows([path], by="day", timezone="America/New_York")}
    assert days == {"2024-03-10": 23, "2024-03-11": 1}
    hours = report_rows([path], by="hour", timezone="America/New_York")
    keys = [r["hour"] for r in hours]
    assert len(keys) == 24 and len(set(keys)) == 24
    assert "2024-03-10T01:00:00-05:00" in keys and "2024-03-10T03:00:00-04:00" in keys
    assert not any(k.startswith("2024-03-10T02:") for k in keys)  # 02:00 does not exist that night


def test_fall_back_day_has_25_hours_and_two_one_oclocks(write_csv):
    # New York 2024-11-03 runs from 04:00Z to 05:00Z next day: 25 hours.
    path = hourly(write_csv, "2024-11-03T04:00:00Z", 25)
    days = {r["day"]: r["offered"] for r in report_rows([path], by="day", timezone="America/New_York")}
    assert days == {"2024-11-03": 25}
    keys = [r["hour"] for r in report_rows([path], by="hour", timezone="America/New_York")]
    assert keys[:4] == [
        "2024-11-03T00:00:00-04:00",
        "2024-11-03T01:00:00-04:00",
        "2024-11-03T01:00:00-05:00",  # the repeated hour, its own bucket, in time order
        "2024-11-03T02:00:00-05:00",
    ]
    assert len(keys) == 25


def test_intervals_weeks_months(write_csv):
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-10T09:07:00Z,2024-03-10T09:07:10Z,2024-03-10T09:08:00Z
        2,2024-03-10T09:15:00Z,2024-03-10T09:15:10Z,2024-03-10T09:16:00Z
        3,2024-03-11T09:29:59Z,2024-03-11T09:30:10Z,2024-03-11T09:31:00Z
        4,2024-04-01T00:00:00Z,2024-04-01T00:00:10Z,2024-04-01T00:01:00Z
        """
    )
    rows = report_rows([path], by="interval:15m")
    assert [r["interval"] for r in rows] == [
        "2024-03-10T09:00:00+00:00",
        "2024-03-10T09:15:00+00:00",
        "2024-03-11T09:15:00+00:00",
        "2024-04-01T00:00:00+00:00",
    ]
    rows = report_rows([path], by="interval:30m")
    assert [r["interval"] for r in rows][:2] == ["2024-03-10T09:00:00+00:00", "2024-03-11T09:00:00+00:00"]
    # 2024-03-10 is a Sunday (week of Monday 03-04); 03-11 and 04-01 are Mondays.
    weeks = {r["week"]: r["offered"] for r in report_rows([path], by="week")}
    assert weeks == {"2024-03-04": 2, "2024-03-11": 1, "2024-04-01": 1}
    months = {r["month"]: r["offered"] for r in report_rows([path], by="month")}
    assert months == {"2024-03": 3, "2024-04": 1}
    # In New York, 2024-04-01T00:00Z is still March 31.
    months = {r["month"]: r["offered"] for r in report_rows([path], by="month", timezone="America/New_York")}
    assert months == {"2024-03": 4}


def test_half_hour_offset_zone(write_csv):
    # India is UTC+05:30: 09:07Z is 14:37 local, in the 14:30 half hour and the 14:00 hour.
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-10T09:07:00Z,2024-03-10T09:07:10Z,2024-03-10T09:08:00Z
        """
    )
    [row] = report_rows([path], by="interval:30m,hour", timezone="Asia/Kolkata")
    assert row["interval"] == "2024-03-10T14:30:00+05:30"
    assert row["hour"] == "2024-03-10T14:00:00+05:30"


def test_naive_timestamps_read_in_source_timezone(write_csv):
    # 09:00 naive in New York (EST, -05:00) is 14:00Z; the answer 20 s later carries an explicit offset.
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04 09:00:00,2024-03-04T14:00:20+00:00,2024-03-04 09:05:00
        """
    )
    [row] = report_rows([path], by="hour", source_timezone="America/New_York")
    assert row["hour"] == "2024-03-04T14:00:00+00:00"
    assert row["asa_seconds"] == pytest.approx(20.0)
    # Read as UTC instead, the answer comes 5 h before the offer: the row is rejected, no bucket is left.
    assert report_rows([path], by="hour") == []


def test_from_to_are_inclusive_local_dates(write_csv):
    # 2024-03-05T03:00Z is 22:00 on 03-04 in New York.
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04T12:00:00Z,2024-03-04T12:00:10Z,2024-03-04T12:01:00Z
        2,2024-03-05T03:00:00Z,2024-03-05T03:00:10Z,2024-03-05T03:01:00Z
        3,2024-03-05T12:00:00Z,2024-03-05T12:00:10Z,2024-03-05T12:01:00Z
        4,2024-03-06T12:00:00Z,2024-03-06T12:00:10Z,2024-03-06T12:01:00Z
        """
    )
    engine = session_of([path])
    defs = resolve(overrides={"timezone": "America/New_York"})
    report = report_of(engine, defs, group_by="day", date_from=dt.date(2024, 3, 4), date_to=dt.date(2024, 3, 5))
    assert {r["day"]: r["offered"] for r in report.rows.to_dicts()} == {"2024-03-04": 2, "2024-03-05": 1}
    assert report.data_quality["outside_period"] == 1
    utc = report_of(engine, group_by="day", date_from=dt.date(2024, 3, 5), date_to=dt.date(2024, 3, 5))
    assert {r["day"]: r["offered"] for r in utc.rows.to_dicts()} == {"2024-03-05": 2}

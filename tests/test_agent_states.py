"""Agent state metrics: occupancy, utilization, shrinkage, staffed time; every expected figure is computed by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import HEADER, cli_json, run

from csmetrics.definitions.config import resolve

STATE_HEADER = "agent_id,state,started_at,ended_at"
EVENT_HEADER = "agent_id,state,at"
HOUR = 3600.0


def agent_report(
    interactions: Path,
    states: Path | None = None,
    *,
    roster: Path | None = None,
    by: str | None = None,
    date_from: Any = None,
    date_to: Any = None,
    **params: Any,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    values = {k.replace("__", "."): v for k, v in params.items()}
    overrides = {k: values.pop(k) for k in ("timezone", "source_timezone") if k in values}
    definitions = resolve(assignments=values, overrides=overrides)
    report = run(
        [interactions],
        definitions=definitions,
        by=by,
        date_from=date_from,
        date_to=date_to,
        states=[states] if states is not None else [],
        roster=roster,
    )
    return report.rows.to_dicts(), report.data_quality


@pytest.fixture
def one_contact(write_csv):
    """One answered contact at 09:00Z on 2024-03-04 (agent a1), for reports that need an interactions file."""
    return write_csv(
        f"""
        {HEADER}
        c1,2024-03-04T09:00:00Z,2024-03-04T09:00:00Z,2024-03-04T09:05:00Z,voice,inbound,q1,a1,k1,r,,,,
        """,
        name="interactions.csv",
    )


def by_key(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in rows}


# -- splitting state time at bucket boundaries --------------------------------------------


def test_state_crossing_an_hour_is_split_at_the_boundary(write_csv, one_contact):
    states = write_csv(
        f"""
        {STATE_HEADER}
        a1,available,2024-03-04T09:50:00Z,2024-03-04T10:20:00Z
        """
    )
    rows, _ = agent_report(one_contact, states, by="hour")
    hours = by_key(rows, "hour")
    # 09:50-10:00 = 10 min in the 09:00 hour, 10:00-10:20 = 20 min in the 10:00 hour.
    assert hours["2024-03-04T09:00:00+00:00"]["available_hours"] == pytest.approx(10 / 60)
    assert hours["2024-03-04T10:00:00+00:00"]["available_hours"] == pytest.approx(20 / 60)
    assert hours["2024-03-04T10:00:00+00:00"]["staffed_hours"] == pytest.approx(20 / 60)
    # The 10:00 hour has state time but no contact: it is still a row, with answered 0.
    assert hours["2024-03-04T10:00:00+00:00"]["answered"] == 0
    # 15-minute intervals: 09:45 gets 10 min (09:50-10:00), 10:00 gets 15, 10:15 gets 5.
    rows, _ = agent_report(one_contact, states, by="interval:15m")
    iv = by_key(rows, "interval")
    assert iv["2024-03-04T09:45:00+00:00"]["staffed_hours"] == pytest.approx(10 / 60)
    assert iv["2024-03-04T10:00:00+00:00"]["staffed_hours"] == pytest.approx(15 / 60)
    assert iv["2024-03-04T10:15:00+00:00"]["staffed_hours"] == pytest.approx(5 / 60)


def test_state_crossing_local_midnight_splits_by_local_day(write_csv, one_contact):
    # 2024-03-05 23:30 EST (04:30Z on the 6th) to 2024-03-06 00:45 EST (05:45Z): 30 min on the 5th, 45 on the 6th.
    states = write_csv(
        f"""
        {STATE_HEADER}
        a1,on_contact,2024-03-06T04:30:00Z,2024-03-06T05:45:00Z
        """
    )
    rows, _ = agent_report(one_contact, states, by="day", timezone="America/New_York")
    days = by_key(rows, "day")
    assert days["2024-03-05"]["handling_hours"] == pytest.approx(0.5)
    assert days["2024-03-06"]["handling_hours"] == pytest.approx(0.75)
    # In UTC the same state lies inside one day: 1.25 h on 2024-03-06.
    rows, _ = agent_report(one_contact, states, by="day", timezone="UTC")
    assert by_key(rows, "day")["2024-03-06"]["handling_hours"] == pytest.approx(1.25)
    # --from/--to keep only state time on local dates inside the period: 2024-03-06 only -> 0.75 h.
    import datetime as dt

    rows, _ = agent_report(
        one_contact,
        states,
        by="day",
        timezone="America/New_York",
        date_from=dt.date(2024, 3, 6),
        date_to=dt.date(2024, 3, 6),
    )
    assert [(r["day"], r["handling_hours"]) for r in rows] == [("2024-03-06", pytest.approx(0.75))]


def test_dst_spring_forward_new_york(write_csv, one_contact):
    # 2024-03-10: 02:00 EST jumps to 03:00 EDT (07:00Z). State 06:30Z-07:30Z = 01:30 EST to 03:30 EDT: 1 real hour.
    states = write_csv(
        f"""
        {STATE_HEADER}
        a1,available,2024-03-10T06:30:00Z,2024-03-10T07:30:00Z
        """
    )
    rows, _ = agent_report(one_contact, states, by="hour", timezone="America/New_York")
    hours = by_key(rows, "hour")
    assert hours["2024-03-10T01:00:00-05:00"]["available_hours"] == pytest.approx(0.5)  # 06:30Z-07:00Z
    assert hours["2024-03-10T03:00:00-04:00"]["available_hours"] == pytest.approx(0.5)  # 07:00Z-07:30Z
    assert not any(k.startswith("2024-03-10T02:") for k in hours)  # 02:00 does not exist that night
    rows, _ = agent_report(one_contact, states, by="day", timezone="America/New_York")
    assert by_key(rows, "day")["2024-03-10"]["staffed_hours"] == pytest.approx(1.0)


def test_dst_fall_back_new_york(write_csv, one_contact):
    # 2024-11-03: 02:00 EDT falls back to 01:00 EST (06:00Z); 01:00-02:00 happens twice.
    # State 04:30Z-06:30Z = 00:30 EDT to 01:30 EST: 2 real hours.
    states = write_csv(
        f"""
        {STATE_HEADER}
        a1,break,2024-11-03T04:30:00Z,2024-11-03T06:30:00Z
        """
    )
    rows, _ = agent_report(one_contact, states, by="hour", timezone="America/New_York")
    hours = by_key(rows, "hour")
    assert hours["2024-11-03T00:00:00-04:00"]["staffed_hours"] == pytest.approx(0.5)  # 04:30Z-05:00Z
    assert hours["2024-11-03T01:00:00-04:00"]["staffed_hours"] == pytest.approx(1.0)  # 05:00Z-06:00Z
    assert hours["2024-11-03T01:00:00-05:00"]["staffed_hours"] == pytest.approx(0.5)  # 06:00Z-06:30Z
    # All of it is break: shrinkage 1, occupancy has no handling and no available time -> NULL.
    assert hours["2024-11-03T01:00:00-05:00"]["shrinkage"] == pytest.approx(1.0)
    assert hours["2024-11-03T01:00:00-05:00"]["occupancy"] is None
    rows, _ = agent_report(one_contact, states, by="day", timezone="America/New_York")
    assert by_key(rows, "day")["2024-11-03"]["staffed_hours"] == pytest.approx(2.0)


# -- the vocabulary parameters -------------------------------------------------------------

VOCABULARY = f"""
{STATE_HEADER}
a1,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
a1,acw,2024-03-04T09:30:00Z,2024-03-04T09:40:00Z
a1,available,2024-03-04T09:40:00Z,2024-03-04T10:00:00Z
a1,break,2024-03-04T10:00:00Z,2024-03-04T10:15:00Z
a1,lunch,2024-03-04T10:15:00Z,2024-03-04T10:45:00Z
a1,training,2024-03-04T10:45:00Z,2024-03-04T11:05:00Z
a1,meeting,2024-03-04T11:05:00Z,2024-03-04T11:15:00Z
a1,Email_Work,2024-03-04T11:15:00Z,2024-03-04T11:30:00Z
a1,offline,2024-03-04T11:30:00Z,2024-03-04T12:30:00Z
"""
# minutes: on_contact 30, acw 10, available 20, break 15, lunch 30, training 20, meeting 10, email_work 15, offline 60


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {},
            # staffed = 30+10+20+15+30+20+10+15 = 150 (offline 60 never counts); handling 40; available 20;
            # other = 150-40-20 = 90. occupancy 40/60, utilization 40/150, shrinkage 90/150.
            {
                "staffed": 150,
                "handling": 40,
                "available": 20,
                "occupancy": 40 / 60,
                "utilization": 40 / 150,
                "shrinkage": 90 / 150,
            },
            id="defaults",
        ),
        pytest.param(
            {"states.handling": "on_contact,acw,email_work"},
            # handling 40+15 = 55; occupancy 55/75; utilization 55/150; other 150-55-20 = 75.
            {
                "staffed": 150,
                "handling": 55,
                "available": 20,
                "occupancy": 55 / 75,
                "utilization": 55 / 150,
                "shrinkage": 75 / 150,
            },
            id="handling",
        ),
        pytest.param(
            {"states.available": "available,training"},
            # available 20+20 = 40; occupancy 40/80; other 150-40-40 = 70.
            {
                "staffed": 150,
                "handling": 40,
                "available": 40,
                "occupancy": 40 / 80,
                "utilization": 40 / 150,
                "shrinkage": 70 / 150,
            },
            id="available",
        ),
        pytest.param(
            {"states.unstaffed": "offline,logged_out,lunch"},
            # staffed 150-30 = 120 (lunch no longer staffed); other 120-40-20 = 60.
            {
                "staffed": 120,
                "handling": 40,
                "available": 20,
                "occupancy": 40 / 60,
                "utilization": 40 / 120,
                "shrinkage": 60 / 120,
            },
            id="unstaffed",
        ),
        pytest.param(
            {"states.unstaffed": "logged_out"},
            # offline becomes staffed "other" time: staffed 210, other 150; utilization 40/210.
            {
                "staffed": 210,
                "handling": 40,
                "available": 20,
                "occupancy": 40 / 60,
                "utilization": 40 / 210,
                "shrinkage": 150 / 210,
            },
            id="offline_staffed",
        ),
        pytest.param(
            {"utilization.exclude_states": "lunch,break"},
            # utilization = 40 / (150 - 30 - 15) = 40/105; nothing else changes.
            {
                "staffed": 150,
                "handling": 40,
                "available": 20,
                "occupancy": 40 / 60,
                "utilization": 40 / 105,
                "shrinkage": 90 / 150,
            },
            id="exclude_lunch_break",
        ),
        pytest.param(
            {"utilization.exclude_states": "training,meeting"},
            # utilization = 40 / (150 - 20 - 10) = 40/120.
            {
                "staffed": 150,
                "handling": 40,
                "available": 20,
                "occupancy": 40 / 60,
                "utilization": 40 / 120,
                "shrinkage": 90 / 150,
            },
            id="exclude_training_meeting",
        ),
    ],
)
def test_vocabulary_parameters(write_csv, one_contact, params, expected):
    states = write_csv(VOCABULARY)
    rows, _ = agent_report(one_contact, states, **{k.replace(".", "__"): v for k, v in params.items()})
    [row] = rows
    assert row["staffed_hours"] == pytest.approx(expected["staffed"] / 60)
    assert row["handling_hours"] == pytest.approx(expected["handling"] / 60)
    assert row["available_hours"] == pytest.approx(expected["available"] / 60)
    assert row["occupancy"] == pytest.approx(expected["occupancy"])
    assert row["utilization"] == pytest.approx(expected["utilization"])
    assert row["shrinkage"] == pytest.approx(expected["shrinkage"])
    assert row["agents"] == 1
    # One answered contact over the staffed hours.
    assert row["contacts_per_agent_hour"] == pytest.approx(1 / (expected["staffed"] / 60))


# -- event-shaped input ----------------------------------------------------------------------


def test_events_equal_intervals(write_csv, one_contact):
    intervals = write_csv(
        f"""
        {STATE_HEADER}
        a1,available,2024-03-04T08:50:00Z,2024-03-04T09:00:00Z
        a1,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:05:00Z
        a1,acw,2024-03-04T09:05:00Z,2024-03-04T09:07:00Z
        a1,lunch,2024-03-04T09:07:00Z,2024-03-04T10:10:00Z
        a2,available,2024-03-04T09:30:00Z,2024-03-04T10:40:00Z
        a2,break,2024-03-04T10:40:00Z,2024-03-04T11:00:00Z
        """
    )
    events = write_csv(
        f"""
        {EVENT_HEADER}
        a2,break,2024-03-04T10:40:00Z
        a1,available,2024-03-04T08:50:00Z
        a1,on_contact,2024-03-04T09:00:00Z
        a2,available,2024-03-04T09:30:00Z
        a1,acw,2024-03-04T09:05:00Z
        a1,lunch,2024-03-04T09:07:00Z
        a1,logged_out,2024-03-04T10:10:00Z
        a2,logged_out,2024-03-04T11:00:00Z
        """
    )
    for by in ("hour", "agent", "hour,agent", None):
        from_intervals, _ = agent_report(one_contact, intervals, by=by)
        from_events, quality = agent_report(one_contact, events, by=by)
        assert from_events == from_intervals
    # a1 by hour: 08:00 hour available 10 min; 09:00 on_contact 5 + acw 2 (handling 7), lunch 53 -> staffed 70.
    rows, quality = agent_report(one_contact, events, by="hour")
    hours = by_key(rows, "hour")
    assert hours["2024-03-04T09:00:00+00:00"]["handling_hours"] == pytest.approx(7 / 60)
    # 09:00 hour staffed: a1 60 min (09:00-10:00), a2 30 min (09:30-10:00) = 90 min; available = a2's 30.
    assert hours["2024-03-04T09:00:00+00:00"]["staffed_hours"] == pytest.approx(1.5)
    assert hours["2024-03-04T09:00:00+00:00"]["occupancy"] == pytest.approx(7 / 37)
    assert quality["states"]["shape"] == "events"
    # Both agents' last events (logged_out) have no end: cut at the span end (11:00Z) and counted.
    assert quality["states"]["cut_at_span_end"] == 2
    assert quality["states"]["span_end"] == "2024-03-04T11:00:00Z"


def test_last_event_is_cut_at_the_span_end(write_csv, one_contact):
    events = write_csv(
        f"""
        {EVENT_HEADER}
        a1,available,2024-03-04T09:00:00Z
        a2,available,2024-03-04T09:00:00Z
        a2,offline,2024-03-04T11:00:00Z
        """
    )
    rows, quality = agent_report(one_contact, events, by="agent")
    agents = by_key(rows, "agent")
    # a1's only event has no end: it is cut at the latest time in the log, 11:00Z -> 2 h available.
    assert agents["a1"]["available_hours"] == pytest.approx(2.0)
    assert agents["a2"]["available_hours"] == pytest.approx(2.0)
    assert quality["states"]["cut_at_span_end"] == 2  # a1 available, a2 offline


# -- validation --------------------------------------------------------------------------------


def test_overlaps_and_bad_rows_are_rejected_and_reported(write_csv, one_contact, cli, tmp_path):
    states = write_csv(
        f"""
        {STATE_HEADER}
        a1,available,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
        a1,break,2024-03-04T09:20:00Z,2024-03-04T09:40:00Z
        a1,on_contact,2024-03-04T09:40:00Z,2024-03-04T09:50:00Z
        a1,acw,2024-03-04T10:10:00Z,2024-03-04T10:00:00Z
        ,available,2024-03-04T11:00:00Z,2024-03-04T11:10:00Z
        a2,,2024-03-04T11:00:00Z,2024-03-04T11:10:00Z
        a2,available,2024-03-04T12:00:00Z,2024-03-04T12:10:00Z
        a2,available,2024-03-04T12:00:00Z,2024-03-04T12:10:00Z
        """,
        name="states.csv",
    )
    rows, quality = agent_report(one_contact, states, by="agent")
    agents = by_key(rows, "agent")
    # Lines 2 and 3 overlap (09:20 < 09:30): both rejected, neither merged nor trimmed.
    # a1 keeps only on_contact 09:40-09:50 (line 4); line 5 ends before it starts.
    assert agents["a1"]["staffed_hours"] == pytest.approx(10 / 60)
    assert agents["a1"]["handling_hours"] == pytest.approx(10 / 60)
    # Line 9 is an identical copy of line 8: merged once, counted. a2 = 10 min available.
    assert agents["a2"]["available_hours"] == pytest.approx(10 / 60)
    st = quality["states"]
    assert st["rows_read"] == 8
    assert st["rejected"] == {
        "total": 5,
        "by_reason": {
            "ended_before_started": 1,
            "missing_agent_id": 1,
            "missing_state": 1,
            "overlapping_state": 2,
        },
    }
    assert st["duplicates_merged"] == 1
    assert st["states_kept"] == 2  # 8 read = 2 kept + 5 rejected + 1 merged copy
    # Through the CLI: a warning on stderr, rejected rows with file and line in --rejects, exit 0 / 3 with --strict.
    rejects = tmp_path / "rejects.csv"
    result = cli("report", one_contact, "--states", states, "--format", "json", "--rejects", rejects)
    assert result.exit_code == 0
    assert "5 agent state row(s) rejected" in result.stderr
    import polars as pl

    frame = pl.read_csv(rejects)
    state_rows = frame.filter(pl.col("input") == "states").sort("line")
    assert state_rows["line"].to_list() == [2, 3, 5, 6, 7]
    assert state_rows["source_file"].to_list() == [str(states)] * 5
    assert state_rows["reason"].to_list()[:2] == ["overlapping_state", "overlapping_state"]
    strict = cli("report", one_contact, "--states", states, "--strict", "--format", "json")
    assert strict.exit_code == 3
    assert strict.stdout == ""


def test_simultaneous_events_are_rejected(write_csv, one_contact):
    events = write_csv(
        f"""
        {EVENT_HEADER}
        a1,available,2024-03-04T09:00:00Z
        a1,break,2024-03-04T09:00:00Z
        a1,on_contact,2024-03-04T09:10:00Z
        a1,logged_out,2024-03-04T09:20:00Z
        """
    )
    rows, quality = agent_report(one_contact, events)
    # Which of available/break held from 09:00 is unknown: both rejected; on_contact 09:10-09:20 stays.
    assert quality["states"]["rejected"]["by_reason"] == {"simultaneous_events": 2}
    assert rows[0]["staffed_hours"] == pytest.approx(10 / 60)
    assert rows[0]["occupancy"] == pytest.approx(1.0)


def test_not_a_state_log(write_csv, one_contact, cli):
    bad = write_csv("agent_id,state,when\na1,available,2024-03-04T09:00:00Z\n")
    result = cli("report", one_contact, "--states", bad)
    assert result.exit_code == 3
    assert "neither started_at nor at" in result.stderr
    unreadable = write_csv(f"{STATE_HEADER}\na1,available,yesterday,2024-03-04T09:00:00Z\n")
    result = cli("report", one_contact, "--states", unreadable)
    assert result.exit_code == 3
    assert "line 2, column started_at" in result.stderr


def test_json_and_parquet_state_logs(write_csv, one_contact, tmp_path):
    import polars as pl

    csv = write_csv(VOCABULARY)
    frame = pl.read_csv(csv)
    frame.write_ndjson(tmp_path / "states.ndjson")
    frame.write_parquet(tmp_path / "states.parquet")
    expected, _ = agent_report(one_contact, csv)
    assert agent_report(one_contact, tmp_path / "states.ndjson")[0] == expected
    assert agent_report(one_contact, tmp_path / "states.parquet")[0] == expected


# -- concurrency -------------------------------------------------------------------------------


def test_two_chat_agent_concurrency(write_csv):
    interactions = write_csv(
        f"""
        {HEADER}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:00Z,2024-03-04T09:10:00Z,chat,inbound,q1,a1,k1,r,,,,
        2,2024-03-04T09:05:00Z,2024-03-04T09:05:00Z,2024-03-04T09:15:00Z,chat,inbound,q1,a1,k2,r,,,,
        3,2024-03-04T09:15:00Z,2024-03-04T09:15:00Z,2024-03-04T09:20:00Z,chat,inbound,q1,a1,k3,r,,,,
        4,2024-03-04T09:00:00Z,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z,voice,inbound,q2,a2,k4,r,,,,
        5,2024-03-04T09:00:00Z,,2024-03-04T09:01:00Z,chat,inbound,q1,,k5,r,,,,
        """
    )
    rows, _ = agent_report(interactions, by="agent")
    agents = by_key(rows, "agent")
    # a1: 09:00-09:05 one chat, 09:05-09:10 two, 09:10-09:15 one, 09:15-09:20 one (3 starts as 2 ends:
    # back to back, never two) -> (5*1 + 5*2 + 5*1 + 5*1) / 20 = 25/20 = 1.25.
    assert agents["a1"]["avg_concurrency"] == pytest.approx(1.25)
    assert agents["a2"]["avg_concurrency"] == pytest.approx(1.0)  # one call 30 min
    # Without --states the state metrics are absent, concurrency is there.
    assert "occupancy" not in rows[0]
    assert "staffed_hours" not in rows[0]
    # All agents together: (25 + 30) / (20 + 30) = 1.1.
    [total], _ = agent_report(interactions)
    assert total["avg_concurrency"] == pytest.approx(1.1)
    # By 15-minute interval: 09:00-09:15 holds a1's 5+10+5 level-minutes over 15 min and a2's 15 over 15
    # -> (20 + 15) / 30 = 35/30; 09:15-09:30: a1 5 over 5, a2 15 over 15 -> 1.0.
    rows, _ = agent_report(interactions, by="interval:15m")
    iv = by_key(rows, "interval")
    assert iv["2024-03-04T09:00:00+00:00"]["avg_concurrency"] == pytest.approx(35 / 30)
    assert iv["2024-03-04T09:15:00+00:00"]["avg_concurrency"] == pytest.approx(1.0)


# -- grouping --------------------------------------------------------------------------------

TEAM_CONTACTS = f"""
{HEADER}
1,2024-03-04T09:00:00Z,2024-03-04T09:00:20Z,2024-03-04T09:05:20Z,voice,inbound,q1,a1,k1,r,,,,true
2,2024-03-04T09:10:00Z,2024-03-04T09:10:00Z,2024-03-04T09:20:00Z,voice,inbound,q1,a2,k2,r,,,,false
3,2024-03-04T09:30:00Z,2024-03-04T09:30:00Z,2024-03-04T09:40:00Z,voice,inbound,q2,a3,k3,r,,,,false
4,2024-03-04T09:30:00Z,2024-03-04T09:30:00Z,2024-03-04T09:36:00Z,voice,inbound,q2,a4,k4,r,,,,false
"""
TEAM_STATES = f"""
{STATE_HEADER}
a1,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
a1,available,2024-03-04T09:30:00Z,2024-03-04T10:00:00Z
a2,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:15:00Z
a2,lunch,2024-03-04T09:15:00Z,2024-03-04T10:00:00Z
a3,available,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z
a4,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
"""
ROSTER = """
agent_id,team,supervisor,site
a1,Blue,s1,NYC
a2,Blue,s1,NYC
a3,Green,s2,Austin
"""


def test_team_grouping_through_roster(write_csv):
    interactions = write_csv(TEAM_CONTACTS)
    states = write_csv(TEAM_STATES)
    roster = write_csv(ROSTER, name="roster.csv")
    rows, quality = agent_report(interactions, states, roster=roster, by="team")
    teams = by_key(rows, "team")
    blue = teams["Blue"]
    # Blue = a1 + a2: answered 2; AHT (300 + 600)/2 = 450 s; transfer 1/2.
    assert blue["answered"] == 2
    assert blue["aht_seconds"] == pytest.approx(450)
    assert blue["transfer_rate"] == pytest.approx(0.5)
    # staffed 60 + 60 = 120 min; handling 30 + 15 = 45; available 30; lunch 45.
    assert blue["staffed_hours"] == pytest.approx(2.0)
    assert blue["handling_hours"] == pytest.approx(0.75)
    assert blue["occupancy"] == pytest.approx(45 / 75)
    assert blue["utilization"] == pytest.approx(45 / 120)
    assert blue["shrinkage"] == pytest.approx(45 / 120)
    assert blue["contacts_per_agent_hour"] == pytest.approx(2 / 2.0)
    assert blue["agents"] == 2
    green = teams["Green"]
    # a3: 60 min available, 1 answered.
    assert green["occupancy"] == pytest.approx(0.0)
    assert green["contacts_per_agent_hour"] == pytest.approx(1.0)
    assert green["agents"] == 1
    # a4 is not in the roster: its contact and its states go to the "(not in roster)" row, and are counted.
    assert teams["(not in roster)"]["answered"] == 1
    assert teams["(not in roster)"]["handling_hours"] == pytest.approx(0.5)
    assert quality["states"]["agents_not_in_roster"] == 1
    # by agent: contact and state metrics in one row.
    rows, _ = agent_report(interactions, states, by="agent")
    a1 = by_key(rows, "agent")["a1"]
    assert a1["answered"] == 1
    assert a1["asa_seconds"] == pytest.approx(20)
    assert a1["occupancy"] == pytest.approx(0.5)  # 30 handling / (30 + 30)
    assert a1["contacts_per_agent_hour"] == pytest.approx(1.0)


def test_by_team_needs_a_roster_and_roster_must_be_unique(write_csv, cli):
    interactions = write_csv(TEAM_CONTACTS)
    result = cli("report", interactions, "--by", "team")
    assert result.exit_code == 2
    assert "--roster" in result.stderr
    roster = write_csv("agent_id,team\na1,Blue\na1,Green\n", name="dup.csv")
    result = cli("report", interactions, "--roster", roster, "--by", "team")
    assert result.exit_code == 3
    assert "a1" in result.stderr


def test_by_queue_leaves_state_metrics_null_with_a_note(write_csv, cli):
    interactions = write_csv(TEAM_CONTACTS)
    states = write_csv(TEAM_STATES)
    result = cli("report", interactions, "--states", states, "--by", "queue", "--format", "json")
    doc = cli_json(result)
    assert "agent states have no queue" in result.stderr
    assert "agent states have no queue" in doc["data_quality"]["states"]["not_grouped"]
    for row in doc["rows"]:
        assert row["answered"] == 2
        for key in (
            "staffed_hours",
            "occupancy",
            "utilization",
            "shrinkage",
            "contacts_per_agent_hour",
            "agents",
            "avg_concurrency",
        ):
            assert row[key] is None, key


# -- a week of agent states by day, end to end -------------------------------------------------------------------


def test_agent_metrics_by_day_in_new_york_end_to_end(write_csv, cli, tmp_path):
    interactions = write_csv(TEAM_CONTACTS)
    # Same states as TEAM_STATES plus a shift on the next New York day, as events would give.
    states = write_csv(
        TEAM_STATES
        + "a1,on_contact,2024-03-05T14:00:00Z,2024-03-05T14:20:00Z\n"
        + "a1,break,2024-03-05T14:20:00Z,2024-03-05T14:40:00Z\n"
    )
    roster = write_csv(ROSTER, name="roster.csv")
    args = ["report", interactions, "--states", states, "--by", "day", "--tz", "America/New_York", "--format", "json"]
    doc = cli_json(cli(*args))
    days = by_key(doc["rows"], "day")
    keys = {
        "occupancy",
        "utilization",
        "shrinkage",
        "contacts_per_agent_hour",
        "staffed_hours",
        "handling_hours",
        "available_hours",
        "agents",
        "avg_concurrency",
    }
    assert keys <= set(days["2024-03-04"])
    d1 = days["2024-03-04"]
    # 2024-03-04 (all before 05:00 EST): staffed 60*4 agents - a4's 30 = 210 min... a1 60, a2 60, a3 60, a4 30 = 210.
    # handling 30 + 15 + 0 + 30 = 75; available 30 + 60 = 90; other (a2 lunch) 45.
    assert d1["staffed_hours"] == pytest.approx(3.5)
    assert d1["occupancy"] == pytest.approx(75 / 165)
    assert d1["utilization"] == pytest.approx(75 / 210)
    assert d1["shrinkage"] == pytest.approx(45 / 210)
    assert d1["contacts_per_agent_hour"] == pytest.approx(4 / 3.5)
    d2 = days["2024-03-05"]
    # 2024-03-05: a1 on_contact 20 + break 20; no contacts. occupancy 20/20, utilization 20/40, shrinkage 20/40.
    assert d2["answered"] == 0
    assert d2["occupancy"] == pytest.approx(1.0)
    assert d2["utilization"] == pytest.approx(0.5)
    assert d2["shrinkage"] == pytest.approx(0.5)
    assert d2["contacts_per_agent_hour"] == pytest.approx(0.0)
    assert doc["definitions"]["parameters"]["states.handling"] == ["acw", "on_contact"]
    # Another vocabulary: lunch not staffed, break excluded from utilization.
    doc = cli_json(
        cli(*args, "--set", "states.unstaffed=offline,logged_out,lunch", "--set", "utilization.exclude_states=break")
    )
    days = by_key(doc["rows"], "day")
    # Day 1: staffed 210 - 45 = 165; utilization 75/165; shrinkage 0/165; contacts/h 4 / 2.75.
    assert days["2024-03-04"]["utilization"] == pytest.approx(75 / 165)
    assert days["2024-03-04"]["shrinkage"] == pytest.approx(0.0)
    assert days["2024-03-04"]["contacts_per_agent_hour"] == pytest.approx(4 / 2.75)
    # Day 2: utilization 20 / (40 - 20) = 1.0.
    assert days["2024-03-05"]["utilization"] == pytest.approx(1.0)
    # By day and team.
    doc = cli_json(
        cli(*args[:-4], "--by", "day,team", "--roster", roster, "--tz", "America/New_York", "--format", "json")
    )
    rows = {(r["day"], r["team"]): r for r in doc["rows"]}
    assert rows[("2024-03-04", "Blue")]["occupancy"] == pytest.approx(45 / 75)
    assert rows[("2024-03-05", "Blue")]["staffed_hours"] == pytest.approx(40 / 60)
    # By day and agent.
    doc = cli_json(cli(*args[:-4], "--by", "day,agent", "--tz", "America/New_York", "--format", "json"))
    rows = {(r["day"], r["agent"]): r for r in doc["rows"]}
    assert rows[("2024-03-04", "a2")]["utilization"] == pytest.approx(15 / 60)
    assert rows[("2024-03-04", "a2")]["answered"] == 1

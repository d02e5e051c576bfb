"""sample_data/generate_states.py: a state log consistent with a small hand-made interactions file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import ROOT, cli_json

spec = importlib.util.spec_from_file_location("generate_states", ROOT / "sample_data" / "generate_states.py")
assert spec is not None and spec.loader is not None
generate_states = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate_states)

# A01 (Monday 2024-03-04, New York): two overlapping chats 09:00-09:10 (+60 s ACW, hidden by the second chat)
# and 09:05-09:20 EST, a call 15:00-15:30 EST with 120 s ACW. A02: one call 10:00-10:05 EST, 30 s ACW.
INTERACTIONS = """\
interaction_id,offered_at,answered_at,ended_at,channel,direction,queue,agent_id,acw_seconds
1,2024-03-04T14:00:00Z,2024-03-04T14:00:00Z,2024-03-04T14:10:00Z,chat,inbound,q,A01,60
2,2024-03-04T14:05:00Z,2024-03-04T14:05:00Z,2024-03-04T14:20:00Z,chat,inbound,q,A01,0
3,2024-03-04T20:00:00Z,2024-03-04T20:00:00Z,2024-03-04T20:30:00Z,voice,inbound,q,A01,120
4,2024-03-04T15:00:00Z,2024-03-04T15:00:00Z,2024-03-04T15:05:00Z,voice,inbound,q,A02,30
5,2024-03-04T15:00:00Z,,2024-03-04T15:01:00Z,voice,inbound,q,,
"""


@pytest.fixture
def generated(tmp_path: Path) -> dict[str, Path]:
    interactions = tmp_path / "interactions.csv"
    interactions.write_text(INTERACTIONS, encoding="utf-8")
    states, events, roster = tmp_path / "agent_states.csv", tmp_path / "agent_events.csv", tmp_path / "roster.csv"
    generate_states.write(interactions, states, roster_out=roster)
    generate_states.write(interactions, events, shape="events")
    return {"interactions": interactions, "states": states, "events": events, "roster": roster}


def test_every_contact_is_on_contact(generated):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # For each contact: on_contact time of its agent inside [answered_at, ended_at) must equal its duration.
    missing = con.execute(
        """
        with c as (
            select interaction_id, agent_id, answered_at::timestamptz a, ended_at::timestamptz e
            from read_csv($i, all_varchar = true) where answered_at is not null
        ), s as (
            select agent_id, state, started_at::timestamptz s0, ended_at::timestamptz s1 from read_csv($s, all_varchar = true)
        )
        , covered as (
            select c.interaction_id, epoch(c.e) - epoch(c.a) as duration,
                coalesce(sum(epoch(least(c.e, s.s1)) - epoch(greatest(c.a, s.s0)))
                    filter (where s.state = 'on_contact'), 0) as on_contact
            from c left join s on s.agent_id = c.agent_id and s.s0 < c.e and s.s1 > c.a
            group by c.interaction_id, c.a, c.e
        )
        select interaction_id, duration, on_contact from covered where duration <> on_contact
        """,
        {"i": str(generated["interactions"]), "s": str(generated["states"])},
    ).fetchall()
    assert missing == []
    states = pl.read_csv(generated["states"])
    a02 = states.filter(pl.col("agent_id") == "A02").rows()
    # A02 answers at 10:00 EST only: the mid shift 10:00-18:30 EST (15:00Z-23:30Z). Planned aux time comes
    # from hash(agent index 1, day, seed 42), in minutes into the shift: huddle 0-15 (the call wins, so it
    # starts after the ACW), break 135-150, lunch 240-270, break 330-345, training 390-450.
    assert a02 == [
        ("A02", "on_contact", "2024-03-04T15:00:00Z", "2024-03-04T15:05:00Z"),
        ("A02", "acw", "2024-03-04T15:05:00Z", "2024-03-04T15:05:30Z"),
        ("A02", "meeting", "2024-03-04T15:05:30Z", "2024-03-04T15:15:00Z"),
        ("A02", "available", "2024-03-04T15:15:00Z", "2024-03-04T17:15:00Z"),
        ("A02", "break", "2024-03-04T17:15:00Z", "2024-03-04T17:30:00Z"),
        ("A02", "available", "2024-03-04T17:30:00Z", "2024-03-04T19:00:00Z"),
        ("A02", "lunch", "2024-03-04T19:00:00Z", "2024-03-04T19:30:00Z"),
        ("A02", "available", "2024-03-04T19:30:00Z", "2024-03-04T20:30:00Z"),
        ("A02", "break", "2024-03-04T20:30:00Z", "2024-03-04T20:45:00Z"),
        ("A02", "available", "2024-03-04T20:45:00Z", "2024-03-04T21:30:00Z"),
        ("A02", "training", "2024-03-04T21:30:00Z", "2024-03-04T22:30:00Z"),
        ("A02", "available", "2024-03-04T22:30:00Z", "2024-03-04T23:30:00Z"),
    ]
    a01 = states.filter(pl.col("agent_id") == "A01")
    # A01 answers 09:00-15:00 EST: the early shift 08:00-16:30 EST (13:00Z-21:30Z).
    assert a01.rows()[0][2] == "2024-03-04T13:00:00Z" and a01.rows()[-1][3] == "2024-03-04T21:30:00Z"
    # The overlapping chats are one on_contact stretch 14:00-14:20; chat 1's ACW is covered by chat 2.
    assert ("A01", "on_contact", "2024-03-04T14:00:00Z", "2024-03-04T14:20:00Z") in a01.rows()
    assert ("A01", "acw", "2024-03-04T20:30:00Z", "2024-03-04T20:32:00Z") in a01.rows()
    # Monday (a weekday): the 15-minute team huddle, here at the start of the shift.
    assert ("A01", "meeting", "2024-03-04T13:00:00Z", "2024-03-04T13:15:00Z") in a01.rows()
    # An 8.5 h shift has a lunch and two breaks.
    assert a01.filter(pl.col("state") == "lunch").height == 1
    assert a01.filter(pl.col("state") == "break").height == 2
    roster = pl.read_csv(generated["roster"])
    assert roster.rows() == [("A01", "Team A", "S1", "NYC"), ("A02", "Team B", "S2", "Austin")]


def test_generated_log_loads_cleanly_and_matches_hand_figures(generated, cli):
    args = [
        "report",
        generated["interactions"],
        "--states",
        generated["states"],
        "--roster",
        generated["roster"],
        "--by",
        "agent",
        "--tz",
        "America/New_York",
        "--format",
        "json",
    ]
    doc = cli_json(cli(*args))
    assert doc["data_quality"]["states"]["rejected"]["total"] == 0
    assert doc["data_quality"]["states"]["cut_at_span_end"] == 0
    a02 = {r["agent"]: r for r in doc["rows"]}["A02"]
    # A02: staffed 510 min, handling 5 + 0.5 = 5.5 min, available 120 + 90 + 60 + 45 + 60 = 375 min.
    assert a02["staffed_hours"] == pytest.approx(510 / 60)
    assert a02["occupancy"] == pytest.approx(5.5 / (5.5 + 375))
    assert a02["contacts_per_agent_hour"] == pytest.approx(1 / 8.5)
    a01 = {r["agent"]: r for r in doc["rows"]}["A01"]
    # A01 handling: chats 14:00-14:20 (20 min) + call 30 min + ACW 2 min = 52 min of a 510-min shift.
    assert a01["handling_hours"] == pytest.approx(52 / 60)
    assert a01["staffed_hours"] == pytest.approx(510 / 60)
    # Event shape gives the same report.
    events = cli_json(cli(*[generated["events"] if a == generated["states"] else a for a in args]))
    assert events["rows"] == doc["rows"]
    assert events["data_quality"]["states"]["shape"] == "events"

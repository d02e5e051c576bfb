"""The report's one period, stated once, and messages instead of silent empty reports."""

from __future__ import annotations

import json

from conftest import ROOT, cli_json

SAMPLE = ROOT / "sample_data" / "interactions.csv"


def test_a_period_with_no_contact_says_so(cli):
    result = cli("report", SAMPLE, "--from", "2024-03-20", "--tz", "America/New_York", "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)  # valid JSON
    assert doc["period"] == {"from": "2024-03-20", "to": None}
    assert doc["data_quality"]["contacts_in_report"] == 0
    message = " ".join(result.stderr.split())
    outside = doc["data_quality"]["outside_period"]
    assert outside > 6000
    assert (
        f"warning: no contact falls in the period 2024-03-20 onwards ({outside} contact(s) lie outside it; the data "
        "runs from 2024-03-04 to 2024-03-17)" in message
    )
    table = cli("report", SAMPLE, "--from", "2024-03-20", "--tz", "America/New_York")
    assert "2024-03-20 onwards" in table.stdout and "None" not in table.stdout
    # a period wholly before the data
    doc = cli_json(cli("report", SAMPLE, "--to", "2024-01-31", "-f", "json", "-q"))
    assert doc["period"] == {"from": None, "to": "2024-01-31"}


def test_a_header_only_file(cli, write_csv):
    path = write_csv("interaction_id,offered_at,answered_at,ended_at\n")
    result = cli("report", path, "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["period"] == {"from": None, "to": None}
    assert "warning: the input holds no valid contact" in result.stderr
    table = cli("report", path)
    assert "no contacts" in table.stdout and "None to None" not in table.stdout


def test_contacts_and_agent_time_share_one_period(cli, write_csv):
    """States running into the next week: the period covers them, so no row falls outside the stated period."""
    contacts = write_csv(
        "interaction_id,offered_at,answered_at,ended_at,agent_id\n"
        "1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:00Z,a1\n"
    )
    states = write_csv(
        "agent_id,state,started_at,ended_at\n"
        "a1,available,2024-03-04T08:00:00Z,2024-03-04T10:00:00Z\n"
        "a1,available,2024-03-11T08:00:00Z,2024-03-11T10:00:00Z\n"
    )
    roster = write_csv("agent_id,team\na1,Blue\n")
    doc = cli_json(cli("report", contacts, "--states", states, "--roster", roster, "--by", "week,team", "-f", "json"))
    assert [(r["week"], r["team"]) for r in doc["rows"]] == [("2024-03-04", "Blue"), ("2024-03-11", "Blue")]
    assert doc["period"] == {"from": "2024-03-04", "to": "2024-03-11"}
    assert doc["data_quality"]["data_span"] == {"from": "2024-03-04", "to": "2024-03-11"}
    # a state ending exactly at midnight does not reach into the next day
    states2 = write_csv("agent_id,state,started_at,ended_at\na1,available,2024-03-04T20:00:00Z,2024-03-05T00:00:00Z\n")
    doc = cli_json(cli("report", contacts, "--states", states2, "-f", "json", "-q"))
    assert doc["period"] == {"from": "2024-03-04", "to": "2024-03-04"}

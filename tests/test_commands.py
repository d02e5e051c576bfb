"""Every command that reads interactions takes every input option, through one request: fcr-windows and check
read a store, a preset, agent states and surveys exactly as report does."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, cli_json

FIXTURES = Path(__file__).parent / "fixtures" / "presets"
SAMPLE = ROOT / "sample_data"
FCR_KEYS = ("fcr_rate", "fcr_first_contacts", "fcr_censored", "repeat_rate")


def fcr_rows(doc: dict) -> list[dict]:
    return [{k: r[k] for k in ("window_hours", *FCR_KEYS)} for r in doc["rows"]]


def test_fcr_windows_reads_a_store_as_it_reads_the_files(cli, tmp_path):
    db = tmp_path / "s.db"
    assert cli("load", SAMPLE / "interactions.csv", "--db", db, "-q").exit_code == 0
    stored = cli_json(cli("fcr-windows", "--db", db, "--windows", "1,24", "-f", "json"))
    files = cli_json(cli("fcr-windows", SAMPLE / "interactions.csv", "--windows", "1,24", "-f", "json"))
    assert fcr_rows(stored) == fcr_rows(files)
    assert [r["window_hours"] for r in stored["rows"]] == [1.0, 24.0]
    rows = stored["data_quality"]["rows_read"]  # the stored current versions, the 4 rejected ones included
    assert stored["data_quality"]["files"] == [{"path": str(db), "format": "store", "records": rows, "rows": rows}]


def test_fcr_windows_reads_through_a_preset(cli):
    doc = cli_json(cli("fcr-windows", FIXTURES / "amazon-connect.csv", "--preset", "amazon-connect", "-f", "json"))
    assert doc["data_quality"]["rows_read"] > 0 and len(doc["rows"]) == 5
    report = cli_json(
        cli(
            "report",
            FIXTURES / "amazon-connect.csv",
            "--preset",
            "amazon-connect",
            "-f",
            "json",
            "--metrics",
            ",".join(FCR_KEYS),
        )
    )
    [at24] = [r for r in doc["rows"] if r["window_hours"] == 24.0]
    assert {k: at24[k] for k in FCR_KEYS} == {k: report["rows"][0][k] for k in FCR_KEYS}


def test_fcr_windows_takes_agent_states_and_a_roster(cli):
    doc = cli_json(
        cli(
            "fcr-windows",
            SAMPLE / "interactions.csv",
            "--states",
            SAMPLE / "agent_states.csv",
            "--roster",
            SAMPLE / "roster.csv",
            "--by",
            "team",
            "--windows",
            "24",
            "-f",
            "json",
        )
    )
    assert doc["group_by"] == ["window_hours", "team"]
    assert doc["data_quality"]["states"]["rows_read"] > 0
    assert {r["team"] for r in doc["rows"]} > {"(no agent)"}


@pytest.mark.parametrize("command", ["report", "check", "fcr-windows"])
def test_every_reading_command_has_every_input_option(cli, command):
    help_text = cli(command, "--help").stdout
    for option in (
        "--db",
        "--wait",
        "--mapping",
        "--preset",
        "--sheet",
        "--states",
        "--roster",
        "--surveys",
        "--denominator",
        "--tz",
        "--set",
        "--config",
        "--by",
        "--from",
        "--to",
        "--metrics",
    ):
        assert option in help_text, (command, option)

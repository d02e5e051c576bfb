"""csmetrics inspect: format, rows, columns, preset match, and a starter mapping that works."""

from __future__ import annotations

import json
import tomllib

import pytest
from conftest import cli_json

UNKNOWN = """\
Ticket No.,Call Date,Call Start,Waited (sec),Talk Duration,Agent Name,Team,Status
K1,2024-03-04,09:00:00,12,0:03:00,Ann,Billing,Answered
K2,2024-03-04,09:05:00,45,,,Billing,Abandoned
K3,2024-03-04,09:10:00,30,0:05:00,Bob,Billing,Answered
K4,2024-03-04,09:15:00,2,,,Billing,Abandoned
"""


def test_inspect_proposes_working_mapping_for_unknown_export(cli, write_csv, tmp_path):
    data = write_csv(UNKNOWN, name="export.csv")
    result = cli("inspect", data)
    assert result.exit_code == 0, result.stderr
    mapping = tomllib.loads(result.stdout)  # stdout is the mapping only
    cols = mapping["columns"]
    assert cols["interaction_id"] == "Ticket No."
    assert cols["offered_at"] == {"date": "Call Date", "time": "Call Start"}
    assert cols["wait_seconds"] == {"from": "Waited (sec)", "unit": "seconds"}
    assert cols["talk_seconds"] == {"from": "Talk Duration", "unit": "hms"}
    assert cols["outcome"]["values"] == {"Abandoned": "abandoned", "Answered": "answered"}
    assert "csv, 4 rows" in result.stderr
    assert "missing hold_seconds" in result.stderr
    path = tmp_path / "starter.toml"
    path.write_text(result.stdout, encoding="utf-8")
    doc = cli_json(cli("report", data, "--mapping", path, "--by", "agent", "-f", "json", "-q"))
    rows = {r["agent"]: r for r in doc["rows"]}
    # K1 Ann answered after 12 s, talk 3:00; K3 Bob after 30 s, talk 5:00;
    # K2 abandoned after 45 s (no agent); K4 abandoned after 2 s = short abandon
    assert (rows["Ann"]["asa_seconds"], rows["Ann"]["aht_seconds"]) == (12.0, 180.0)
    assert (rows["Bob"]["asa_seconds"], rows["Bob"]["aht_seconds"]) == (30.0, 300.0)
    assert (rows["(no agent)"]["abandoned"], rows["(no agent)"]["short_abandoned"]) == (1, 1)
    [total] = cli_json(cli("report", data, "--mapping", path, "-f", "json", "-q"))["rows"]
    # offered 3 (short abandon out); ASA (12+30)/2 = 21; AHT (180+300)/2 = 240; SL 1/3 (K1 within 20 s)
    assert (total["offered"], total["asa_seconds"], total["aht_seconds"]) == (3, 21.0, 240.0)
    assert total["service_level"] == pytest.approx(1 / 3)


def test_inspect_json_document(cli, write_csv):
    data = write_csv(UNKNOWN, name="export.csv")
    result = cli("inspect", data, "--format", "json", "-q")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["format"], doc["rows"]) == ("csv", 4)
    assert [c["name"] for c in doc["columns"]][:2] == ["Ticket No.", "Call Date"]
    assert doc["columns"][7]["samples"] == ["Abandoned", "Answered"]
    assert not any(p["matches"] for p in doc["presets"])
    assert "transferred" in doc["missing"]
    assert tomllib.loads(doc["mapping"])["columns"]["queue"] == "Team"


def test_inspect_missing_file(cli, tmp_path):
    result = cli("inspect", tmp_path / "nope.csv")
    assert result.exit_code == 3


def test_inspect_warns_about_repeating_ids(cli, write_csv):
    data = write_csv(UNKNOWN.replace("K3,", "K1,"), name="export.csv")
    result = cli("inspect", data, "--format", "json", "-q")
    notes = json.loads(result.stdout)["notes"]
    assert any("Ticket No. repeats (4 values, 3 distinct)" in n for n in notes)

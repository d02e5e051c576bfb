"""csmetrics inspect: format, rows, columns, preset match, and a starter mapping that works."""

from __future__ import annotations

import json
import tomllib

import pytest
from conftest import REAL_DATA, cli_json

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


def test_inspect_previews_the_report_its_mapping_gives(cli, write_csv):
    # K1 answered after 12 s, K3 after 30 s; K2 abandoned after 45 s; K4 after 2 s (a short abandon, not offered):
    # offered 3, answered 2, abandon rate 1/3, service level (20 s, over offered) 1/3
    data = write_csv(UNKNOWN, name="export.csv")
    result = cli("inspect", data, "--format", "json")
    assert result.stderr == ""  # -f json: one document on stdout, nothing else
    preview = json.loads(result.stdout)["preview"]
    assert (preview["rows"], preview["offered"], preview["answered"], preview["abandoned"]) == (4, 3, 2, 1)
    assert preview["abandon_rate"] == pytest.approx(1 / 3) and preview["service_level"] == pytest.approx(1 / 3)
    assert (preview["duplicates_merged"], preview["rejected"]) == (0, 0)
    text = cli("inspect", data).stderr
    assert "preview (this mapping on all 4 rows): offered 3, answered 2, abandon rate 33.33%" in text


def test_inspect_preview_names_what_stops_the_mapping(cli, write_csv):
    data = write_csv("Start,Comment\n2024-03-04 09:00:00,good\n2024-03-04 10:00:00,bad\n", name="answers.csv")
    preview = json.loads(cli("inspect", data, "-f", "json").stdout)["preview"]
    assert "columns.interaction_id and columns.offered_at are required" in preview["error"]
    assert "preview: the mapping does not run yet" in cli("inspect", data).stderr


def test_inspect_missing_file(cli, tmp_path):
    result = cli("inspect", tmp_path / "nope.csv")
    assert result.exit_code == 3


def test_inspect_warns_about_repeating_ids(cli, write_csv):
    # the same call exported twice: no other column tells the two rows apart
    data = write_csv(UNKNOWN + UNKNOWN.splitlines()[1] + "\n", name="export.csv")
    result = cli("inspect", data, "--format", "json", "-q")
    doc = json.loads(result.stdout)
    assert any("Ticket No. repeats on 1 of 5 rows (20.0%)" in n for n in doc["notes"])
    # still the id (no other column makes it unique), but never without a word in the mapping itself
    assert 'interaction_id = "Ticket No."   # CHECK: not unique (20.0% of rows repeat an id)' in doc["mapping"]


def test_inspect_joins_an_id_that_repeats_to_the_column_that_makes_it_unique(cli, write_csv, tmp_path):
    data = write_csv(
        "line,call_id,date,time,wait,talk,outcome\n"
        "A,1,240304,09:00:00,10,60,AGENT\n"
        "B,1,240304,09:01:00,20,60,AGENT\n"
        "A,2,240304,09:02:00,30,0,HANG\n",
        name="calls.csv",
    )
    result = cli("inspect", data, "-f", "json")
    doc = json.loads(result.stdout)
    assert 'interaction_id = { from = ["line", "call_id"], separator = "-" }' in doc["mapping"]
    assert any("call_id repeats on 1 of 3 rows (33.3%); line & call_id is unique" in n for n in doc["notes"])
    mapping = tmp_path / "m.toml"
    mapping.write_text(doc["mapping"], encoding="utf-8")
    report = cli_json(cli("report", data, "--mapping", mapping, "-f", "json", "-q"))
    assert report["data_quality"]["duplicates_superseded"] == 0
    assert report["rows"][0]["answered"] == 2


def test_inspect_reads_day_first_dates_and_says_why(cli, write_csv, tmp_path):
    data = write_csv(
        "Call ID,Start Time,Answered At,End Time,Queue\n"
        "A1,04/03/2024 13:03,04/03/2024 13:04,04/03/2024 13:10,billing\n"
        "A2,14/03/2024 09:00,,14/03/2024 09:02,billing\n",
        name="eu.csv",
    )
    doc = json.loads(cli("inspect", data, "-f", "json").stdout)
    assert (
        'offered_at = { from = "Start Time", format = "%d/%m/%Y %H:%M" }   # day first: 14 cannot be a month'
        in (doc["mapping"])
    )
    assert "outcome" not in doc["proposed"]  # answered_at is a time, not an outcome column
    mapping = tmp_path / "m.toml"
    mapping.write_text(doc["mapping"], encoding="utf-8")
    rows = cli_json(cli("report", data, "--mapping", mapping, "-f", "json", "-q", "--by", "day"))["rows"]
    assert [(r["day"][:10], r["offered"], r["answered"]) for r in rows] == [("2024-03-04", 1, 1), ("2024-03-14", 1, 0)]


def test_inspect_month_first_when_the_second_number_passes_12(cli, write_csv):
    data = write_csv("id,start,end\n1,03/14/2024 09:00:00,03/14/2024 09:05:00\n", name="us.csv")
    doc = json.loads(cli("inspect", data, "-f", "json").stdout)
    assert doc["proposed"]["offered_at"] == "start (%m/%d/%Y %H:%M:%S)"


def test_inspect_proposes_placeholders_as_empty(cli, write_csv):
    data = write_csv(
        "call_id,start,end,agent,customer\n"
        "1,2024-03-04 09:00:00,2024-03-04 09:05:00,DORIT,c1\n"
        "2,2024-03-04 09:10:00,2024-03-04 09:15:00,NO_SERVER,0\n"
        "3,2024-03-04 09:20:00,2024-03-04 09:25:00,-,NULL\n",
        name="p.csv",
    )
    doc = json.loads(cli("inspect", data, "-f", "json").stdout)
    assert 'agent_id = { from = "agent", values = { "-" = "", "NO_SERVER" = "" } }' in doc["mapping"]
    assert 'customer_id = { from = "customer", values = { "0" = "", "NULL" = "" } }' in doc["mapping"]


SURVEYS = REAL_DATA / "preppin_data_nps"


@pytest.mark.skipif(not SURVEYS.is_dir(), reason="shared real data not present")
def test_inspect_recognises_survey_questions_and_keeps_free_text_out_of_ids(cli):
    sud = json.loads(cli("inspect", SURVEYS / "sudzilla_survey.csv", "-f", "json").stdout)
    assert sud["proposed"]["nps"] == "On a scale of 0-10, how would you rate Sudzilla?"
    assert "customer_id" not in sud["proposed"]  # "...customer speaker) session?" is a question, not an id
    air = json.loads(cli("inspect", SURVEYS / "prep_air_responses.csv", "-f", "json").stdout)
    assert air["proposed"]["nps"] == "How likely are you to recommend this airline?"
    assert air["proposed"]["customer_id"] == "CustomerID"


def test_inspect_reads_a_windows_1252_export_with_encoding_and_names_the_option_without(cli, tmp_path):
    data = tmp_path / "w.csv"
    data.write_bytes(
        b"Call ID,Start,End,Queue\n"
        b"A1,2024-03-04 09:00:00,2024-03-04 09:05:00,caf\xe9 \x80\n"
        b"A2,2024-03-04 09:10:00,2024-03-04 09:15:00,billing\n"
    )
    refused = cli("inspect", data)
    assert refused.exit_code == 3
    assert "line 2: byte 0xE9 (é in Windows-1252) is not UTF-8 text" in refused.stderr
    assert "--encoding cp1252" in refused.stderr
    doc = json.loads(cli("inspect", data, "--encoding", "cp1252", "-f", "json").stdout)
    assert doc["columns"][3]["samples"] == ["billing", "café €"]
    assert (doc["preview"]["offered"], doc["preview"]["rows"]) == (2, 2)

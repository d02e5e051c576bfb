"""Out-of-range survey answers reject only the answer (never the contact), and data_quality explains every
interaction row, survey row and survey answer read. Every figure hand-computed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import cli_json, run
from jsonschema import Draft202012Validator

from csmetrics.definitions.config import resolve

QUEUE_KEYS = ("offered", "answered", "abandoned", "service_level", "asa_seconds", "aht_seconds", "avg_talk_seconds")

# Three answered contacts (10 s wait, 50 s talk): csat 7; csat 3 with nps 11; csat 4.
REPRO = (
    "interaction_id,offered_at,answered_at,ended_at,customer_id,csat,nps\n"
    "1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:00Z,c1,7,\n"
    "2,2024-03-04T09:30:00Z,2024-03-04T09:30:10Z,2024-03-04T09:31:00Z,c1,3,11\n"
    "3,2024-03-04T10:00:00Z,2024-03-04T10:00:10Z,2024-03-04T10:01:00Z,c2,4,\n"
)


def test_csat_scale_no_longer_changes_queue_metrics(write_csv, cli, tmp_path):
    path = write_csv(REPRO)
    rej = tmp_path / "rej.csv"
    default = cli("report", path, "--format", "json", "--rejects", rej)
    doc = cli_json(default)
    [r] = doc["rows"]
    # every contact stays: offered 3, answered 3, all within 10 s; AHT = 50 s talk + 0 hold + 0 acw
    assert (r["offered"], r["answered"], r["asa_seconds"], r["aht_seconds"]) == (3, 3, 10.0, 50.0)
    # 1-5 scale: csat 7 rejected, 3 and 4 count (4 >= 4 satisfied) -> 1/2; nps 11 rejected -> no nps answer
    assert (r["csat_responses"], r["csat"], r["csat_mean"]) == (2, 0.5, 3.5)
    assert r["nps_responses"] == 0
    q = doc["data_quality"]
    assert q["rejected"] == {
        "total": 2,
        "by_reason": {"csat_out_of_range": 1, "nps_out_of_range": 1},
        "contacts": 0,
        "answers": 2,
        "survey_rows": 0,
    }
    assert q["contacts"] == 3
    assert (
        q["rows_read"]
        == q["contacts"] + q["rejected"]["contacts"] + q["duplicates_merged"] + q["duplicates_superseded"]
    )
    # answers read on interaction rows: 7, 3, 11, 4 = 4; used 3 and 4; rejected 7 and 11
    assert q["answers"] == {
        "read": 4,
        "used": 2,
        "rejected": {"total": 2, "by_reason": {"csat_out_of_range": 1, "nps_out_of_range": 1}},
        "not_counted": {"total": 0, "by_reason": {}},
    }
    assert "warning: 2 survey answer(s) rejected (their contacts kept)" in default.stderr
    got = list(csv.DictReader(io.StringIO(rej.read_text())))
    assert [(g["line"], g["reject_reason"], g["interaction_id"], g["csat"], g["nps"]) for g in got] == [
        ("2", "csat_out_of_range", "1", "7", ""),
        ("3", "nps_out_of_range", "2", "3", "11"),
    ]
    assert all(g["source_file"] == str(path) for g in got)

    wide = cli_json(
        cli("report", path, "--format", "json", "--set", "csat.scale_max=10", "--set", "csat.satisfied_min=7")
    )
    [w] = wide["rows"]
    # the queue figures are the same under either scale
    assert {k: w[k] for k in QUEUE_KEYS} == {k: r[k] for k in QUEUE_KEYS}
    # 1-10 scale: 7, 3, 4 all valid; satisfied >= 7: only 7 -> 1/3; mean 14/3
    assert (w["csat_responses"], w["csat"], w["csat_mean"]) == (3, pytest.approx(1 / 3), pytest.approx(14 / 3))
    assert wide["data_quality"]["rejected"]["by_reason"] == {"nps_out_of_range": 1}


def test_contact_with_bad_answer_stays_in_fcr(write_csv):
    path = write_csv(REPRO)
    definitions = resolve(assignments={"fcr.window_hours": 0.5})
    rows = run([path], definitions=definitions, metrics=["repeat_rate", "fcr_censored"]).rows.to_dicts()
    # Span 09:00..10:00, window 30 min. c1: contact 1 at 09:00 (csat 7 out of range) has its look-back before the
    # span: censored. Contact 2 at 09:30 (look-back from 09:00, inside) follows 1 by 30 min <= 30: a repeat, so
    # contact 1 took part in FCR despite its rejected answer. c2's contact 3 at 10:00 has its look-ahead past the
    # span: censored, but its look-back is complete, so it is in the repeat rate's base: 1 / 2.
    assert rows == [{"repeat_rate": 0.5, "fcr_censored": 2}]


def test_both_answers_out_of_range_two_rejects(write_csv, tmp_path, cli):
    path = write_csv(
        "interaction_id,offered_at,answered_at,ended_at,csat,nps\n"
        "1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:00Z,0,-3\n"
    )
    rej = tmp_path / "rej.json"
    doc = cli_json(cli("report", path, "--format", "json", "--rejects", rej))
    assert doc["rows"][0]["offered"] == 1
    assert doc["data_quality"]["rejected"]["answers"] == 2
    lines = rej.read_text().splitlines()
    assert len(lines) == 2  # one record per rejected answer, both on line 2 (csat first)
    assert '"reject_reason":"csat_out_of_range"' in lines[0] and '"line":2' in lines[0]
    assert '"reject_reason":"nps_out_of_range"' in lines[1] and '"line":2' in lines[1]
    # --strict counts rejected answers like any reject
    assert cli("report", path, "--strict").exit_code == 3


HEAD = "interaction_id,offered_at,answered_at,ended_at,direction,csat,nps\n"
D4 = "2024-03-04T09:0{m}:00Z,2024-03-04T09:0{m}:10Z,2024-03-04T09:0{m}:50Z"
INTERACTIONS = (
    HEAD
    + "\n".join(
        [
            f"1,{D4.format(m=1)},inbound,5,",  # line 2: csat 5 replaced by the survey's 2
            f"2,{D4.format(m=2)},inbound,4,11",  # line 3: csat 4 used, nps 11 rejected
            "3,2024-03-04T09:03:00Z,,2024-03-04T09:04:00Z,inbound,1,",  # line 4: abandoned after 60 s
            f"4,{D4.format(m=4)},outbound,,9",  # line 5: outbound
            "5,2024-03-05T09:00:00Z,2024-03-05T09:00:10Z,2024-03-05T09:00:50Z,inbound,3,",  # line 6: day 05, outside --to
            "6,2024-03-04T09:06:00Z,,,inbound,,",  # line 7: in progress
            f"7,{D4.format(m=7)},inbound,9,99",  # line 8: both answers out of range
            f"8,{D4.format(m=8)},inbound,2,",  # line 9: csat 2 (the survey's 12 is rejected)
            "9,2024-03-04T09:09:00Z,2024-03-04T09:08:00Z,,inbound,99,",  # line 10: answered before offered: contact rejected
            "6,2024-03-04T09:06:00Z,,,inbound,,",  # line 11: identical copy of 6: merged
        ]
    )
    + "\n"
)
SURVEYS = (
    "interaction_id,csat,nps\n"
    "1,2,10\n"  # line 2: used (both answers)
    "3,5,9\n"  # line 3: abandoned contact: not counted (2 answers)
    "4,,9\n"  # line 4: outbound: not counted
    "5,4,\n"  # line 5: outside the period: not counted
    "6,5,\n"  # line 6: in progress: not counted
    "99,5,5\n"  # line 7: survey_without_contact
    ",5,\n"  # line 8: missing_interaction_id
    "2,5,5\n"  # line 9: survey_duplicate (line 10 answers for 2 later)
    "2,,7\n"  # line 10: used: nps 7
    "8,12,3\n"  # line 11: used: csat 12 rejected, nps 3 counts
    "9,5,5\n"  # line 12: contact 9 was rejected: survey_without_contact
)


def test_data_quality_explains_every_row_and_answer_with_surveys(write_csv, cli, tmp_path):
    data = write_csv(INTERACTIONS)
    surveys = write_csv(SURVEYS, "surveys.csv")
    rej = tmp_path / "rej.csv"
    result = cli(
        "report",
        data,
        "--surveys",
        surveys,
        "--from",
        "2024-03-04",
        "--to",
        "2024-03-04",
        "--format",
        "json",
        "--rejects",
        rej,
    )
    doc = cli_json(result)
    [r] = doc["rows"]
    # answered in the report: 1, 2, 7, 8. csat: 1 -> 2 (survey), 2 -> 4, 7 -> none, 8 -> 2 (the interaction's,
    # since the survey's 12 is rejected): 3 responses, satisfied (>= 4) 1 -> 1/3, mean (2 + 4 + 2) / 3
    assert (r["csat_responses"], r["csat"], r["csat_mean"]) == (3, pytest.approx(1 / 3), pytest.approx(8 / 3))
    # nps: 1 -> 10, 2 -> 7 (line 10), 8 -> 3: one each of promoter, passive, detractor -> 0
    assert (r["nps_responses"], r["promoters"], r["passives"], r["detractors"], r["nps"]) == (3, 1, 1, 1, 0.0)
    assert (r["offered"], r["answered"]) == (5, 4)  # 1, 2, 3, 7, 8; 7 stays despite its two bad answers

    q = doc["data_quality"]
    # interaction rows: 10 read = 8 contacts + 1 rejected contact (9) + 1 merged copy (6)
    assert (q["rows_read"], q["contacts"], q["rejected"]["contacts"], q["duplicates_merged"]) == (10, 8, 1, 1)
    assert (
        q["rows_read"]
        == q["contacts"] + q["rejected"]["contacts"] + q["duplicates_merged"] + q["duplicates_superseded"]
    )
    # rejected: contact 9; answers 2.nps, 7.csat, 7.nps, survey line 11 csat; survey rows 7, 8, 9, 12
    assert q["rejected"] == {
        "total": 9,
        "by_reason": {
            "answered_before_offered": 1,
            "csat_out_of_range": 2,
            "missing_interaction_id": 1,
            "nps_out_of_range": 2,
            "survey_duplicate": 1,
            "survey_without_contact": 2,
        },
        "contacts": 1,
        "answers": 4,
        "survey_rows": 4,
    }
    rej_q = q["rejected"]
    assert (
        rej_q["total"]
        == sum(rej_q["by_reason"].values())
        == rej_q["contacts"] + rej_q["answers"] + rej_q["survey_rows"]
    )
    # answers on valid contacts' interaction rows: 1.csat 2.csat 2.nps 3.csat 4.nps 5.csat 7.csat 7.nps 8.csat = 9
    assert q["answers"] == {
        "read": 9,
        "used": 2,  # 2.csat, 8.csat
        "rejected": {"total": 3, "by_reason": {"csat_out_of_range": 1, "nps_out_of_range": 2}},
        "not_counted": {
            "total": 4,
            "by_reason": {"abandoned": 1, "outbound": 1, "outside_period": 1, "replaced_by_survey": 1},
        },
    }
    s = q["surveys"]
    # 11 survey rows = 3 used (lines 2, 10, 11) + 4 rejected + 4 not counted
    assert s["rows_read"] == 11
    assert s["rows_read"] == s["used"] + s["rejected"]["total"] + s["not_counted"]["total"]
    assert s["used"] == 3
    assert s["rejected"] == {
        "total": 4,
        "by_reason": {"missing_interaction_id": 1, "survey_duplicate": 1, "survey_without_contact": 2},
    }
    assert s["not_counted"] == {
        "total": 4,
        "by_reason": {"abandoned": 1, "in_progress": 1, "outbound": 1, "outside_period": 1},
    }
    # answers of the 7 rows not rejected: 2 + 2 + 1 + 1 + 1 + 1 + 2 = 10
    assert s["answers"] == {
        "read": 10,
        "used": 4,  # line 2 csat + nps, line 10 nps, line 11 nps
        "rejected": {"total": 1, "by_reason": {"csat_out_of_range": 1}},
        "not_counted": {
            "total": 5,
            "by_reason": {"abandoned": 2, "in_progress": 1, "outbound": 1, "outside_period": 1},
        },
    }
    # every used answer is a response: 2 + 4 = 3 csat + 3 nps responses
    assert q["answers"]["used"] + s["answers"]["used"] == r["csat_responses"] + r["nps_responses"]
    assert "4 survey row(s) not counted" in result.stderr
    schema = json.loads((Path(__file__).parent.parent / "docs" / "report.schema.json").read_text())
    Draft202012Validator(schema).validate(doc)

    got = list(csv.DictReader(io.StringIO(rej.read_text())))
    assert [(g["source_file"].rsplit("/", 1)[-1], g["line"], g["reject_reason"]) for g in got] == [
        (data.name, "3", "nps_out_of_range"),
        (data.name, "8", "csat_out_of_range"),
        (data.name, "8", "nps_out_of_range"),
        (data.name, "10", "answered_before_offered"),
        ("surveys.csv", "7", "survey_without_contact"),
        ("surveys.csv", "8", "missing_interaction_id"),
        ("surveys.csv", "9", "survey_duplicate"),
        ("surveys.csv", "11", "csat_out_of_range"),
        ("surveys.csv", "12", "survey_without_contact"),
    ]


def test_without_surveys_no_surveys_object(write_csv):
    path = write_csv(REPRO)
    q = run([path]).data_quality
    assert "surveys" not in q
    assert q["answers"]["read"] == 4

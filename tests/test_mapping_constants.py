"""Columns a mapping sets itself: ``value = "..."`` (the same on every row) and ``record = true`` (the record's
number), so a survey file with no date or no id can be reported; and inspect's starter mapping for such files."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import REAL_DATA, cli_json

SURVEYS = REAL_DATA / "preppin_data_nps"


def test_a_constant_date_and_the_record_number_read_a_survey_file(cli, write_csv, tmp_path):
    # three answers, no id, no date: NPS = (1 promoter - 1 detractor) / 3 = 0; CSAT: 4 and 5 of scale 1-5 satisfied
    data = write_csv("score,stars\n9,5\n7,4\n3,2\n", name="survey.csv")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        "[columns]\n"
        "interaction_id = { record = true }\n"
        'offered_at = { value = "2024-03-04 09:00:00" }\n'
        "wait_seconds = { value = 0 }\n"
        'answered_at = { derive = ["offered_at", "wait_seconds"] }\n'
        'queue = { value = "survey" }\n'
        'nps = "score"\n'
        'csat = "stars"\n',
        encoding="utf-8",
    )
    doc = cli_json(cli("report", data, "--mapping", mapping, "-f", "json", "-q", "--by", "day,queue"))
    [row] = doc["rows"]
    assert (row["day"][:10], row["queue"], row["offered"], row["answered"]) == ("2024-03-04", "survey", 3, 3)
    assert (row["nps_responses"], row["promoters"], row["detractors"], row["nps"]) == (3, 1, 1, 0.0)
    assert row["csat"] == pytest.approx(2 / 3)
    assert doc["data_quality"]["duplicates_superseded"] == 0  # each record its own id (lines 2, 3, 4)


def test_a_constant_outcome_and_a_bad_constant_are_checked_like_a_column(cli, write_csv, tmp_path):
    data = write_csv("id,at\na,2024-03-04 09:00:00\nb,2024-03-04 09:10:00\n", name="calls.csv")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\ninteraction_id = "id"\noffered_at = "at"\noutcome = { value = "abandoned" }\n', encoding="utf-8"
    )
    [row] = cli_json(cli("report", data, "--mapping", mapping, "-f", "json", "-q"))["rows"]
    # abandoned with no wait known: a wait of 0, a short abandon under the default 5 s
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (0, 0, 2)
    mapping.write_text(
        '[columns]\ninteraction_id = "id"\noffered_at = { value = "yesterday" }\nended_at = "at"\n', encoding="utf-8"
    )
    bad = cli("report", data, "--mapping", mapping)
    assert bad.exit_code == 3 and "yesterday" in bad.stderr and "offered_at" in bad.stderr
    mapping.write_text(
        '[columns]\ninteraction_id = "id"\noffered_at = { value = "2024-03-04", from = "at" }\nended_at = "at"\n',
        encoding="utf-8",
    )
    both = cli("report", data, "--mapping", mapping)
    assert both.exit_code == 2 and "give exactly one of" in both.stderr
    mapping.write_text(
        '[columns]\ninteraction_id = "id"\noffered_at = { record = true }\nended_at = "at"\n', encoding="utf-8"
    )
    assert "record = true" in cli("report", data, "--mapping", mapping).stderr


@pytest.mark.skipif(not SURVEYS.is_dir(), reason="shared real data not present")
@pytest.mark.parametrize(
    ("name", "question"),
    [
        ("prep_air_responses.csv", "How likely are you to recommend this airline?"),
        ("sudzilla_survey.csv", "On a scale of 0-10, how would you rate Sudzilla?"),
    ],
)
def test_inspect_starter_mapping_reports_a_survey_file_without_edits(cli, tmp_path, name, question):
    path = SURVEYS / name
    with path.open(newline="", encoding="utf-8") as f:
        answers = [int(r[question]) for r in csv.DictReader(f)]
    # independent figure: plain Python counting, as the Preppin' Data tasks define NPS
    expected = 100 * (sum(a >= 9 for a in answers) - sum(a <= 6 for a in answers)) / len(answers)
    result = cli("inspect", path, "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["preview"]["nps"] == pytest.approx(expected)
    mapping = tmp_path / "m.toml"
    mapping.write_text(doc["mapping"], encoding="utf-8")
    [row] = cli_json(cli("report", path, "--mapping", mapping, "-f", "json", "-q"))["rows"]
    assert (row["nps_responses"], row["offered"]) == (len(answers), len(answers))
    assert row["nps"] == pytest.approx(expected)

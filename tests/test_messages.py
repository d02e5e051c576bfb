"""Messages that say how to fix: an empty file, a misspelt header, data on another sheet, a file of another kind."""

from __future__ import annotations

import pytest
from conftest import HEADER, cli_json
from xlsx_writer import write_xlsx

from csmetrics.inputs import hints

ROW = "1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,voice,inbound,a,x1,c1,r,,,,"


def test_an_empty_or_blank_file_is_called_empty(cli, tmp_path):
    for name, text in (("empty.csv", ""), ("blank.csv", "\n  \n\n")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = cli("report", path)
        assert result.exit_code == 3
        assert f"{path}: the file is empty" in result.stderr
        assert "column0" not in result.stderr


def test_a_misspelt_header_names_the_closest_canonical_column(cli, write_csv):
    path = write_csv(f"{HEADER.replace('offered_at', 'offerd_at')}\n{ROW}\n")
    result = cli("report", path)
    assert result.exit_code == 3
    assert "missing required column(s) offered_at" in result.stderr
    assert "'offerd_at' looks like offered_at" in result.stderr
    assert '[columns] offered_at = "offerd_at"' in result.stderr
    assert f"csmetrics inspect {path}" in result.stderr and "--mapping" in result.stderr
    # nothing looks like interaction_id here: no guess is made
    path = write_csv(f"{HEADER.replace('interaction_id', 'zzz')}\n{ROW}\n")
    assert "looks like interaction_id" not in cli("report", path).stderr


def test_a_file_of_another_kind_is_named(cli, tmp_path):
    states = tmp_path / "states.csv"
    states.write_text("agent_id,state,started_at,ended_at\na1,available,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z\n")
    assert "this looks like an agent state log: give it with --states" in cli("report", states).stderr
    surveys = tmp_path / "surveys.csv"
    surveys.write_text("interaction_id,csat\n1,5\n", encoding="utf-8")
    assert "this looks like a survey file: give it with --surveys" in cli("report", surveys).stderr


def test_data_on_another_sheet_lists_the_sheets_and_points_to_sheet(cli, tmp_path):
    header = HEADER.split(",")
    book = write_xlsx(
        tmp_path / "calls.xlsx",
        {"Report": [["Report", "Q1 calls"], ["by queue", 3]], "Calls": [header, ROW.split(",")]},
    )
    result = cli("report", book)
    assert result.exit_code == 3
    assert "(found: Report, Q1 calls)" in result.stderr
    assert "read the first sheet; the workbook has sheets: Report, Calls (choose one with --sheet)" in result.stderr
    assert cli("report", book, "--sheet", "Calls", "-q", "-f", "json").exit_code == 0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["04/03/2024 13:03", "14/03/2024 13:03"], ("%d/%m/%Y %H:%M", "day first: 14 cannot be a month")),
        (["03/14/2024 13:03:05"], ("%m/%d/%Y %H:%M:%S", "month first: 14 cannot be a month")),
        (["04.03.24"], ("%d.%m.%y", "day first assumed")),
        (["12/12/2024"], ("%d/%m/%Y", "day first assumed")),  # 12 is still a month: no proof either way
        (["13/14/2024"], None),  # neither order is a date
        (["2024-03-04 09:00", "04/03/2024"], None),  # not all of that shape
    ],
)
def test_day_or_month_first_is_decided_from_the_values(values, expected):
    got = hints.date_order(values)
    if expected is None:
        assert got is None
    else:
        assert got[0] == expected[0] and got[1].startswith(expected[1])


def test_a_european_date_that_fails_shows_the_mapping_line_that_reads_it(cli, write_csv, tmp_path):
    eu = ROW.replace("2024-03-04T09:00:00Z", "14/03/2024 09:00").replace("2024-03-04T09:00:10Z", "14/03/2024 09:01")
    eu = eu.replace("2024-03-04T09:05:10Z", "14/03/2024 09:05")
    path = write_csv(f"{HEADER}\n{eu}\n")
    result = cli("report", path)
    assert result.exit_code == 3
    line = 'offered_at = { from = "offered_at", format = "%d/%m/%Y %H:%M" }'
    assert line in result.stderr and "day first: 14 cannot be a month" in result.stderr
    # the mapping it shows reads the file
    mapping = tmp_path / "eu.toml"
    mapping.write_text(
        '[columns]\ninteraction_id = "interaction_id"\n'
        + "\n".join(line.replace("offered_at", c) for c in ("offered_at", "answered_at", "ended_at")),
        encoding="utf-8",
    )
    doc = cli_json(cli("report", path, "--mapping", mapping, "-f", "json", "-q", "--by", "day"))
    assert [(r["day"][:10], r["answered"]) for r in doc["rows"]] == [("2024-03-14", 1)]

"""Messages that say how to fix: an empty file, a misspelt header, data on another sheet, a file of another kind."""

from __future__ import annotations

from conftest import HEADER
from xlsx_writer import write_xlsx

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
    assert "csmetrics inspect FILE" in result.stderr and "--mapping" in result.stderr
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

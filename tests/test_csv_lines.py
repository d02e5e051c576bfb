"""Physical lines for CSV files read straight from their reader (issue 14): an export read through a mapping,
surveys, the complaint denominator and a roster. A value spanning lines, blank lines between records or before
the header never shift the line a message (or a --rejects row) names."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from csmetrics.inputs import csvfiles
from csmetrics.inputs.files import POSITIONS, positioned_reader

MAPPING = '[columns]\ninteraction_id = "id"\noffered_at = "start"\nended_at = "end"\n'
HEADER = "id,start,end,note"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mapping(tmp_path: Path) -> Path:
    return write(tmp_path, "m.toml", MAPPING)


def test_a_mapped_value_after_a_multi_line_field_names_its_physical_line(cli, tmp_path):
    # the repro: record 3 is on line 5 (record 1 spans lines 2-3)
    data = write(
        tmp_path,
        "ml.csv",
        'id,start,end,note\n1,2024-03-04 09:00:00,2024-03-04 09:05:00,"two\nlines"\n'
        "2,2024-03-04 09:10:00,2024-03-04 09:15:00,x\n3,notatime,2024-03-04 09:25:00,y\n",
    )
    r = cli("report", data, "-m", mapping(tmp_path))
    assert r.exit_code == 3, r.stderr
    assert "line 5: columns.offered_at (export column 'start') cannot read 'notatime'" in r.stderr, r.stderr


def test_a_mapped_file_with_blank_lines_before_the_header_counts_them(cli, tmp_path):
    # lines 1-2 blank, header on line 3, records on lines 4 and 5 (one line each: no line map needed)
    data = write(
        tmp_path,
        "blank.csv",
        f"\n\n{HEADER}\n1,2024-03-04 09:00:00,2024-03-04 09:05:00,x\n2,later,2024-03-04 09:15:00,y\n",
    )
    r = cli("report", data, "-m", mapping(tmp_path))
    assert r.exit_code == 3 and "line 5: columns.offered_at" in r.stderr, r.stderr


def test_a_mapped_file_with_blank_lines_between_records_names_the_line(cli, tmp_path):
    data = write(
        tmp_path,
        "gaps.csv",
        f"{HEADER}\n1,2024-03-04 09:00:00,2024-03-04 09:05:00,x\n\n\n2,later,2024-03-04 09:15:00,y\n",
    )
    r = cli("report", data, "-m", mapping(tmp_path))
    assert r.exit_code == 3 and "line 5: columns.offered_at" in r.stderr, r.stderr


def test_a_rejected_row_of_a_mapped_file_has_its_physical_line_in_the_rejects_file(cli, tmp_path):
    # lines: 1-2 blank, 3 header, 4-5 record 1, 6 blank, 7 record 2, 8 record 3 (ends before it is offered)
    data = write(
        tmp_path,
        "rj.csv",
        f'\n\n{HEADER}\n1,2024-03-04 09:00:00,2024-03-04 09:05:00,"two\nlines"\n\n'
        "2,2024-03-04 09:10:00,2024-03-04 09:15:00,x\n3,2024-03-04 09:30:00,2024-03-04 09:25:00,y\n",
    )
    rejects = tmp_path / "rejects.csv"
    r = cli("report", data, "-m", mapping(tmp_path), "--rejects", rejects, "-f", "json", "-q")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(rejects.read_text(encoding="utf-8").splitlines()))
    assert [(row["line"], row["interaction_id"], row["reject_reason"]) for row in rows] == [
        ("8", "3", "ended_before_offered")
    ]


def test_a_mapped_record_that_does_not_parse_is_named_by_its_line(cli, tmp_path):
    data = write(
        tmp_path,
        "bad.csv",
        f'{HEADER}\n1,2024-03-04 09:00:00,2024-03-04 09:05:00,"two\nlines"\n2,2024-03-04 09:10:00,x,y,z\n',
    )
    r = cli("report", data, "-m", mapping(tmp_path))
    assert r.exit_code == 3 and "line 4: 5 fields where the header has 4" in r.stderr, r.stderr


def interactions(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "i.csv",
        "interaction_id,queue,offered_at,answered_at,ended_at\n"
        "a1,q,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:00Z\n",
    )


def test_a_survey_value_after_a_multi_line_field_names_its_physical_line(cli, tmp_path):
    # line 1 header, lines 2-4 one answer whose comment spans three lines, line 5 the bad answer
    surveys = write(tmp_path, "sv.csv", 'interaction_id,csat,comment\na1,4,"very\ngood\nservice"\na1,x,ok\n')
    r = cli("report", interactions(tmp_path), "--surveys", surveys, "-f", "json")
    assert r.exit_code == 3 and "sv.csv, line 5, column csat: cannot read 'x'" in r.stderr, r.stderr


def test_a_roster_row_after_a_multi_line_field_names_its_physical_line(cli, tmp_path):
    # agent a on line 2 (its team spans lines 2-3), b on line 4, a again on line 5
    roster = write(tmp_path, "ro.csv", 'agent_id,team\na,"Team\nOne"\nb,Two\na,Three\n')
    r = cli("report", interactions(tmp_path), "--roster", roster, "-f", "json")
    assert r.exit_code == 3 and "lines 2, 5: agent_id 'a' listed 2 times" in r.stderr, r.stderr


def test_a_denominator_day_after_a_multi_line_field_names_its_physical_line(cli, tmp_path):
    denominator = write(tmp_path, "den.csv", 'date,count,queue\n2024-03-04,3,"Sales\nNorth"\n2024-03-05,x,q\n')
    r = cli("report", interactions(tmp_path), "--denominator", denominator, "-f", "json")
    assert r.exit_code == 3 and "den.csv, line 4, column count: cannot read 'x'" in r.stderr, r.stderr


# -- the reader itself ---------------------------------------------------------------------------------------
def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}


def test_one_line_per_record_needs_no_line_map(tmp_path):
    path = write(tmp_path, "plain.csv", "\nagent_id,team\na,x\nb,y\n\n")
    con = duckdb.connect()
    _reader, position, label = positioned_reader(con, path, "csv", "t")
    assert (position, label) == (POSITIONS["csv"], "line")
    assert "csm_line_map_t" not in _tables(con)


def test_records_spanning_lines_are_joined_to_their_lines(tmp_path):
    path = write(tmp_path, "spans.csv", 'agent_id,team\na,"x\n\ny"\n\nb,y\nc,"""q""\nr"\n')
    con = duckdb.connect()
    reader, position, label = positioned_reader(con, path, "csv", "t")
    params = {"path": str(path), **csvfiles.csv_dialect(path).params()}
    rows = con.execute(f"SELECT agent_id, {position} FROM {reader} ORDER BY 2", params).fetchall()
    assert label == "line" and rows == [("a", 2), ("b", 6), ("c", 7)]


def test_lines_that_cannot_be_mapped_are_called_records(cli, tmp_path, monkeypatch):
    path = write(tmp_path, "spans.csv", 'agent_id,team\na,"x\ny"\nb,y\n')
    monkeypatch.setattr(csvfiles, "build_line_map", lambda *_args: None)
    _reader, position, label = positioned_reader(duckdb.connect(), path, "csv", "t")
    assert (position, label) == ("row_number() OVER ()", "record")
    data = write(
        tmp_path,
        "ml.csv",
        f'{HEADER}\n1,2024-03-04 09:00:00,2024-03-04 09:05:00,"two\nlines"\n2,later,2024-03-04 09:15:00,x\n',
    )
    r = cli("report", data, "-m", mapping(tmp_path))
    assert r.exit_code == 3 and "record 2: columns.offered_at" in r.stderr, r.stderr

"""Survey answers read from typed columns (Parquet int64 / double) are used as the numbers they are, never turned
into text and read back: the same figures, rejects and duplicate decisions as the same answers written as text, in
files, survey files and the store. Every figure hand-computed."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import pytest
from conftest import cli_json

from csmetrics import api
from csmetrics.definitions.config import resolve
from csmetrics.inputs.schema import INTERACTION_COLUMNS
from csmetrics.store import read as store_read

HEADER = "interaction_id,offered_at,answered_at,ended_at,csat,nps"
# Five answered contacts, 10 s wait, 50 s talk. csat: 5, 4, 7 (out of the 1-5 scale), 4.5 (not whole), none;
# nps: 10, 6, 11 (out of 0-10), none, 9.
ROWS = [
    ("1", "2024-03-04T09:00:00Z", "2024-03-04T09:00:10Z", "2024-03-04T09:01:00Z", 5, 10),
    ("2", "2024-03-04T09:30:00Z", "2024-03-04T09:30:10Z", "2024-03-04T09:31:00Z", 4, 6),
    ("3", "2024-03-04T10:00:00Z", "2024-03-04T10:00:10Z", "2024-03-04T10:01:00Z", 7, 11),
    ("4", "2024-03-04T10:30:00Z", "2024-03-04T10:30:10Z", "2024-03-04T10:31:00Z", 4.5, None),
    ("5", "2024-03-04T11:00:00Z", "2024-03-04T11:00:10Z", "2024-03-04T11:01:00Z", None, 9),
]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def write_text(path: Path, rows=ROWS) -> Path:
    lines = [HEADER] + [",".join(_text(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_typed(path: Path, rows=ROWS, *, csat_type: str = "DOUBLE") -> Path:
    """The rows as Parquet with typed columns: times as TIMESTAMPTZ, csat as ``csat_type``, nps as BIGINT."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (interaction_id VARCHAR, offered_at TIMESTAMPTZ, answered_at TIMESTAMPTZ, "
        f"ended_at TIMESTAMPTZ, csat {csat_type}, nps BIGINT)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", [list(r) for r in rows])
    con.execute("COPY t TO $p (FORMAT parquet)", {"p": str(path)})
    con.close()
    return path


def report(cli, *args) -> dict:
    return cli_json(cli("report", *args, "-f", "json", "-q"))


def rejected(cli, tmp_path: Path, source: Path) -> list[tuple[str, str, str, str]]:
    out = tmp_path / f"rejects-{source.stem}.csv"
    result = cli("report", source, "-f", "json", "-q", "--rejects", out)
    assert result.exit_code == 0, result.stderr
    return [
        (r["interaction_id"], r["reject_reason"], r["csat"], r["nps"])
        for r in csv.DictReader(io.StringIO(out.read_text()))
    ]


def test_typed_answers_are_never_text(tmp_path):
    """The typed file's rows carry no answer text: the numbers are read as they are."""
    typed = write_typed(tmp_path / "typed.parquet")
    with api.open_session(api.Inputs(interactions=(str(typed),)), resolve()) as session:
        rows = session.con.execute(
            "SELECT interaction_id, csat, nps, csat_value, nps_value FROM loaded_rows ORDER BY interaction_id"
        ).fetchall()
        [(view,)] = session.con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'loaded_rows'").fetchall()
    assert rows == [
        ("1", None, None, 5.0, 10.0),
        ("2", None, None, 4.0, 6.0),
        ("3", None, None, 7.0, 11.0),
        ("4", None, None, 4.5, None),
        ("5", None, None, None, 9.0),
    ]
    # the view of the file casts its answers to DOUBLE only (no VARCHAR of a source answer column)
    for answer in ("csat", "nps"):
        assert re.search(rf'CAST\("?{answer}"? AS DOUBLE\)', view)
        assert not re.search(rf'CAST\("?{answer}"? AS VARCHAR\)', view)


def test_text_answers_keep_their_text_and_number(write_csv, tmp_path):
    path = write_text(tmp_path / "text.csv", [(*ROWS[0][:4], " 5 ", "10"), (*ROWS[1][:4], "Good", "")])
    with api.open_session(api.Inputs(interactions=(str(path),)), resolve()) as session:
        rows = session.con.execute(
            "SELECT csat, nps, csat_value, nps_value FROM loaded_rows ORDER BY interaction_id"
        ).fetchall()
    assert rows == [("5", "10", 5.0, 10.0), ("Good", None, None, None)]


@pytest.mark.parametrize("csat_type", ["DOUBLE", "DECIMAL(4,1)"])
def test_typed_and_text_answers_give_the_same_figures_and_rejects(cli, tmp_path, csat_type):
    text = write_text(tmp_path / "text.csv")
    typed = write_typed(tmp_path / "typed.parquet", csat_type=csat_type)
    a, b = report(cli, text), report(cli, typed)
    [ra], [rb] = a["rows"], b["rows"]
    for r in (ra, rb):
        # csat on 1-5: valid 5 and 4 (7 and 4.5 rejected, 5 has none) -> 2 responses, both >= 4: 1.0, mean 4.5
        assert (r["csat_responses"], r["csat"], r["csat_mean"]) == (2, 1.0, 4.5)
        # nps: 10 (promoter), 6 (detractor), 9 (promoter); 11 rejected -> (2 - 1) / 3 = 33.33...
        assert (r["nps_responses"], r["promoters"], r["detractors"]) == (3, 2, 1)
        assert r["nps"] == pytest.approx(100 / 3)
    assert a["data_quality"]["answers"] == b["data_quality"]["answers"]
    assert b["data_quality"]["rejected"]["by_reason"] == {"csat_out_of_range": 2, "nps_out_of_range": 1}
    # the rejected answers are listed with the values as read: a typed whole number without decimals
    want = [
        ("3", "csat_out_of_range", "7", "11"),
        ("3", "nps_out_of_range", "7", "11"),
        ("4", "csat_out_of_range", "4.5", ""),
    ]
    assert rejected(cli, tmp_path, text) == want
    assert rejected(cli, tmp_path, typed) == want


def test_typed_survey_file(cli, tmp_path):
    contacts = write_text(tmp_path / "contacts.csv", [(*r[:4], None, None) for r in ROWS])
    surveys = tmp_path / "surveys.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM (VALUES ('1', 5, 9), ('2', 2, 0), ('3', 6, NULL), ('4', NULL, 10)) "
        "AS t(interaction_id, csat, nps)) TO $p (FORMAT parquet)",
        {"p": str(surveys)},
    )
    con.close()
    out = tmp_path / "rejects.csv"
    doc = cli_json(cli("report", contacts, "--surveys", surveys, "-f", "json", "-q", "--rejects", out))
    [r] = doc["rows"]
    # csat 5 and 2 (6 is out of the 1-5 scale): 1 of 2 satisfied, mean 3.5; nps 9, 0, 10: (2 - 1) / 3
    assert (r["csat_responses"], r["csat"], r["csat_mean"]) == (2, 0.5, 3.5)
    assert (r["nps_responses"], r["promoters"], r["detractors"]) == (3, 2, 1)
    [row] = list(csv.DictReader(io.StringIO(out.read_text())))
    assert (Path(row["source_file"]).name, row["interaction_id"], row["reject_reason"], row["csat"]) == (
        "surveys.parquet",
        "3",
        "csat_out_of_range",
        "6",
    )


def test_an_answer_is_the_same_content_typed_or_as_text(cli, tmp_path):
    """Duplicate versions: 4 from a typed column and "4" (or "4.0") in text are the same answer (merged as
    identical); 4 and 5 differ (the older version is superseded)."""
    same = [(*ROWS[1][:4], 4, 6)]
    typed = write_typed(tmp_path / "typed.parquet", same)
    for answer, kind in (("4", "duplicates_merged"), ("4.0", "duplicates_merged"), ("5", "duplicates_superseded")):
        text = write_text(tmp_path / "text.csv", [(*ROWS[1][:4], answer, "6")])
        q = report(cli, typed, text)["data_quality"]
        other = "duplicates_superseded" if kind == "duplicates_merged" else "duplicates_merged"
        assert (q[kind], q[other]) == (1, 0), answer


def test_the_store_keeps_typed_answers_as_numbers(cli, tmp_path):
    typed = write_typed(tmp_path / "typed.parquet")
    db = tmp_path / "store.duckdb"
    first = cli_json(cli("load", typed, "--db", db, "-f", "json", "-q"))
    assert first["loads"][0]["inserted"] == 5
    # a reload is unchanged; the same answers from text are unchanged too (same content)
    again = cli_json(cli("load", typed, "--db", db, "-f", "json", "-q"))
    assert (again["loads"][0]["unchanged"], again["loads"][0]["updated"]) == (5, 0)
    text = write_text(tmp_path / "text.csv")
    as_text = cli_json(cli("load", text, "--db", db, "-f", "json", "-q"))
    assert (as_text["loads"][0]["unchanged"], as_text["loads"][0]["updated"]) == (5, 0)
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT csat, csat_value FROM interactions ORDER BY interaction_id").fetchall()
    con.close()
    assert stored == [(None, 5.0), (None, 4.0), (None, 7.0), (None, 4.5), (None, None)]
    [r] = report(cli, "--db", db)["rows"]
    assert (r["csat_responses"], r["csat_mean"], r["nps_responses"]) == (2, 4.5, 3)
    # the rejects table lists the answer of a rejected row as text
    bad = write_typed(tmp_path / "bad.parquet", [("9", "2024-03-04T12:00:00Z", "2024-03-04T11:00:00Z", None, 7, 11)])
    cli("load", bad, "--db", db, "-q")
    rows = store_read.rejects(db).to_dicts()
    assert [(r["interaction_id"], r["reject_reason"], r["csat"], r["nps"]) for r in rows] == [
        ("9", "answered_before_offered", "7", "11")
    ]
    # a reload of the bad file keeps its reject once
    cli("load", bad, "--db", db, "-q")
    assert len(store_read.rejects(db)) == 1


def test_a_version_3_store_gets_its_answers_numbers(cli, tmp_path):
    """Migration 3 -> 4: the numbers are read from the stored text once and the content hashes are recomputed,
    so the same file reloaded after the migration is unchanged and keeps its rejects once."""
    text = write_text(
        tmp_path / "text.csv", [*ROWS, ("9", "2024-03-04T12:00:00Z", "2024-03-04T11:00:00Z", "", "7", "")]
    )
    surveys = tmp_path / "surveys.csv"
    surveys.write_text("interaction_id,csat,nps\n1,3,8\n,2,\n", encoding="utf-8")
    db = tmp_path / "store.duckdb"
    cli("load", text, "--db", db, "-q")
    cli("load", surveys, "--db", db, "-q")
    before = report(cli, "--db", db)["rows"]
    # make it a version 3 store: no number columns, content hashed by the version 3 formula (all text)
    con = duckdb.connect(str(db))
    canonical = ", ".join(f'"{c.name}"' for c in INTERACTION_COLUMNS if c.name != "interaction_id")
    for table in ("interactions", "surveys"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN csat_value")
        con.execute(f"ALTER TABLE {table} DROP COLUMN nps_value")
    con.execute(f"UPDATE interactions SET _content = hash({canonical})")
    con.execute("UPDATE surveys SET _content = hash(interaction_id, csat, nps)")
    con.execute(f"UPDATE rejects SET _content = hash({canonical}) WHERE kind = 'interactions'")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    result = cli("db", "migrate", "--db", db)
    assert result.exit_code == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    values = con.execute("SELECT csat, csat_value, nps_value FROM interactions ORDER BY interaction_id").fetchall()
    survey_values = con.execute("SELECT csat_value, nps_value FROM surveys ORDER BY _line").fetchall()
    con.close()
    assert values == [
        ("5", 5.0, 10.0),
        ("4", 4.0, 6.0),
        ("7", 7.0, 11.0),
        ("4.5", 4.5, None),
        (None, None, 9.0),
        ("7", 7.0, None),
    ]
    assert survey_values == [(3.0, 8.0), (2.0, None)]
    assert report(cli, "--db", db)["rows"] == before
    for path in (text, surveys):
        doc = cli_json(cli("load", path, "--db", db, "-f", "json", "-q"))
        load = doc["loads"][0]
        assert (load["inserted"], load["updated"]) == (0, 0), path.name
    kept = store_read.rejects(db)
    assert sorted(zip(kept["kind"], kept["reject_reason"], strict=True)) == [
        ("interactions", "answered_before_offered"),
        ("surveys", "missing_interaction_id"),
    ]


def test_rejects_show_text_answers_as_given(cli, tmp_path):
    path = write_text(tmp_path / "text.csv", [(*ROWS[2][:4], " 07 ", "11.0")])
    assert rejected(cli, tmp_path, path) == [
        ("3", "csat_out_of_range", "07", "11.0"),
        ("3", "nps_out_of_range", "07", "11.0"),
    ]


def test_answer_text_of_a_number(tmp_path):
    """csm_answer_text: text as given wins; a whole typed number without decimals; others as DuckDB writes them."""
    with api.open_session(api.Inputs(interactions=(str(write_text(tmp_path / "t.csv", ROWS[:1])),)), resolve()) as s:
        got = s.con.execute(
            "SELECT csm_answer_text('04', 4.0), csm_answer_text(NULL, 4.0), csm_answer_text(NULL, -3.0), "
            "csm_answer_text(NULL, 4.5), csm_answer_text(NULL, 'nan'::DOUBLE), csm_answer_text(NULL, 1e300), "
            "csm_answer_text(NULL, NULL)"
        ).fetchall()
    assert got == [("04", "4", "-3", "4.5", "nan", "1e+300", None)]


@pytest.mark.parametrize("kind", ["interactions", "surveys"])
def test_an_answer_column_of_flags_is_refused_not_read_as_empty(cli, tmp_path, kind):
    path = tmp_path / f"{kind}.parquet"
    con = duckdb.connect()
    if kind == "interactions":
        con.execute(
            "COPY (SELECT '1' AS interaction_id, TIMESTAMPTZ '2024-03-04 09:00:00+00' AS offered_at, "
            "TIMESTAMPTZ '2024-03-04 09:00:10+00' AS answered_at, TIMESTAMPTZ '2024-03-04 09:01:00+00' AS ended_at, "
            "true AS csat) TO $p (FORMAT parquet)",
            {"p": str(path)},
        )
        result = cli("report", path, "-f", "json", "-q")
    else:
        con.execute("COPY (SELECT '1' AS interaction_id, true AS csat) TO $p (FORMAT parquet)", {"p": str(path)})
        result = cli("report", write_text(tmp_path / "c.csv", ROWS[:1]), "--surveys", path, "-f", "json", "-q")
    con.close()
    assert result.exit_code == 3, result.stderr
    assert "BOOLEAN" in result.stderr and "csat" in result.stderr

"""Agent state logs and survey answers in the store (`load --kind`); store schema v1 -> v2."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import HEADER, cli_json

from csmetrics import api
from csmetrics.errors import StoreError
from csmetrics.store import kinds as store_kinds
from csmetrics.store import read as store_read
from csmetrics.store import schema as store_schema
from csmetrics.store import write as store_write

STATE_HEADER = "agent_id,state,started_at,ended_at"


def counts(rec: store_write.FileLoad) -> tuple[int, ...]:
    return (rec.inserted, rec.updated, rec.unchanged, rec.older, rec.duplicates, rec.rejected)


def table_rows(db: Path) -> dict[str, int]:
    return store_read.info(db)["tables"]


@pytest.fixture
def contacts(write_csv):
    """Three answered voice contacts on 2024-03-04 (agent a1), ids 1, 2, 3."""
    return write_csv(
        f"""
        {HEADER}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:00Z,2024-03-04T09:05:00Z,voice,inbound,q1,a1,k1,r,,,,
        2,2024-03-04T09:10:00Z,2024-03-04T09:10:00Z,2024-03-04T09:15:00Z,voice,inbound,q1,a1,k2,r,,,,
        3,2024-03-04T09:20:00Z,2024-03-04T09:20:00Z,2024-03-04T09:25:00Z,voice,inbound,q1,a1,k3,r,,,,
        """,
        name="interactions.csv",
    )


def report(cli, *args) -> dict:
    return cli_json(cli("report", *args, "-f", "json", "-q"))


def same_states_quality(a: dict, b: dict) -> None:
    keys = (
        "shape",
        "rows_read",
        "states_kept",
        "duplicates_merged",
        "rejected",
        "span_end",
        "cut_at_span_end",
        "state_names",
    )
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}


# -- agent states ------------------------------------------------------------------------------
def test_states_in_the_store_report_as_with_states_and_reload_is_a_no_op(write_csv, contacts, cli, tmp_path):
    states = write_csv(
        f"""
        {STATE_HEADER}
        a1,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
        a1,available,2024-03-04T09:30:00Z,2024-03-04T10:00:00Z
        a1,available,2024-03-04T09:30:00Z,2024-03-04T10:00:00Z
        a2,,2024-03-04T09:00:00Z,2024-03-04T09:10:00Z
        a1,break,2024-03-04T10:00:00Z,2024-03-04T09:00:00Z
        """,
        name="states.csv",
    )
    db = tmp_path / "s.db"
    doc = cli_json(cli("load", contacts, states, "--db", db, "-f", "json", "-q"))
    rec = [store_write.FileLoad(**r) for r in doc["loads"]]
    assert [r.kind for r in rec] == ["interactions", "agent_states"]  # detected from the columns
    # 5 rows: 2 new keys inserted, 1 identical copy (duplicates), line 5 missing_state and line 6
    # ended_before_started (rejected): 2 + 1 + 2 = 5 = rows_read
    assert counts(rec[1]) == (2, 0, 0, 0, 1, 2) and rec[1].rows_read == 5
    before = table_rows(db)
    assert before["agent_states"] == 5  # raw rows, as read: the report validates them as --states does
    rejected = [r for r in store_read.rejects(db).to_dicts() if r["kind"] == "agent_states"]
    assert [(r["line"], r["reject_reason"], r["agent_id"], r["state"]) for r in rejected] == [
        (5, "missing_state", "a2", None),
        (6, "ended_before_started", "a1", "break"),
    ]

    stored = report(cli, "--db", db)
    files = report(cli, contacts, "--states", states)
    # handling 09:00-09:30 = 0.5 h, available 09:30-10:00 = 0.5 h (the copy merged):
    # occupancy 0.5 / (0.5 + 0.5) = 0.5; staffed = 0.5 + 0.5 = 1.0 h
    [row] = stored["rows"]
    assert (row["occupancy"], row["available_hours"], row["staffed_hours"]) == (0.5, 0.5, 1.0)
    assert stored["rows"] == files["rows"]
    same_states_quality(stored["data_quality"]["states"], files["data_quality"]["states"])
    assert stored["data_quality"]["states"]["rejected"] == {
        "total": 2,
        "by_reason": {"ended_before_started": 1, "missing_state": 1},
    }
    assert stored["data_quality"]["states"]["duplicates_merged"] == 1
    by_hour = report(cli, "--db", db, "--by", "hour")
    assert by_hour["rows"] == report(cli, contacts, "--states", states, "--by", "hour")["rows"]

    # reload: nothing changes; the same rows count as unchanged / duplicates / rejected again
    [again] = store_write.load_files(db, [str(states)])
    assert counts(again) == (0, 0, 2, 0, 1, 2) and again.kind == "agent_states"
    after = table_rows(db)
    assert after == {**before, "loads": before["loads"] + 1}
    assert report(cli, "--db", db)["rows"] == stored["rows"]

    # --states on top of a store that holds states: refused (exit 2), load it instead
    result = cli("report", "--db", db, "--states", states)
    assert result.exit_code == 2 and "already holds agent states" in result.stderr


def test_a_later_export_of_a_state_replaces_the_stored_one(write_csv, contacts, tmp_path):
    yesterday = write_csv(
        f"""
        {STATE_HEADER}
        a1,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
        a1,available,2024-03-04T09:30:00Z,
        a2,available,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z
        """
    )
    today = write_csv(
        f"""
        {STATE_HEADER}
        a1,on_contact,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
        a1,available,2024-03-04T09:30:00Z,2024-03-04T09:45:00Z
        a2,available,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z
        """
    )
    db = tmp_path / "s.db"
    store_write.load_files(db, [str(contacts), str(yesterday)])
    [row] = api.report(api.ReportRequest(inputs=api.Inputs(store=db), definitions=store_defs())).rows.to_dicts()
    # a1's open interval is cut at the span end 10:00: available 30 min + a2 60 min = 1.5 h
    assert row["available_hours"] == 1.5
    [rec] = store_write.load_files(db, [str(today)])
    # key (agent, state, start): a1 available 09:30 now ends 09:45 -> updated; the others unchanged
    assert counts(rec) == (0, 1, 2, 0, 0, 0)
    [row] = api.report(api.ReportRequest(inputs=api.Inputs(store=db), definitions=store_defs())).rows.to_dicts()
    # available 15 min + 60 min = 1.25 h; occupancy 0.5 / (0.5 + 1.25) = 2/7
    assert row["available_hours"] == 1.25
    assert row["occupancy"] == pytest.approx(2 / 7)
    assert table_rows(db)["agent_states"] == 3


def store_defs():
    from csmetrics.definitions.config import resolve

    return resolve()


def test_one_store_holds_one_state_shape(write_csv, tmp_path):
    intervals = write_csv(f"{STATE_HEADER}\na1,available,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z\n")
    events = write_csv("agent_id,state,at\na1,available,2024-03-04T11:00:00Z\n")
    db = tmp_path / "s.db"
    store_write.load_files(db, [str(intervals)])
    before = store_read.info(db)
    with pytest.raises(Exception, match="intervals-shaped states"):
        store_write.load_files(db, [str(events)])
    assert store_read.info(db) == before


# -- surveys -------------------------------------------------------------------------------------
def test_surveys_in_the_store_report_as_with_surveys_newest_load_wins(write_csv, contacts, cli, tmp_path):
    answers = write_csv(
        "interaction_id,csat,nps\n"
        "1,5,10\n"
        "2,2,0\n"
        "9,5,9\n"  # no such contact: rejected at report time (survey_without_contact), as with --surveys
        ",4,\n",  # no interaction_id: rejected at load (and at report time)
        "surveys.csv",
    )
    db = tmp_path / "s.db"
    [_, rec] = store_write.load_files(db, [str(contacts), str(answers)])
    # 4 rows: ids 1, 2, 9 inserted, the row without an id rejected: 3 + 1 = 4
    assert rec.kind == "surveys" and counts(rec) == (3, 0, 0, 0, 0, 1) and rec.rows_read == 4
    stored = report(cli, "--db", db)
    files = report(cli, contacts, "--surveys", answers)
    [row] = stored["rows"]
    # csat answers 5 (satisfied, >= 4) and 2: csat 1/2, mean 3.5; nps 10 promoter, 0 detractor: (1-1)/2 = 0
    assert (row["csat_responses"], row["csat"], row["csat_mean"], row["nps_responses"], row["nps"]) == (
        2,
        0.5,
        3.5,
        2,
        0.0,
    )
    assert stored["rows"] == files["rows"]
    # the store's survey answers are accounted for as a --surveys file's are (data_quality.surveys)
    assert stored["data_quality"]["surveys"] == files["data_quality"]["surveys"]
    assert stored["data_quality"]["surveys"]["rows_read"] == 4
    assert (
        stored["data_quality"]["rejected"]
        == files["data_quality"]["rejected"]
        == {
            "total": 2,
            "by_reason": {"missing_interaction_id": 1, "survey_without_contact": 1},
            "contacts": 0,
            "answers": 0,
            "survey_rows": 2,
        }
    )
    # reload: a no-op
    before = table_rows(db)
    [again] = store_write.load_files(db, [str(answers)])
    assert counts(again) == (0, 0, 3, 0, 0, 1)
    assert table_rows(db) == {**before, "loads": before["loads"] + 1}
    assert report(cli, "--db", db)["rows"] == stored["rows"]
    # a later file answers for 2 again: the newest load wins
    later = write_csv("interaction_id,csat,nps\n2,5,9\n")
    [rec] = store_write.load_files(db, [str(later)])
    assert counts(rec) == (0, 1, 0, 0, 0, 0)
    [row] = report(cli, "--db", db)["rows"]
    # csat 5, 5: 2/2 = 1.0, mean 5.0; nps 10, 9: both promoters, (2-0)/2*100 = 100
    assert (row["csat"], row["csat_mean"], row["nps"]) == (1.0, 5.0, 100.0)
    assert table_rows(db)["surveys"] == 4  # ids 1, 2 (new answer), 9 and the id-less row


def test_surveys_with_a_store_and_a_file_the_file_wins(write_csv, contacts, cli, tmp_path):
    db = tmp_path / "s.db"
    store_write.load_files(db, [str(contacts), str(write_csv("interaction_id,csat\n1,1\n3,2\n"))])
    extra = write_csv("interaction_id,csat\n1,5\n2,4\n")
    [row] = report(cli, "--db", db, "--surveys", extra)["rows"]
    # the file's answer for 1 (5) is read after the store's (1) and wins; 3 keeps the stored 2:
    # answers 5, 4, 2 -> satisfied (>= 4) 2 of 3
    assert (row["csat_responses"], row["csat"]) == (3, pytest.approx(2 / 3))


# -- kind detection ------------------------------------------------------------------------------
def test_kind_detection_and_its_errors(write_csv, contacts, cli, tmp_path):
    db = tmp_path / "s.db"
    unknown = write_csv("foo,Bar\n1,2\n", "unknown.csv")
    result = cli("load", unknown, "--db", db)
    assert result.exit_code == 2
    assert "foo, Bar" in result.stderr and "--kind" in result.stderr
    assert not db.exists()  # detection happens before the store is opened
    # interaction columns plus agent_id, state, at: fits interactions and agent states
    both = write_csv(
        "interaction_id,offered_at,answered_at,agent_id,state,at\n"
        "7,2024-03-04T09:00:00Z,2024-03-04T09:00:05Z,a1,x,2024-03-04T09:00:00Z\n",
        "both.csv",
    )
    result = cli("load", both, "--db", db)
    assert result.exit_code == 2 and "ambiguous" in result.stderr and "interactions and agent_states" in result.stderr
    # surveys: interaction_id + csat without offered_at; with offered_at it is an interactions file
    assert store_kinds.detect_kind(duckdb.connect(), contacts) == "interactions"
    survey = write_csv("Interaction_Id,NPS\n1,9\n", "s.csv")
    assert store_kinds.detect_kind(duckdb.connect(), survey) == "surveys"
    events = write_csv("agent_id,state,at\na1,available,2024-03-04T09:00:00Z\n", "e.csv")
    assert store_kinds.detect_kind(duckdb.connect(), events) == "agent_states"
    # --kind decides: the ambiguous file loads as interactions
    doc = cli_json(cli("load", both, "--db", db, "--kind", "interactions", "-f", "json", "-q"))
    assert doc["loads"][0]["kind"] == "interactions" and doc["loads"][0]["inserted"] == 1
    result = cli("load", both, "--db", db, "--kind", "calls")
    assert result.exit_code == 2 and "--kind must be one of" in result.stderr
    # --kind surveys on a state log: the survey reader's own error (invalid data, exit 3)
    result = cli("load", events, "--db", db, "--kind", "surveys")
    assert result.exit_code == 3 and "interaction_id" in result.stderr


# -- migration 1 -> 2 ----------------------------------------------------------------------------
def _v1_store(path: Path) -> None:
    """A store exactly as schema version 1 wrote it: the v1 tables, one load, one reject."""
    con = duckdb.connect(str(path))
    for sql in store_schema.SCHEMA_SQL_V1:
        con.execute(sql)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', '1'), ('created_at', '2024-03-01T00:00:00Z'), ('created_by', '0.1')"
    )
    cols = [c.name for c in store_schema.V1_COLUMNS]
    values = dict.fromkeys(cols) | {
        "interaction_id": "1",
        "offered_at": "2024-03-04 09:00:00+00",
        "answered_at": "2024-03-04 09:00:20+00",
        "ended_at": "2024-03-04 09:05:20+00",
        "queue": "q",
        "agent_id": "a1",
    }
    marks = ", ".join("?" for _ in cols)
    con.execute(f"INSERT INTO interactions VALUES ({marks}, 'old.csv', 2, 1, 42)", [values[c] for c in cols])
    # the v1 positional inserts: 13 loads columns; rejects = load_id, file, line, reason, canonical, _content
    con.execute(
        "INSERT INTO loads VALUES (1, 'old.csv', 10, ?, 2, 1, 0, 0, 0, 0, 1, '2024-03-05T01:00:00Z', 0.1)", ["0" * 64]
    )
    bad = values | {"interaction_id": "2", "answered_at": "2024-03-04 08:00:00+00"}
    con.execute(
        f"INSERT INTO rejects VALUES (1, 'old.csv', 3, 'answered_before_offered', {marks}, 7)", [bad[c] for c in cols]
    )
    con.close()


def test_a_version_1_store_is_migrated_to_the_current_version(tmp_path, write_csv, cli, contacts):
    db = tmp_path / "v1.db"
    _v1_store(db)
    with pytest.raises(StoreError, match="db migrate"):  # a reader refuses, never misreads
        store_read.info(db)
    result = cli("db", "migrate", "--db", db)
    version = store_schema.STORE_SCHEMA_VERSION
    assert result.exit_code == 0 and f"store schema version {version}" in " ".join(result.stderr.split())
    info = store_read.info(db)
    assert info["schema_version"] == version
    assert info["tables"] == {
        "meta": 3,
        "interactions": 1,
        "loads": 1,
        "rejects": 1,
        "agent_states": 0,
        "surveys": 0,
    }
    assert [(r["load_id"], r["kind"]) for r in info["loads"]] == [(1, "interactions")]
    [rej] = store_read.rejects(db).to_dicts()
    assert (rej["kind"], rej["line"], rej["reject_reason"], rej["interaction_id"]) == (
        "interactions",
        3,
        "answered_before_offered",
        "2",
    )
    # the migrated store reports its old contact (ASA 20 s) and takes every kind of input
    assert report(cli, "--db", db)["rows"][0]["asa_seconds"] == 20.0
    states = write_csv(f"{STATE_HEADER}\na1,available,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z\n")
    doc = cli_json(cli("load", states, "--db", db, "-f", "json", "-q"))
    assert [(r["load_id"], r["kind"], r["inserted"]) for r in doc["loads"]] == [(2, "agent_states", 1)]
    assert report(cli, "--db", db)["rows"][0]["available_hours"] == 1.0
    # a writer migrates on its own too
    db2 = tmp_path / "v1b.db"
    _v1_store(db2)
    store_write.load_files(db2, [str(contacts)])
    assert store_read.info(db2)["schema_version"] == version
    # the db_info JSON of a migrated store keeps to the published schema (kind on every load)
    doc = cli_json(cli("db", "info", "--db", db2, "-f", "json"))
    assert {r["kind"] for r in doc["loads"]} == {"interactions"}
    assert json.loads(json.dumps(doc))["tables"]["agent_states"] == 0

"""The persistent store: idempotent loads, newest version wins, rejects kept, schema versions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, cli_json, run

from csmetrics.api import Inputs, ReportRequest, report
from csmetrics.errors import StoreError
from csmetrics.store import read as store_read
from csmetrics.store import schema as store_schema
from csmetrics.store import write as store_write

H = "interaction_id,offered_at,answered_at,ended_at,updated_at,queue,agent_id,customer_id,talk_seconds"


def rows_of(db: Path, by: str | None = None) -> list[dict]:
    return report(ReportRequest(inputs=Inputs(store=db), group_by=by)).rows.to_dicts()


def file_rows(paths: list[Path], by: str | None = None) -> list[dict]:
    return run(paths, by=by).rows.to_dicts()


def counts(rec: store_write.FileLoad) -> tuple[int, ...]:
    return (rec.inserted, rec.updated, rec.unchanged, rec.older, rec.duplicates, rec.rejected)


def test_reload_of_the_same_file_changes_nothing(write_csv, tmp_path):
    a = write_csv(
        f"""
        {H}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,,q,a1,c1,
        2,2024-03-04T09:01:00Z,,2024-03-04T09:02:00Z,,q,,c2,
        3,2024-03-04T09:02:00Z,2024-03-04T09:01:00Z,2024-03-04T09:05:00Z,,q,a1,c3,
        """
    )
    db = tmp_path / "s.db"
    [first] = store_write.load_files(db, [str(a)])
    # 3 rows: ids 1 and 2 valid and new; id 3 answered before offered -> rejected (kept as current version).
    assert counts(first) == (2, 0, 0, 0, 0, 1)
    assert first.rows_read == 3
    before = rows_of(db)
    info_before = store_read.info(db)
    [second] = store_write.load_files(db, [str(a)])
    assert counts(second) == (0, 0, 2, 0, 0, 1)
    assert second.sha256 == first.sha256 and second.size_bytes == a.stat().st_size
    assert rows_of(db) == before
    info_after = store_read.info(db)
    assert info_after["tables"]["interactions"] == info_before["tables"]["interactions"] == 3
    # the rejected row is kept once, with its file, line (header = line 1) and reason
    assert info_after["tables"]["rejects"] == 1
    rej = store_read.rejects(db).to_dicts()
    assert [(r["source_file"], r["line"], r["reject_reason"], r["interaction_id"]) for r in rej] == [
        (str(a.resolve()), 4, "answered_before_offered", "3")
    ]
    assert len(info_after["loads"]) == 2  # every load is recorded
    # offered = 2 (ids 1, 2), answered = 1, abandoned = 1
    assert before[0]["offered"] == 2 and before[0]["answered"] == 1 and before[0]["abandoned"] == 1


def test_overlapping_exports_never_double_count(write_csv, tmp_path):
    monday = write_csv(
        f"""
        {H}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,,q,a1,c1,
        2,2024-03-04T23:59:00Z,2024-03-04T23:59:30Z,2024-03-05T00:03:00Z,,q,a1,c2,
        """
    )
    tuesday = write_csv(
        f"""
        {H}
        2,2024-03-04T23:59:00Z,2024-03-04T23:59:30Z,2024-03-05T00:03:00Z,,q,a1,c2,
        3,2024-03-05T10:00:00Z,,2024-03-05T10:01:00Z,,q,,c3,
        """
    )
    db = tmp_path / "s.db"
    [m] = store_write.load_files(db, [str(monday)])
    [t] = store_write.load_files(db, [str(tuesday)])
    assert counts(m) == (2, 0, 0, 0, 0, 0)
    assert counts(t) == (1, 0, 1, 0, 0, 0)  # id 2 again, same content: unchanged
    [row] = rows_of(db)
    # ids 1, 2 answered (waits 10 s and 30 s), id 3 abandoned after 60 s: offered 3, answered 2, ASA 20
    assert (row["offered"], row["answered"], row["abandoned"], row["asa_seconds"]) == (3, 2, 1, 20.0)
    assert rows_of(db, "day") == file_rows([monday, tuesday], "day")


def test_newer_version_replaces_the_old_one(write_csv, tmp_path):
    old = write_csv(
        f"""
        {H}
        1,2024-03-04T09:00:00Z,,,2024-03-04T09:00:05Z,q,,c1,
        """
    )
    new = write_csv(
        f"""
        {H}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:40Z,2024-03-04T09:05:40Z,2024-03-04T09:06:00Z,q,a1,c1,
        """
    )
    db = tmp_path / "s.db"
    store_write.load_files(db, [str(old)])
    # the first version is still in progress: no contact in the report yet
    assert rows_of(db)[0]["offered"] == 0
    [rec] = store_write.load_files(db, [str(new)])
    assert counts(rec) == (0, 1, 0, 0, 0, 0)
    [row] = rows_of(db)
    # answered after 40 s, ended 5 min later: ASA 40, talk 300
    assert (row["offered"], row["answered"], row["asa_seconds"], row["avg_talk_seconds"]) == (1, 1, 40.0, 300.0)
    # loading the older export again: its updated_at is older, the stored version stays
    [again] = store_write.load_files(db, [str(old)])
    assert counts(again) == (0, 0, 0, 1, 0, 0)
    assert rows_of(db) == [row]


def test_without_updated_at_the_later_load_wins(write_csv, tmp_path):
    first = write_csv(
        f"""
        {H}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,,q,a1,c1,
        """
    )
    second = write_csv(
        f"""
        {H}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:20Z,2024-03-04T09:05:20Z,,q,a1,c1,
        """
    )
    db = tmp_path / "s.db"
    store_write.load_files(db, [str(second)])
    [rec] = store_write.load_files(db, [str(first)])
    assert counts(rec) == (0, 1, 0, 0, 0, 0)
    assert rows_of(db)[0]["asa_seconds"] == 10.0  # the later load (first.csv, ASA 10) won


def _nights(tmp_path: Path) -> list[Path]:
    """Three nightly exports of a generated 4-day history; each re-exports the previous day,
    some of those re-exported contacts changed (a later version), and some rows repeat."""
    src = tmp_path / "all.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "sample_data" / "generate.py"), "--days", "4", "--volume", "60", "-o", str(src)],
        check=True,
        capture_output=True,
    )
    con = duckdb.connect()
    paths = []
    for night in range(3):
        path = tmp_path / f"night{night}.csv"
        con.execute(
            f"""
            COPY (
                SELECT * REPLACE (
                    CASE WHEN $night > 0 AND cast(offered_at AS date) = DATE '2024-03-04' + $night - 1
                              AND hash(interaction_id) % 5 = 0
                         THEN acw_seconds + 10 * $night ELSE acw_seconds END AS acw_seconds)
                FROM read_csv($src, all_varchar = false)
                WHERE cast(offered_at AS date) BETWEEN DATE '2024-03-04' + $night - 1 AND DATE '2024-03-04' + $night
            ) TO '{path}' (HEADER)
            """,
            {"src": str(src), "night": night},
        )
        paths.append(path)
    return paths


def test_night_by_night_equals_the_union_loaded_once(tmp_path, cli):
    nights = _nights(tmp_path)
    db = tmp_path / "nightly.db"
    records = [store_write.load_files(db, [str(p)])[0] for p in nights]
    assert sum(r.updated for r in records) > 0 and sum(r.unchanged for r in records) > 0
    once = tmp_path / "once.db"
    store_write.load_files(once, [str(p) for p in nights])
    by = "day,queue,channel"
    union = file_rows(nights, by)
    assert len(union) > 5
    assert rows_of(db, by) == union
    assert rows_of(once, by) == union
    # the same through the CLI JSON: every row identical
    a = cli_json(cli("report", "--db", db, "--by", by, "-f", "json", "-q"))
    b = cli_json(cli("report", *nights, "--by", by, "-f", "json", "-q"))
    assert a["rows"] == b["rows"]
    assert a["data_quality"]["contacts"] == b["data_quality"]["contacts"]


def test_schema_versions_are_checked(tmp_path, write_csv, monkeypatch):
    a = write_csv(f"{H}\n1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,,,q,a1,c1,\n")
    db = tmp_path / "s.db"
    store_write.load_files(db, [str(a)])
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="newer csmetrics"):
        store_read.info(db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="cannot migrate"):
        store_write.load_files(db, [str(a)])
    # with a migration from 0 to 1: a read is refused until migrated, a writer migrates
    monkeypatch.setitem(store_schema.MIGRATIONS, 0, ["CREATE TABLE migrated_marker (x INTEGER)"])
    with pytest.raises(StoreError, match="db migrate"):
        store_read.info(db)
    store_write.load_files(db, [str(a)])
    assert store_read.info(db)["schema_version"] == store_schema.STORE_SCHEMA_VERSION


def test_a_foreign_database_is_refused(tmp_path):
    db = tmp_path / "other.db"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE interactions (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not a csmetrics store"):
        store_read.info(db)
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    with pytest.raises(StoreError, match="not a DuckDB database"):
        store_read.info(junk)
    with pytest.raises(StoreError, match="no store at"):
        store_read.info(tmp_path / "missing.db")


def test_failed_load_leaves_the_store_unchanged(tmp_path, write_csv):
    good = write_csv(f"{H}\n1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,,,q,a1,c1,\n")
    bad = write_csv(f"{H}\n2,2024-03-04T09:00:00Z,not a time,,,q,a1,c1,\n")
    db = tmp_path / "s.db"
    store_write.load_files(db, [str(good)])
    before = store_read.info(db)
    with pytest.raises(Exception, match="cannot read"):
        store_write.load_files(db, [str(good), str(bad)])  # the good file is rolled back too
    assert store_read.info(db) == before


def test_db_from_env_and_config(tmp_path, write_csv, cli, monkeypatch):
    a = write_csv(f"{H}\n1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,,,q,a1,c1,\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "csmetrics.toml").write_text('db = "cfg.db"\n')
    assert cli("load", a, "-q").exit_code == 0
    assert (tmp_path / "cfg.db").exists()
    r = cli("load", a, "-f", "json", "-q", env={"CSMETRICS_DB": str(tmp_path / "env.db")})
    assert json.loads(r.stdout)["store"] == str(tmp_path / "env.db")
    info = cli_json(cli("db", "info", "-f", "json"))
    assert info["tables"]["interactions"] == 1 and info["store"].endswith("cfg.db")


# ---------------------------------------------------------- definitions recorded by loads ---------------------------
SL_MAPPING = """
[columns]
interaction_id = "id"
offered_at = "offered"
answered_at = "answered"
ended_at = "ended"

[definitions]
service_level.threshold_seconds = 30
source_timezone = "Europe/Paris"
"""


def _sl_exports(write_csv):
    """Two exports: one in its own layout (read with the mapping above), one canonical. Waits 10 s and 25 s."""
    mapped = write_csv(
        "id,offered,answered,ended\n1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:00Z\n"
        "2,2024-03-04T10:00:00Z,2024-03-04T10:00:25Z,2024-03-04T10:05:00Z\n"
    )
    plain = write_csv(
        "interaction_id,offered_at,answered_at,ended_at\n3,2024-03-05T09:00:00Z,2024-03-05T09:00:25Z,2024-03-05T09:05:00Z\n"
    )
    return mapped, plain


def test_a_report_from_the_store_applies_the_definitions_its_loads_recorded(write_csv, tmp_path, cli):
    mapped, _plain = _sl_exports(write_csv)
    mapping = tmp_path / "export.toml"
    mapping.write_text(SL_MAPPING)
    db = tmp_path / "s.db"
    assert cli("load", mapped, "-m", mapping, "--db", db, "-q").exit_code == 0
    # loaded twice (a nightly re-export): still one set of definitions
    assert cli("load", mapped, "-m", mapping, "--db", db, "-q").exit_code == 0
    doc = cli_json(cli("report", "--db", db, "-f", "json", "-q"))
    # threshold 30 s from the mapping: both waits (10 s, 25 s) within -> 100 % (the default 20 s would give 50 %)
    assert doc["rows"][0]["service_level"] == 1.0
    assert doc["definitions"]["sources"] == {"service_level.threshold_seconds": f"store {db} (mapping {mapping})"}
    # source_timezone is applied when the file is read; a report never takes it from the loads
    assert doc["definitions"]["parameters"]["source_timezone"] == "UTC"
    table = cli("report", "--db", db)
    assert f"set by store {db} (mapping {mapping}): service_level.threshold_seconds" in " ".join(table.stdout.split())


def test_loads_with_different_definitions_are_not_mixed_silently(write_csv, tmp_path, cli):
    mapped, plain = _sl_exports(write_csv)
    mapping = tmp_path / "export.toml"
    mapping.write_text(SL_MAPPING)
    db = tmp_path / "s.db"
    assert cli("load", mapped, "-m", mapping, "--db", db, "-q").exit_code == 0
    assert cli("load", plain, "--db", db, "-q").exit_code == 0
    result = cli("report", "--db", db, "-f", "json")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "different definitions" in message
    assert "service_level.threshold_seconds: 30 in loads 1 (" in message
    assert "not set in loads 2 (no mapping)" in message
    assert "--set" in message
    assert cli("check", "--db", db, "-t", "service_level>=0.5").exit_code == 2
    # an explicit value decides for every contact
    doc = cli_json(cli("report", "--db", db, "-f", "json", "-q", "--set", "service_level.threshold_seconds=20"))
    assert doc["rows"][0]["service_level"] == pytest.approx(1 / 3)  # 10 s within 20; 25, 25 not
    assert doc["definitions"]["sources"] == {"service_level.threshold_seconds": "--set"}

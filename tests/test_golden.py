"""The shipped sample, end to end.

1. A golden report: `report sample_data/interactions.csv --by day,queue --tz America/New_York --format json`
   must equal tests/snapshots/sample_day_queue.json (all but generated_at). Regenerate on purpose with
   CSMETRICS_UPDATE_SNAPSHOTS=1 and read the diff.
2. An independent check: the benchmark's hand-written reference query (benchmarks/reference_report.sql, one
   DuckDB statement written from the definitions, not from csmetrics' SQL) computes every figure it covers
   on the same data, and every one must match.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import duckdb
from conftest import ROOT, cli_json

SAMPLE = ROOT / "sample_data" / "interactions.csv"
SNAPSHOT = ROOT / "tests" / "snapshots" / "sample_day_queue.json"
ARGS = ("report", SAMPLE.relative_to(ROOT), "--by", "day,queue", "--tz", "America/New_York", "--format", "json", "-q")


def _report(cli, monkeypatch):
    monkeypatch.chdir(ROOT)  # file paths in data_quality are as given, relative to the repository
    doc = cli_json(cli(*ARGS))
    doc.pop("generated_at")
    return doc


def _bench():
    """benchmarks/bench_report.py as a module (it is a script, not part of the package)."""
    if "bench_report" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "bench_report.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_report"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_report"]


def test_golden_sample_report(cli, monkeypatch):
    doc = _report(cli, monkeypatch)
    if os.environ.get("CSMETRICS_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps({"command": " ".join(map(str, ARGS)), **doc}, indent=1) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    expected.pop("command")
    assert doc["definitions_fingerprint"] == expected["definitions_fingerprint"]
    assert doc["data_quality"] == expected["data_quality"]
    assert doc["rows"] == expected["rows"]
    assert doc == expected


def test_sample_matches_the_hand_written_reference(cli, monkeypatch, tmp_path):
    bench = _bench()
    # The reference reads a typed Parquet export, as the generator writes it.
    parquet = tmp_path / "sample.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT interaction_id, offered_at::TIMESTAMPTZ AS offered_at, answered_at::TIMESTAMPTZ AS answered_at, "
        "ended_at::TIMESTAMPTZ AS ended_at, channel, direction, queue, agent_id, customer_id, reason, "
        "talk_seconds::INTEGER AS talk_seconds, hold_seconds::INTEGER AS hold_seconds, "
        "acw_seconds::INTEGER AS acw_seconds, transferred::BOOLEAN AS transferred, complaint::BOOLEAN AS complaint, "
        "csat::INTEGER AS csat, nps::INTEGER AS nps FROM read_csv($p, all_varchar = true)) TO '"
        + str(parquet).replace("'", "''")
        + "' (FORMAT parquet)",
        {"p": str(SAMPLE)},
    )
    con.execute("SET VARIABLE path = $v", {"v": str(parquet)})
    con.execute("SET VARIABLE tz = 'America/New_York'")
    con.execute("CREATE TEMP VIEW export AS " + bench.SHAPES["faulted-parquet"].export)
    cur = con.execute(bench.REFERENCE_SQL.read_text())
    cols = [d[0] for d in cur.description]
    ref_rows = [
        dict(zip(cols, (str(v) if k == "day" else v for k, v in zip(cols, r)), strict=True)) for r in cur.fetchall()
    ]
    assert len(cols) > 20
    doc = _report(cli, monkeypatch)
    assert bench.compare(doc["rows"], cols, ref_rows) == []


def test_sample_csv_matches_the_hand_written_reference_reading_the_csv(cli, monkeypatch):
    """The faulted-csv shape of the benchmark: the reference reads the CSV itself (types detected by DuckDB,
    row numbers counted as it reads), and csmetrics' report of the same file matches it."""
    bench = _bench()
    con = duckdb.connect()
    con.execute("SET VARIABLE path = $v", {"v": str(SAMPLE)})
    con.execute("SET VARIABLE tz = 'America/New_York'")
    con.execute("CREATE TEMP VIEW export AS " + bench.SHAPES["faulted-csv"].export)
    cur = con.execute(bench.REFERENCE_SQL.read_text())
    cols = [d[0] for d in cur.description]
    ref_rows = [
        dict(zip(cols, (str(v) if k == "day" else v for k, v in zip(cols, r)), strict=True)) for r in cur.fetchall()
    ]
    doc = _report(cli, monkeypatch)
    assert bench.compare(doc["rows"], cols, ref_rows) == []

"""Killed loads, two loads at once, a report during a load, a busy store (subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT

from csmetrics.store import read as store_read

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SMALL = (
    "interaction_id,offered_at,answered_at,ended_at,queue\n"
    "S1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:00Z,q0\n"
    "S2,2024-03-04T09:10:00Z,,2024-03-04T09:11:00Z,q0\n"
)


def run(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "csmetrics", *map(str, args)], env=ENV, capture_output=True, text=True, timeout=timeout
    )


def start(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "csmetrics", *map(str, args)],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """400 000 generated contacts (about 35 MB): a load that takes a couple of seconds."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    duckdb.execute(
        f"""
        COPY (
            SELECT 'B' || i AS interaction_id,
                TIMESTAMPTZ '2024-03-04 08:00:00+00' + to_seconds(i % 86400) AS offered_at,
                TIMESTAMPTZ '2024-03-04 08:00:00+00' + to_seconds(i % 86400 + 15) AS answered_at,
                TIMESTAMPTZ '2024-03-04 08:00:00+00' + to_seconds(i % 86400 + 315) AS ended_at,
                'q' || (i % 5) AS queue, 'a' || (i % 50) AS agent_id
            FROM range(400000) AS t(i)
        ) TO '{path}' (HEADER)
        """
    )
    return path


def store_locked(db: Path) -> bool:
    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.IOException as e:
        return "lock" in str(e).lower()
    return False


def snapshot(db: Path) -> tuple[dict, list[dict]]:
    info = store_read.info(db)
    rows = run("report", "--db", db, "--by", "queue", "-f", "json", "-q")
    assert rows.returncode == 0, rows.stderr
    return info, json.loads(rows.stdout)["rows"]


def test_sigkill_mid_load_leaves_the_store_unchanged(tmp_path, big_csv):
    db = tmp_path / "s.db"
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    assert run("load", small, "--db", db).returncode == 0
    before = snapshot(db)
    proc = start("load", big_csv, "--db", db, "-q")
    deadline = time.monotonic() + 30
    while not store_locked(db) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # well inside the load (which takes a few seconds)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the load finished before it could be killed"
    assert snapshot(db) == before
    # and the store still works: the same load now completes
    assert run("load", big_csv, "--db", db, "-q").returncode == 0
    info, rows = snapshot(db)
    assert info["tables"]["interactions"] == 400_002
    assert sum(r["offered"] for r in rows) == 400_002


def test_two_loads_at_once_both_succeed(tmp_path, big_csv):
    db = tmp_path / "s.db"
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    first = start("load", big_csv, "--db", db, "--wait", "60")
    while not store_locked(db) and first.poll() is None:
        time.sleep(0.01)
    second = run("load", small, "--db", db, "--wait", "60")
    first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    info = store_read.info(db)
    assert info["tables"]["interactions"] == 400_002
    assert [ld["inserted"] for ld in info["loads"]] == [400_000, 2]


def test_a_report_during_a_load_waits_and_sees_the_committed_store(tmp_path, big_csv):
    db = tmp_path / "s.db"
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    assert run("load", small, "--db", db, "-q").returncode == 0
    loading = start("load", big_csv, "--db", db, "-q")
    while not store_locked(db) and loading.poll() is None:
        time.sleep(0.01)
    report = run("report", "--db", db, "-f", "json", "-q", "--wait", "60")
    loading.communicate(timeout=60)
    assert loading.returncode == 0
    assert report.returncode == 0, report.stderr
    # the report waited for the load: it sees all 400 002 contacts (S2 abandoned), never a partial load
    assert json.loads(report.stdout)["rows"][0]["offered"] == 400_002


def test_a_busy_store_exits_75_without_traceback(tmp_path):
    db = tmp_path / "s.db"
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    assert run("load", small, "--db", db, "-q").returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        for args in (("load", small), ("report",), ("db", "info"), ("check", "-t", "offered>=1")):
            r = run(*args, "--db", db, "--wait", "0.5")
            assert r.returncode == 75, (args, r.stderr)
            assert "busy" in r.stderr and f"PID {holder.pid}" in r.stderr
            assert "Traceback" not in r.stderr and r.stdout == ""
        assert time.monotonic() - started >= 4 * 0.5
    finally:
        holder.kill()
        holder.communicate()
    assert store_read.info(db)["tables"]["interactions"] == 2

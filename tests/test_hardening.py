"""Hostile inputs (issue 14): no silent loss, no hang, no crash; every message names file, line and column.

Each test builds the input the issue describes; the command must end with a documented exit code (never 1)
and, on exit 0, account for every record of the file.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csmetrics.errors import InputError, StoreDamagedError, StoreError, WriteError
from csmetrics.render.output import write_atomic
from tests.xlsx_writer import write_xlsx

H = "interaction_id,queue,offered_at,answered_at,ended_at"


def row(
    i: object,
    offered: str = "2024-03-04T09:00:00Z",
    answered: str = "2024-03-04T09:00:10Z",
    ended: str = "2024-03-04T09:05:00Z",
    queue: str = "q",
) -> str:
    return f"{i},{queue},{offered},{answered},{ended}"


def quality(cli, *args) -> tuple[dict, object]:
    r = cli("report", *args, "-f", "json", "-q")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)["data_quality"], r


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- silent loss ---------------------------------------------------------------------------------------------
def test_two_concatenated_exports_with_different_columns_name_the_second_header(cli, tmp_path):
    h14 = ",".join(f"c{i}" for i in range(9)) + "," + H
    h15 = h14 + ",extra"
    first = [",".join("x" for _ in range(9)) + "," + row(f"a{i}") for i in range(30)]
    second = [",".join("x" for _ in range(9)) + "," + row(f"b{i}") + ",e" for i in range(10)]
    path = write(tmp_path, "cat.csv", "\n".join([h14, *first, h15, *second]) + "\n")
    r = cli("report", path, "-f", "json")
    assert r.exit_code == 3, r.stderr
    assert "line 32" in r.stderr and "another header line" in r.stderr and "Traceback" not in r.stderr


def test_a_second_header_in_the_middle_is_named_by_line(cli, tmp_path):
    path = write(tmp_path, "twice.csv", "\n".join([H, row("a1"), H, row("a2")]) + "\n")
    r = cli("report", path, "-f", "json")
    assert r.exit_code == 3
    assert "line 3" in r.stderr and "header" in r.stderr


def test_ids_starting_with_hash_and_a_note_line_are_never_comments(cli, tmp_path):
    rows = [row(f"#{i}") for i in range(8)] + [row(f"n{i}") for i in range(4)]
    path = write(tmp_path, "hash.csv", "\n".join([H, *rows]) + "\n")
    q, _ = quality(cli, path)
    assert q["rows_read"] == 12 and q["contacts"] == 12
    # a "# note" line is a record like any other: one field where the header has five, named by its line
    noted = write(tmp_path, "noted.csv", "\n".join([H, *rows[:4], "# note", *rows[4:]]) + "\n")
    r = cli("report", noted, "-f", "json")
    assert r.exit_code == 3 and "line 6" in r.stderr and "cut short" in r.stderr


@pytest.mark.parametrize("name", ["data[1].csv", "exp*.csv", "what?.csv"])
def test_a_file_name_is_never_a_pattern_twice(cli, tmp_path, name):
    write(tmp_path, "data1.csv", "\n".join([H, row("wrong1"), row("wrong2")]) + "\n")
    write(tmp_path, "exp1.csv", "\n".join([H, row("wrong3")]) + "\n")
    write(tmp_path, "whatX.csv", "\n".join([H, row("wrong4")]) + "\n")
    path = write(tmp_path, name, "\n".join([H, row("right")]) + "\n")
    q, _ = quality(cli, path)
    assert q["rows_read"] == 1
    assert [Path(f["path"]).name for f in q["files"]] == [name]


# -- hangs and crashes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("ended", ["9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z"])
def test_a_time_outside_1970_2200_is_a_counted_reject_and_fast(cli, tmp_path, ended):
    early = ended.startswith("1969")
    offered, answered = (
        ("1969-12-31T23:58:00Z", "1969-12-31T23:59:00Z") if early else ("2024-03-04T09:00:00Z", "2024-03-04T09:00:10Z")
    )
    path = write(tmp_path, "far.csv", "\n".join([H, row("far", offered, answered, ended), row("ok")]) + "\n")
    started = time.monotonic()
    q, _ = quality(cli, path)
    assert time.monotonic() - started < 30
    assert q["rejected"]["by_reason"] == {"time_out_of_range": 1} and q["contacts"] == 1


def test_durations_longer_than_the_maximum_are_rejected_exactly_past_it(cli, tmp_path):
    rows = [
        row("week", answered="2024-03-04T09:00:00Z", ended="2024-03-11T09:00:00Z"),  # exactly 604800 s: kept
        row("week+1", answered="2024-03-04T09:00:00Z", ended="2024-03-11T09:00:01Z"),  # one second more
        row("wait", offered="2024-03-01T09:00:00Z", answered="2024-03-08T09:00:01Z", ended="2024-03-08T09:01:00Z"),
    ]
    path = write(tmp_path, "long.csv", "\n".join([H, *rows]) + "\n")
    q, _ = quality(cli, path)
    assert q["rejected"]["by_reason"] == {"implausible_duration": 2} and q["contacts"] == 1
    q, _ = quality(cli, path, "--set", "input.max_duration_seconds=604801")
    assert q["rejected"]["by_reason"] == {"implausible_duration": 1}


def test_a_state_outside_the_years_is_rejected(cli, tmp_path):
    states = write(
        tmp_path,
        "states.csv",
        "agent_id,state,started_at,ended_at\n"
        "a,available,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z\n"
        "a,available,2024-03-04T10:00:00Z,9999-12-31T23:59:59Z\n",
    )
    path = write(tmp_path, "i.csv", "\n".join([H, row("x")]) + "\n")
    started = time.monotonic()
    r = cli("report", path, "--states", states, "-f", "json", "-q")
    assert r.exit_code == 0 and time.monotonic() - started < 30
    assert json.loads(r.stdout)["data_quality"]["states"]["rejected"]["by_reason"] == {"time_out_of_range": 1}


@pytest.mark.parametrize(
    ("offered", "answered", "ended", "column"),
    [
        ("-infinity", "2024-03-04T09:00:10Z", "2024-03-04T09:05:00Z", "offered_at"),
        ("infinity", "infinity", "infinity", "offered_at"),
        ("-2024-03-04T09:00:00Z", "2024-03-04T09:00:10Z", "2024-03-04T09:05:00Z", "offered_at"),
        ("2024-03-04T09:00:00Z", "2024-03-04T09:00:10Z", "infinity", "ended_at"),
    ],
)
def test_infinite_and_negative_year_times_exit_3_naming_line_and_column(
    cli, tmp_path, offered, answered, ended, column
):
    path = write(tmp_path, "inf.csv", "\n".join([H, row("ok"), row("bad", offered, answered, ended)]) + "\n")
    r = cli("report", path, "-f", "json")
    assert r.exit_code == 3, r.stderr
    assert f"inf.csv, line 3, column {column}" in r.stderr and "internal error" not in r.stderr


def _parquet(path: Path, **columns: pa.Array) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


T0 = pa.array([1709542800_000_000_000, 1709542800_000_000_000], pa.timestamp("ns", tz="UTC"))
T1 = pa.array([1709542805_000_000_000, 1709542805_000_000_000], pa.timestamp("ns", tz="UTC"))
T2 = pa.array([1709542900_000_000_000, 1709542900_000_000_000], pa.timestamp("ns", tz="UTC"))


def test_parquet_timestamp_ns_with_zone_is_read(cli, tmp_path):
    path = _parquet(
        tmp_path / "ns.parquet", interaction_id=pa.array(["a", "b"]), offered_at=T0, answered_at=T1, ended_at=T2
    )
    r = cli("report", path, "-f", "json", "-q")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["rows"][0]["asa_seconds"] == 5.0


def test_parquet_nan_duration_is_named_not_written(cli, tmp_path):
    path = _parquet(
        tmp_path / "nan.parquet",
        interaction_id=pa.array(["a", "b"]),
        offered_at=T0,
        answered_at=T1,
        ended_at=T2,
        talk_seconds=pa.array([60.0, float("nan")]),
    )
    for fmt in ("json", "csv"):
        r = cli("report", path, "-f", fmt)
        assert r.exit_code == 3 and "nan.parquet, row 2, column talk_seconds" in r.stderr and "NaN" not in r.stdout


def test_parquet_infinite_timestamp_is_named(cli, tmp_path):
    ts = pa.array([1709542800_000_000, None], pa.timestamp("us", tz="UTC"))
    path = _parquet(tmp_path / "t.parquet", interaction_id=pa.array(["a", "b"]), offered_at=ts)
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * REPLACE (CASE WHEN interaction_id = 'b' THEN 'infinity'::TIMESTAMPTZ ELSE offered_at END "
        "AS offered_at), offered_at AS ended_at FROM read_parquet($p)) TO $o (FORMAT parquet)",
        {"p": str(path), "o": str(tmp_path / "inf.parquet")},
    )
    r = cli("report", tmp_path / "inf.parquet", "-f", "json")
    assert r.exit_code == 3 and "row 2, column offered_at" in r.stderr


def test_parquet_column_named_file_row_number_is_a_clear_error(cli, tmp_path):
    path = _parquet(
        tmp_path / "frn.parquet",
        interaction_id=pa.array(["a", "b"]),
        offered_at=T0,
        ended_at=T2,
        file_row_number=pa.array([1, 2]),
    )
    r = cli("report", path)
    assert r.exit_code == 3 and "file_row_number" in r.stderr and "Binder" not in r.stderr


def test_an_empty_xlsx_sheet_exits_3_and_a_header_only_sheet_reads_zero_rows(cli, tmp_path):
    r = cli("report", write_xlsx(tmp_path / "empty.xlsx", {"Sheet1": []}))
    assert r.exit_code == 3 and "empty" in r.stderr
    q, _ = quality(cli, write_xlsx(tmp_path / "head.xlsx", {"Sheet1": [["interaction_id", "offered_at", "ended_at"]]}))
    assert q["rows_read"] == 0


def test_a_megabyte_field_is_cut_in_the_message_and_read_in_linear_time(cli, tmp_path):
    path = write(tmp_path, "big.csv", H + ",talk_seconds\n" + row("a") + "," + "1" * (1 << 20) + "\n")
    started = time.monotonic()
    r = cli("report", path, "-f", "json")
    assert time.monotonic() - started < 30
    assert r.exit_code == 3 and "line 2, column talk_seconds" in r.stderr
    assert len(r.stderr) < 2000 and "1,048,576 characters" in r.stderr


def test_the_store_refuses_what_a_report_would_reject(cli, tmp_path):
    path = write(tmp_path, "far.csv", "\n".join([H, row("far", ended="9999-12-31T23:59:59Z"), row("ok")]) + "\n")
    db = tmp_path / "s.duckdb"
    r = cli("load", path, "--db", db, "-q")
    assert r.exit_code == 0
    q, _ = quality(cli, "--db", db)
    assert q["contacts"] == 1 and q["rejected"]["by_reason"] == {"time_out_of_range": 1}
    bad = write(tmp_path, "inf.csv", "\n".join([H, row("inf", ended="infinity")]) + "\n")
    assert cli("load", bad, "--db", db, "-q").exit_code == 3
    assert cli("check", "--db", db, "--target", "offered>=0").exit_code == 0


# -- wrong values without a word -----------------------------------------------------------------------------
def test_zone_names_are_read_and_abbreviations_and_impossible_offsets_refused(cli, tmp_path):
    ok = write(
        tmp_path, "ny.csv", H + "\nx,q,2024-03-04 09:15:00 America/New_York,,2024-03-04 09:16:00 America/New_York\n"
    )
    r = cli("report", ok, "-f", "json", "-q", "--by", "interval")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["rows"][0]["interval"].startswith("2024-03-04T14:")  # 09:15 in New York is 14:15 UTC
    for value, line in (("2024-03-04 09:15:00 PST", 2), ("2024-03-04T09:15:00+25:00", 2)):
        bad = write(tmp_path, "bad.csv", H + f"\nx,q,{value},,\n")
        r = cli("report", bad, "-f", "json")
        assert r.exit_code == 3 and f"line {line}, column offered_at" in r.stderr, value


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_two_columns_differing_only_in_case_are_refused(cli, tmp_path, fmt):
    if fmt == "json":
        path = write(
            tmp_path,
            "d.json",
            '[{"interaction_id":"a","offered_at":"2024-03-04T09:00:00Z","ended_at":'
            '"2024-03-04T09:01:00Z","Queue":"x","QUEUE":"y"}]',
        )
    else:
        path = _parquet(
            tmp_path / "d.parquet",
            interaction_id=pa.array(["a", "b"]),
            offered_at=T0,
            ended_at=T2,
            Queue=pa.array(["x", "y"]),
            QUEUE=pa.array(["x", "y"]),
        )
    r = cli("report", path)
    assert r.exit_code == 3 and "both name the same column" in r.stderr


def test_csv_columns_differing_only_in_case_are_refused(cli, tmp_path):
    path = write(tmp_path, "d.csv", "interaction_id,Queue,offered_at,ended_at,QUEUE\na,x,2024-03-04T09:00:00Z,,y\n")
    r = cli("report", path)
    assert r.exit_code == 3 and "columns 2 and 5" in r.stderr


def test_line_numbers_are_physical_lines(cli, tmp_path):
    text = (
        "\n\n"
        + H
        + "\n"
        + row("a1")
        + '\n\nq2,"multi\nline queue",2024-03-04T09:00:00Z,,\n'
        + row("bad", "nope")
        + "\n"
    )
    path = write(tmp_path, "lines.csv", text)
    r = cli("report", path, "-f", "json")
    assert r.exit_code == 3 and "lines.csv, line 8, column offered_at" in r.stderr, r.stderr


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (row("a1") + "\n" + "a2,q,2024-03-04T09:00:00Z\n", 3, "cut short"),
        (row("a1", queue="Sales, North") + "\n", 2, "extra delimiter"),
        (row("a1") + "\n   \n" + row("a2") + "\n", 3, "blank line"),
        (row("a1") + "\r\n" + row("a2") + "\n", 2, "mixes line endings"),
    ],
)
def test_common_csv_damage_names_the_line_and_what_is_wrong(cli, tmp_path, body, line, words):
    path = write(tmp_path, "damaged.csv", (H + "\n" + body).encode())
    r = cli("report", path, "-f", "json")
    assert r.exit_code == 3, r.stderr
    assert f"line {line}" in r.stderr and words in r.stderr and "sniff" not in r.stderr.lower()


# -- outputs and the filesystem ------------------------------------------------------------------------------
@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write(tmp_path, "good.csv", "\n".join([H, row("a1", queue="=1+1"), row("a2", queue="a|b")]) + "\n")


def test_output_to_a_fifo_writes_into_it(cli, tmp_path, good):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdout.write(open({str(fifo)!r}).read())"],
        stdout=subprocess.PIPE,
        text=True,
    )
    r = cli("report", good, "-f", "csv", "-o", fifo, "-q")
    out, _ = reader.communicate(timeout=30)
    assert r.exit_code == 0 and out.startswith("offered,")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_keeps_the_mode_and_new_files_follow_the_umask(cli, tmp_path, good):
    existing = tmp_path / "r.csv"
    existing.write_text("old")
    existing.chmod(0o644)
    assert cli("report", good, "-f", "csv", "-o", existing, "-q").exit_code == 0
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644 and existing.read_text().startswith("offered")
    old = os.umask(0o022)
    try:
        assert (
            cli(
                "report", good, "-f", "csv", "-o", tmp_path / "new.csv", "-q", "--rejects", tmp_path / "rj.csv"
            ).exit_code
            == 0
        )
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "rj.csv").stat().st_mode) == 0o644


def test_output_to_a_directory_exits_2(cli, tmp_path, good):
    r = cli("report", good, "-o", tmp_path)
    assert r.exit_code == 2 and "directory" in r.stderr


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path):
    target = tmp_path / "r.json"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".r.json.{dead.pid}.abc123.tmp"
    stale.write_bytes(b"x" * 1000)
    other = tmp_path / f".other.json.{dead.pid}.abc123.tmp"
    other.write_bytes(b"x")
    write_atomic(target, b"{}")
    assert target.read_bytes() == b"{}" and not stale.exists() and other.exists()


def test_a_full_device_is_a_clear_write_error(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with pytest.raises(WriteError, match="/dev/full"):
        write_atomic(Path("/dev/full"), b"data")
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_disk_full_during_output_exits_74(cli, tmp_path, good, monkeypatch):
    import errno

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    r = cli("report", good, "-f", "csv", "-o", tmp_path / "out.csv")
    assert r.exit_code == 74 and "No space left" in r.stderr and "out.csv" in r.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_csv_formulas_are_neutralised_markdown_and_terminal_escaped(cli, tmp_path):
    path = write(
        tmp_path,
        "f.csv",
        "\n".join(
            [
                H,
                row("a1", queue="=HYPERLINK(1)"),
                row("a2", queue="a|b"),
                row("a3", queue="\x1b[31mred"),
                row("a4", queue="@x"),
            ]
        )
        + "\n",
    )
    csv_out = cli("report", path, "--by", "queue", "-f", "csv", "-q").stdout
    assert "'=HYPERLINK(1)" in csv_out and "\n'@x," in csv_out
    assert "\n=HYPERLINK" not in cli("report", path, "--by", "queue", "-f", "csv", "-q").stdout
    assert "\n=HYPERLINK(1)," in cli("report", path, "--by", "queue", "-f", "csv", "-q", "--no-escape-formulas").stdout
    md = cli("report", path, "--by", "queue", "-f", "markdown", "-q").stdout
    assert "| a\\|b |" in md and "\x1b" not in md
    table = cli("report", path, "--by", "queue", "-q").stdout
    assert "\x1b" not in table and "\\x1b[31mred" in table


# -- the store ----------------------------------------------------------------------------------------------
@pytest.fixture
def store(cli, tmp_path, good) -> Path:
    db = tmp_path / "s.duckdb"
    assert cli("load", good, "--db", db, "-q").exit_code == 0
    return db


def test_a_store_path_is_a_file(cli, tmp_path, good, monkeypatch):
    r = cli("load", good, "--db", ":memory:")
    assert r.exit_code == 2 and "a store is a file" in r.stderr
    monkeypatch.chdir(tmp_path)
    assert cli("load", good, "--db", "md:", "-q").exit_code == 0  # the file ./md:, never a remote database
    assert (tmp_path / "md:").is_file()
    import sqlite3

    lite = sqlite3.connect(tmp_path / "x.sqlite")
    lite.execute("CREATE TABLE t (a)")
    lite.commit()
    lite.close()
    r = cli("load", good, "--db", tmp_path / "x.sqlite")
    assert r.exit_code == 2 and "SQLite" in r.stderr


def test_connections_never_fetch_extensions():
    from csmetrics.sqltext import connect

    con = connect()
    assert con.execute(
        "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')"
    ).fetchall() == [(False, False)]


def test_a_truncated_store_exits_65(cli, store, tmp_path):
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(store.read_bytes()[:5000])
    r = cli("report", "--db", cut)
    assert r.exit_code == 65 and "damaged" in r.stderr and "backup" in r.stderr


def test_a_store_with_bad_checksums_exits_65(cli, store):
    with store.open("r+b") as f:
        f.seek(20000)
        f.write(b"\xff" * 4000)
    r = cli("report", "--db", store)
    assert r.exit_code == 65 and str(store) in r.stderr


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("DROP TABLE surveys", "table surveys is missing"),
        ("ALTER TABLE interactions DROP COLUMN queue", "no column queue"),
        ("DROP TABLE surveys; CREATE VIEW surveys AS SELECT 1 AS a", "surveys is a view"),
    ],
)
def test_an_altered_store_exits_65_naming_what_is_wrong(cli, store, sql, words):
    con = duckdb.connect(str(store))
    for statement in sql.split("; "):
        con.execute(statement)
    con.close()
    for args in (("report", "--db", store), ("db", "info", "--db", store)):
        r = cli(*args)
        assert r.exit_code == 65 and words in r.stderr, r.stderr


def test_store_errors_are_typed():
    assert StoreDamagedError.exit_code == 65 and StoreError.exit_code == 2 and InputError.exit_code == 3


# -- clear exits for the rest --------------------------------------------------------------------------------
@pytest.mark.parametrize("zone", ["posix/Asia/Tokyo", "right/UTC", "localtime"])
def test_zone_names_duckdb_does_not_know_are_usage_errors(cli, good, zone):
    r = cli("report", good, "--tz", zone)
    assert r.exit_code == 2 and "IANA" in r.stderr


@pytest.mark.parametrize("option", ["--mapping", "--config"])
@pytest.mark.parametrize("text", [b"\xff\xfe[x]\n", ("a = " + "[" * 5000 + "]" * 5000 + "\n").encode()])
def test_hostile_toml_files_are_usage_errors(cli, tmp_path, good, option, text):
    path = write(tmp_path, "bad.toml", text)
    r = cli("report", good, option, path)
    assert r.exit_code == 2 and "bad.toml" in r.stderr


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        (
            '[columns]\ninteraction_id = "id"\noffered_at = { from = "start", format = "%Q" }\nended_at = "end"\n',
            "columns.offered_at: format",
        ),
        (
            '[columns]\ninteraction_id = "id"\noffered_at = "start"\nended_at = "end"\n'
            'talk_seconds = { from = "talk", default = "abc" }\n',
            "columns.talk_seconds: default",
        ),
        (
            '[source]\ntimezone = "Mars/Olympus"\n[columns]\ninteraction_id = "id"\noffered_at = "start"\nended_at = "end"\n',
            "source.timezone",
        ),
    ],
)
def test_mapping_mistakes_are_usage_errors_naming_the_key(cli, tmp_path, toml, key):
    data = write(tmp_path, "m.csv", "id,start,end,talk\nx1,2024-03-04 09:00,2024-03-04 09:05,1\n")
    mapping = write(tmp_path, "m.toml", toml)
    r = cli("report", data, "--mapping", mapping)
    assert r.exit_code == 2 and key in r.stderr, r.stderr
    assert "Error:" not in r.stderr.replace("error:", "")  # no DuckDB text


def test_load_records_the_true_file_name(cli, tmp_path):
    write(tmp_path, "data1.csv", "\n".join([H, row("wrong1"), row("wrong2")]) + "\n")
    path = write(tmp_path, "data[1].csv", "\n".join([H, row("right")]) + "\n")
    db = tmp_path / "s.duckdb"
    assert cli("load", path, "--db", db, "-q").exit_code == 0
    info = json.loads(cli("db", "info", "--db", db, "-f", "json").stdout)
    assert [Path(load["file"]).name for load in info["loads"]] == ["data[1].csv"]
    assert info["loads"][0]["rows_read"] == 1


def test_a_title_line_above_the_header_is_named_by_report_and_inspect(cli, tmp_path):
    path = write(tmp_path, "title.csv", "Report exported 2024-03-05\n" + H + "\n" + row("a1") + "\n")
    r = cli("report", path, "-f", "json")
    assert (
        r.exit_code == 3
        and "(found: Report exported 2024-03-05)" in r.stderr
        and "first line must be a header" in r.stderr
    )
    r = cli("inspect", path)
    assert r.exit_code == 3 and "line 2" in r.stderr and "title above the real header" in r.stderr


def test_disk_full_during_load_exits_74_and_leaves_the_store_as_it_was(cli, tmp_path, good, monkeypatch):
    from csmetrics.store import write as store_write

    db = tmp_path / "s.duckdb"
    assert cli("load", good, "--db", db, "-q").exit_code == 0
    before = json.loads(cli("db", "info", "--db", db, "-f", "json").stdout)["loads"]

    def full(*_a, **_k):
        raise duckdb.IOException('IO Error: Could not write file "s.duckdb.wal": No space left on device')

    monkeypatch.setattr(store_write, "_merge_file", full)
    other = write(tmp_path, "other.csv", "\n".join([H, row("b1")]) + "\n")
    r = cli("load", other, "--db", db)
    assert r.exit_code == 74 and "No space left on device" in r.stderr and str(db) in r.stderr
    monkeypatch.undo()
    assert json.loads(cli("db", "info", "--db", db, "-f", "json").stdout)["loads"] == before


def test_rows_an_older_version_stored_never_break_a_report(cli, store):
    con = duckdb.connect(str(store))
    con.execute(
        "INSERT INTO interactions (interaction_id, offered_at, answered_at, ended_at, _load_id, _content) VALUES "
        "('inf', '2024-03-04 09:00:00+00', '2024-03-04 09:00:10+00', 'infinity', 1, 1), "
        "('neg', '-infinity', NULL, '2024-03-04 09:00:00+00', 1, 2), "
        "('far', '2024-03-04 09:00:00+00', '2024-03-04 09:00:10+00', '294247-01-01 00:00:00+00', 1, 3)"
    )
    con.close()
    started = time.monotonic()
    q, _ = quality(cli, "--db", store, "--by", "interval")
    assert time.monotonic() - started < 30
    assert q["rejected"]["by_reason"] == {"time_out_of_range": 3} and q["contacts"] == 2
    assert cli("check", "--db", store, "--target", "offered>=0").exit_code == 0


def test_an_event_whose_next_event_is_centuries_away_is_rejected_not_gridded(cli, tmp_path):
    states = write(
        tmp_path,
        "ev.csv",
        "agent_id,state,at\n"
        "a,available,2024-03-04T09:00:00Z\n"
        "a,on_contact,2024-03-04T09:10:00Z\n"  # 604800 s before the next event would be kept; this is far more
        "a,offline,2199-03-04T09:00:00Z\n",
    )
    path = write(tmp_path, "i.csv", "\n".join([H, row("x")]) + "\n")
    started = time.monotonic()
    r = cli("report", path, "--states", states, "-f", "json", "-q")
    assert r.exit_code == 0 and time.monotonic() - started < 30
    assert json.loads(r.stdout)["data_quality"]["states"]["rejected"]["by_reason"] == {"implausible_duration": 1}


def test_side_input_lines_count_blank_lines_before_the_header(cli, tmp_path):
    surveys = write(tmp_path, "sv.csv", "\n\ninteraction_id,csat\na1,9\na1,x\n")
    path = write(tmp_path, "i.csv", "\n".join([H, row("a1")]) + "\n")
    r = cli("report", path, "--surveys", surveys, "-f", "json")
    assert r.exit_code == 3 and "sv.csv, line 5, column csat" in r.stderr


def test_escape_codes_in_a_file_name_never_reach_the_terminal(cli, tmp_path):
    path = write(tmp_path, "b\x1b[31my.csv", "interaction_id,offered_at,ended_at\na,nope,\n")
    r = cli("report", path)
    assert r.exit_code == 3 and "\x1b" not in r.stderr and "b\\x1b[31my.csv, line 2, column offered_at" in r.stderr


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("junk.parquet", b"\x00\x01garbage" * 300),
        ("junk.xlsx", b"PK\x03\x04junk"),
        ("junk.json", b"\xff{[" * 100),
        ("cut.csv.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"),
    ],
)
def test_corrupt_files_of_every_format_exit_3_in_one_line(cli, tmp_path, name, data):
    r = cli("report", write(tmp_path, name, data), "-f", "json")
    assert r.exit_code == 3 and name in r.stderr and r.stderr.count("\n") <= 2, r.stderr

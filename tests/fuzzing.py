"""A seeded generator of malformed input files (CSV, TSV, NDJSON, JSON, Parquet, xlsx) and the check every one
of them must pass: ``report FILE`` ends with exit 0, 2 or 3 (never 1, never a traceback, never a hang), and an
exit 0 accounts for every record of the file (rows_read is the number of records written, and
rows_read = contacts + rejected contacts + merged + superseded duplicates).

tests/test_fuzz.py runs a few hundred cases in CI. A larger run:

    python -m tests.fuzzing --cases 3000 --seed 7      # from the repository root; prints failures, exits 1 on any
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from csmetrics.cli import app

COLUMNS = ["interaction_id", "queue", "offered_at", "answered_at", "ended_at", "talk_seconds", "agent_id"]
HOSTILE_TIMES = [
    "infinity",
    "-infinity",
    "9999-12-31T23:59:59Z",
    "1969-07-20T20:17:00Z",
    "-2024-03-04T09:00:00Z",
    "2024-03-04 09:15:00 PST",
    "2024-03-04T09:15:00+25:00",
    "2024-03-04 09:15:00 America/New_York",
    "2024-02-30T09:00:00Z",
    "NaN",
    "",
    " ",
    "2024-03-04",
    "10000-01-01T00:00:00Z",
    "2024-03-04T25:00:00Z",
    "0000-01-01T00:00:00Z",
    "2024-03-04T09:00:00.123456789Z",
    "9" * 200,
]
HOSTILE_NUMBERS = ["NaN", "inf", "-inf", "1e400", "-5", "abc", "", "1,5", "0x10", "1" * 5000, "00:05:00"]
HOSTILE_TEXT = ["#1", "=1+1", "@SUM(A1)", "a|b", "\x1b[31mred", "\u202eevil", "Queue", "x" * 3000, "'", '"', "\\"]


@dataclass
class Case:
    name: str
    path: Path
    records: int | None  # data records written (None: the file is not one a reader can count)


def _time(rng: random.Random, base: int) -> str:
    minute = base % 600
    return f"2024-03-04T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    offered = _time(rng, i)
    answered = rng.random() < 0.7
    rec = {
        "interaction_id": f"id{i}",
        "queue": rng.choice(["sales", "support"]),
        "offered_at": offered,
        "answered_at": offered.replace(":00Z", ":20Z") if answered else "",
        "ended_at": offered.replace(":00Z", ":50Z"),
        "talk_seconds": str(rng.randint(1, 25)) if answered else "",
        "agent_id": rng.choice(["a1", "a2", ""]),
    }
    roll = rng.random()
    if roll < 0.25:
        rec[rng.choice(["offered_at", "answered_at", "ended_at"])] = rng.choice(HOSTILE_TIMES)
    elif roll < 0.4:
        rec["talk_seconds"] = rng.choice(HOSTILE_NUMBERS)
    elif roll < 0.55:
        rec[rng.choice(["interaction_id", "queue", "agent_id"])] = rng.choice(HOSTILE_TEXT)
    return rec


def _records(rng: random.Random) -> list[dict[str, Any]]:
    return [_record(rng, i) for i in range(rng.randint(0, 12))]


def _quote(value: str, delimiter: str) -> str:
    if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv(rng: random.Random, folder: Path, n: int) -> Case:
    delimiter = rng.choice([",", ",", ";", "\t", "|"])
    columns = COLUMNS[:]
    rng.shuffle(columns)
    records = _records(rng)
    lines = [delimiter.join(columns)] + [delimiter.join(_quote(str(r[c]), delimiter) for c in columns) for r in records]
    count: int | None = len(records)
    mutation = rng.choice(
        ["none", "short", "long", "header_again", "blank", "spaces", "crlf_mix", "open_quote", "bytes",
         "title", "case_dup", "empty", "bom", "nul", "no_newline", "comment"]
    )  # fmt: skip
    at = rng.randint(1, len(lines)) if len(lines) > 1 else 1
    if mutation == "short" and len(lines) > 1:
        lines[at - 1 if at > 1 else 1] = lines[at - 1 if at > 1 else 1].rsplit(delimiter, 2)[0]
    elif mutation == "long" and len(lines) > 1:
        lines[max(at - 1, 1)] += delimiter + "extra"
    elif mutation == "header_again":
        lines.insert(at, lines[0] + rng.choice(["", delimiter + "more"]))
    elif mutation == "blank":
        lines.insert(at, "")
    elif mutation == "spaces":
        lines.insert(at, "   ")
    elif mutation == "open_quote" and len(lines) > 1:
        lines[max(at - 1, 1)] = '"' + lines[max(at - 1, 1)]
    elif mutation == "title":
        lines.insert(0, "Report exported 2024-03-05")
    elif mutation == "case_dup":
        lines[0] += delimiter + "QUEUE"
        lines[1:] = [line + delimiter + "x" for line in lines[1:]]
    elif mutation == "comment":
        lines.insert(at, "# note")
    if mutation == "empty":
        data = b""
    else:
        newline = "\r\n" if rng.random() < 0.2 else "\n"
        text = newline.join(lines) + ("" if mutation == "no_newline" else newline)
        data = text.encode()
        if mutation == "crlf_mix":
            data = data.replace(b"\n", b"\r\n", 1)
        elif mutation == "bytes":
            data = data[: len(data) // 2] + bytes([0xFF, 0xFE, 0x80]) + data[len(data) // 2 :]
        elif mutation == "bom":
            data = b"\xef\xbb\xbf" + data
        elif mutation == "nul":
            data = data.replace(b",", b"\x00,", 1)
    suffix = ".tsv" if delimiter == "\t" and rng.random() < 0.5 else ".csv"
    path = folder / f"case{n}{suffix}"
    path.write_bytes(data)
    return Case(f"csv/{mutation}", path, count)


def _json(rng: random.Random, folder: Path, n: int) -> Case:
    records: list[Any] = _records(rng)
    mutation = rng.choice(["none", "types", "nested", "case_dup", "truncated", "not_list", "empty"])
    if mutation == "types" and records:
        records[0]["talk_seconds"] = rng.choice([float("1e308"), -1, True, None, [1, 2], {"a": 1}])
    elif mutation == "nested" and records:
        records[0]["queue"] = {"name": "x", "deep": [[[1]]]}
    elif mutation == "case_dup" and records:
        records[0]["QUEUE"] = "again"
    ndjson = rng.random() < 0.5
    text = "\n".join(json.dumps(r) for r in records) + "\n" if ndjson else json.dumps(records)
    if mutation == "truncated":
        text = text[: max(len(text) // 2, 1)]
    elif mutation == "not_list":
        text = '"just a string"'
    elif mutation == "empty":
        text = ""
    path = folder / f"case{n}.{'ndjson' if ndjson else 'json'}"
    path.write_text(text, encoding="utf-8")
    return Case(f"json/{mutation}", path, None if mutation in ("truncated", "not_list", "empty") else len(records))


def _parquet(rng: random.Random, folder: Path, n: int) -> Case:
    records = _records(rng)
    count = len(records)
    base = 1_709_542_800_000_000
    times = pa.array(
        [base + i * 60_000_000 for i in range(count)],
        pa.timestamp(rng.choice(["us", "ns", "ms"]), tz=rng.choice(["UTC", None])),
    )
    talk = [rng.choice([1.0, 2.5, float("nan"), float("inf"), -3.0, 1e300, None]) for _ in range(count)]
    columns: dict[str, Any] = {
        "interaction_id": pa.array([r["interaction_id"] for r in records], pa.string()),
        "offered_at": times,
        "ended_at": times,
        "talk_seconds": pa.array(talk, pa.float64()),
    }
    mutation = rng.choice(["none", "text_times", "int_times", "null_column", "file_row_number", "case_dup"])
    if mutation == "text_times":
        columns["answered_at"] = pa.array([r["answered_at"] for r in records], pa.string())
    elif mutation == "int_times":
        columns["answered_at"] = pa.array(list(range(count)), pa.int64())
    elif mutation == "null_column":
        columns["queue"] = pa.nulls(count)
    elif mutation == "file_row_number":
        columns["file_row_number"] = pa.array(list(range(count)), pa.int64())
    elif mutation == "case_dup":
        columns["Queue"] = pa.array(["a"] * count)
        columns["QUEUE"] = pa.array(["b"] * count)
    path = folder / f"case{n}.parquet"
    pq.write_table(pa.table(columns), path)
    return Case(f"parquet/{mutation}", path, count)


def _xlsx(rng: random.Random, folder: Path, n: int) -> Case:
    from tests.xlsx_writer import write_xlsx

    records = _records(rng)
    mutation = rng.choice(["none", "empty", "header_only", "numbers"])
    rows: list[list[object]] = [COLUMNS] + [[r[c] for c in COLUMNS] for r in records]
    if mutation == "empty":
        rows = []
    elif mutation == "header_only":
        rows = rows[:1]
    elif mutation == "numbers" and len(rows) > 1:
        rows[1][2] = 45355.375  # an Excel serial date where text is expected
    path = write_xlsx(folder / f"case{n}.xlsx", {"Sheet1": rows})
    return Case(f"xlsx/{mutation}", path, None if mutation == "empty" else len(rows) - 1)


GENERATORS: list[Callable[[random.Random, Path, int], Case]] = [_csv, _csv, _csv, _json, _parquet, _xlsx]


def generate(seed: int, count: int, folder: Path) -> list[Case]:
    rng = random.Random(seed)
    return [rng.choice(GENERATORS)(rng, folder, n) for n in range(count)]


EXITS: dict[int, int] = {}  # exit code -> cases, over a run (printed by main)


def check(runner: CliRunner, case: Case, command: str = "report") -> str | None:
    """What is wrong with how csmetrics handled ``case`` (None: nothing); ``command`` report, inspect or load
    (then, when the load exits 0, a report of the store)."""
    started = time.monotonic()
    store = case.path.with_name(case.path.name + ".duckdb")
    args = {
        "report": ["report", str(case.path), "-f", "json", "-q"],
        "inspect": ["inspect", str(case.path)],
        "load": ["load", str(case.path), "--db", str(store), "-q"],
    }[command]
    result = runner.invoke(app, args, catch_exceptions=True)
    EXITS[result.exit_code] = EXITS.get(result.exit_code, 0) + 1
    seconds = time.monotonic() - started
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"raised {type(result.exception).__name__}: {result.exception}"
    if seconds > 20:
        return f"took {seconds:.0f} s"
    if result.exit_code not in (0, 2, 3):
        return f"exit {result.exit_code}: {result.stderr[:300]}"
    if "Traceback" in result.stderr or "internal error" in result.stderr:
        return f"traceback: {result.stderr[:300]}"
    if len(result.stderr) > 20_000:
        return f"{len(result.stderr)} characters on stderr"
    if result.exit_code == 0 and command == "load":
        return _check_stored(runner, store)
    if result.exit_code != 0 or command != "report":
        return None
    quality = json.loads(result.stdout)["data_quality"]
    read = quality["rows_read"]
    if case.records is not None and read != case.records:
        return f"exit 0 but rows_read {read}, file has {case.records} records"
    counted = (
        quality["contacts"]
        + quality["rejected"]["contacts"]
        + quality["duplicates_merged"]
        + quality["duplicates_superseded"]
    )
    if counted != read:
        return f"exit 0 but {read} rows read and {counted} accounted for"
    return None


def _check_stored(runner: CliRunner, store: Path) -> str | None:
    """After a load that exited 0: the store reports (no row a load accepted may break a later report)."""
    result = runner.invoke(app, ["report", "--db", str(store), "-f", "json", "-q"], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"report --db raised {type(result.exception).__name__}: {result.exception}"
    if result.exit_code != 0:
        return f"loaded, then report --db exit {result.exit_code}: {result.stderr[:300]}"
    return None


def run(seed: int, count: int, folder: Path, command: str = "report") -> list[tuple[Case, str]]:
    runner = CliRunner()
    failures = []
    for case in generate(seed, count, folder):
        problem = check(runner, case, command)
        if problem is not None:
            failures.append((case, problem))
    return failures


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--command", choices=["report", "inspect", "load"], default="report")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        failures = run(args.seed, args.cases, Path(folder), args.command)
        for case, problem in failures:
            print(f"{case.name} {case.path.name}: {problem}")
    print(f"{args.cases} cases, {len(failures)} failures; exit codes {dict(sorted(EXITS.items()))}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Benchmark `csmetrics report --by day,queue` against one hand-written DuckDB query, and check the figures.

    python benchmarks/bench_report.py --shape typed-parquet               # 10M typed Parquet, 3 pairs
    python benchmarks/bench_report.py --shape faulted-csv                 # 10M faulted CSV export
    python benchmarks/bench_report.py --shape faulted-parquet --keep      # reuse the generated file
    python benchmarks/bench_report.py --shape typed-parquet --rows 100000000 --pairs 1

Shapes (the speed depends on the data's shape, so there is more than one):

- ``faulted-csv`` / ``faulted-parquet``: sample_data/generate.py's export WITH its deliberate faults
  (duplicates, a re-exported row, rejected rows, contacts in progress), so dedupe and the checks are
  exercised; reference: benchmarks/reference_report.sql (default definitions, same rules).
- ``typed-parquet``: benchmarks/generate_typed.py's clean export with typed columns (times as
  timestamp[ms, tz=UTC], int64 durations and scores, bool flags), as a platform's data lake holds it;
  reference: benchmarks/reference_typed.sql (no dedupe, no validation), and csmetrics runs with
  ``--set abandon.short_abandon_seconds=0``.

Steps: generate the file (unless --keep and it exists); run csmetrics and the reference in turn, A B A B ...
(--pairs, default 3), each as a fresh child process (Python start-up and imports included), measuring wall
time, CPU time and peak RSS (os.wait4); compare every (day, queue) figure (counts exactly, ratios and means
within 1e-9 relative; any difference is listed and the script exits 1); print the medians, the median of the
per-pair ratios and both peak memories, and write benchmarks/out/result_<shape>_<rows>.json. When a result
for 10,000,000 rows of the same shape exists, a larger run also prints how both sides' times scaled.

Exit codes: 0 figures match (whether or not a target is met: timings on a shared machine are noisy, the
verdict is printed and in the JSON), 1 a figure differs, 2 a child process failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
REFERENCE_SQL = HERE / "reference_report.sql"
TYPED_SQL = HERE / "reference_typed.sql"
TARGET_RATIO = 1.5
TYPED_MEMORY_TARGET_MIB = 2.5 * 1000**3 / 1024**2  # 10M typed Parquet: peak <= 2.5 GB
SCALING_TARGET = 12.0  # 100M typed Parquet: within 12x of the 10M time
REL_TOL = 1e-9
KEYS = ("day", "queue")


@dataclass(frozen=True)
class Shape:
    suffix: str  # the generated file's extension
    reference: Path  # the hand-written query
    export: str  # the reference's view of the file (the path is the variable ``path``)
    csmetrics_args: tuple[str, ...] = ()


SHAPES = {
    "faulted-parquet": Shape(
        "parquet",
        REFERENCE_SQL,
        "SELECT * FROM read_parquet(getvariable('path'), file_row_number = true)",
    ),
    # A CSV has no row numbers of its own: the hand-written query counts them as DuckDB reads the file.
    "faulted-csv": Shape(
        "csv",
        REFERENCE_SQL,
        "SELECT *, row_number() OVER () - 1 AS file_row_number FROM read_csv(getvariable('path'))",
    ),
    "typed-parquet": Shape(
        "parquet",
        TYPED_SQL,
        "SELECT * FROM read_parquet(getvariable('path'))",
        ("--set", "abandon.short_abandon_seconds=0"),
    ),
}

# The reference child: argv = sql file, export view SQL, data file, time zone, output JSON.
REFERENCE_CODE = """
import json, sys
import duckdb
sql_path, export, path, tz, out = sys.argv[1:6]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("SET VARIABLE path = $v", {"v": path})
con.execute("SET VARIABLE tz = $v", {"v": tz})
con.execute("CREATE TEMP VIEW export AS " + export)
with open(sql_path) as f:
    cur = con.execute(f.read())
cols = [d[0] for d in cur.description]
rows = [dict(zip(cols, r)) for r in cur.fetchall()]
with open(out, "w") as f:
    json.dump({"columns": cols, "rows": rows}, f, default=str)
"""


def run_measured(cmd: list[str], *, cwd: Path = REPO) -> dict[str, Any]:
    """Run ``cmd``; return wall seconds, the child's peak RSS (MiB), exit code and stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return {
        "seconds": seconds,
        # Linux reports ru_maxrss in KiB (macOS in bytes).
        "peak_rss_mib": usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024),
        "user_seconds": usage.ru_utime,
        "system_seconds": usage.ru_stime,
        "returncode": proc.returncode,
        "stderr": stderr,
    }


def csmetrics_command() -> list[str]:
    script = Path(sys.executable).with_name("csmetrics")
    if script.exists():
        return [str(script)]
    found = shutil.which("csmetrics")
    return [found] if found else [sys.executable, "-m", "csmetrics"]


def generate(shape: str, rows: int, path: Path) -> float:
    path.parent.mkdir(parents=True, exist_ok=True)
    if shape == "typed-parquet":
        cmd = [sys.executable, str(HERE / "generate_typed.py"), "--rows", str(rows), "-o", str(path)]
    else:
        fmt = SHAPES[shape].suffix
        cmd = [sys.executable, str(REPO / "sample_data" / "generate.py"), "--rows", str(rows), "--format", fmt]
        cmd += ["-o", str(path)]
    print(f"generating {rows:,} rows: {' '.join(cmd[1:])}", flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def count_rows(path: Path) -> int:
    import duckdb  # only here: the parent process stays light while the children run

    con = duckdb.connect()
    try:
        if path.suffix == ".parquet":
            sql = "SELECT sum(num_rows) FROM parquet_file_metadata($p)"
        else:
            sql = "SELECT count(*) FROM read_csv($p, all_varchar = true)"
        return int(con.execute(sql, {"p": str(path)}).fetchone()[0])
    finally:
        con.close()


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return a == b


def compare(csm_rows: list[dict[str, Any]], ref_cols: list[str], ref_rows: list[dict[str, Any]]) -> list[str]:
    """Every difference, as text; empty when csmetrics reports exactly what the reference computes."""
    problems: list[str] = []
    metrics = [c for c in ref_cols if c not in KEYS]
    missing_cols = [m for m in metrics if csm_rows and m not in csm_rows[0]]
    if missing_cols:
        problems.append(f"csmetrics JSON rows lack metric(s): {', '.join(missing_cols)}")
        metrics = [m for m in metrics if m not in missing_cols]
    csm = {tuple(r.get(k) for k in KEYS): r for r in csm_rows}
    ref = {tuple(r.get(k) for k in KEYS): r for r in ref_rows}
    if len(csm) != len(csm_rows):
        problems.append("csmetrics has repeated (day, queue) rows")
    for key in sorted(set(ref) - set(csm), key=str):
        problems.append(f"row {key}: only in the reference")
    for key in sorted(set(csm) - set(ref), key=str):
        problems.append(f"row {key}: only in csmetrics")
    for key in sorted(set(csm) & set(ref), key=str):
        for m in metrics:
            a, b = csm[key].get(m), ref[key].get(m)
            if not same(a, b):
                rel = ""
                if isinstance(a, int | float) and isinstance(b, int | float) and b:
                    rel = f"  (rel. diff {abs(a - b) / abs(b):.3g})"
                problems.append(f"row {key} {m}: csmetrics {a!r} != reference {b!r}{rel}")
    return problems


def mib(n: float) -> str:
    return f"{n:,.0f} MiB"


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_pairs(commands: dict[str, list[str]], pairs: int) -> dict[str, list[dict[str, Any]]]:
    """Run the commands in turn, ``pairs`` times; every run of every command, in order."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    for i in range(pairs):
        for name, cmd in commands.items():
            r = run_measured(cmd)
            runs[name].append(r)
            print(
                f"  pair {i + 1}/{pairs} {name:<9} {r['seconds']:7.2f} s  peak {mib(r['peak_rss_mib'])}  "
                f"(cpu {r['user_seconds'] + r['system_seconds']:.1f} s)",
                flush=True,
            )
            if r["returncode"] != 0:
                print(f"{name} failed (exit {r['returncode']}):\n{r['stderr']}", file=sys.stderr)
                raise SystemExit(2)
    return runs


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    cpu = [r["user_seconds"] + r["system_seconds"] for r in runs]
    return {
        "seconds": median([r["seconds"] for r in runs]),
        "cpu_seconds": median(cpu),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "all_seconds": [round(r["seconds"], 3) for r in runs],
        "all_peak_rss_mib": [round(r["peak_rss_mib"], 1) for r in runs],
    }


def result_path(shape: str, rows: int) -> Path:
    return OUT / f"result_{shape}_{rows}.json"


def configured_limit_mib() -> float:
    sys.path.insert(0, str(REPO))
    from csmetrics.pipeline.resources import Resources

    return Resources.from_settings().limit_bytes / 1024**2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", choices=sorted(SHAPES), default="faulted-parquet", help="data shape (see above)")
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows to generate (default 10,000,000)")
    ap.add_argument("--keep", action="store_true", help="reuse the generated file if it exists")
    ap.add_argument("--tz", default="America/New_York", help="report time zone (default America/New_York)")
    ap.add_argument("--pairs", type=int, default=3, help="runs of each side, in turn (default 3); medians reported")
    args = ap.parse_args(argv)
    if args.pairs < 1:
        ap.error("--pairs must be >= 1")
    shape = SHAPES[args.shape]

    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / f"{args.shape}_{args.rows}.{shape.suffix}"
    gen_seconds = None
    if args.keep and data.exists():
        print(f"reusing {data.relative_to(REPO)} (--keep)")
    else:
        gen_seconds = generate(args.shape, args.rows, data)
    rows = count_rows(data)
    size = data.stat().st_size
    print(f"file: {data.relative_to(REPO)}, {rows:,} rows, {size / 1e6:,.1f} MB", flush=True)

    csm_json = OUT / f"csmetrics_{args.shape}.json"
    ref_json = OUT / f"reference_{args.shape}.json"
    csm_cmd = [*csmetrics_command(), "report", str(data), "--by", "day,queue", "--tz", args.tz]
    csm_cmd += [*shape.csmetrics_args, "--format", "json", "-q", "-o", str(csm_json)]
    ref_cmd = [sys.executable, "-c", REFERENCE_CODE, str(shape.reference), shape.export, str(data), args.tz]
    ref_cmd += [str(ref_json)]
    runs = run_pairs({"csmetrics": csm_cmd, "reference": ref_cmd}, args.pairs)

    csm_doc = json.loads(csm_json.read_text())
    ref_doc = json.loads(ref_json.read_text())
    problems = compare(csm_doc["rows"], ref_doc["columns"], ref_doc["rows"])
    metrics = [c for c in ref_doc["columns"] if c not in KEYS]

    csm, ref = summarise(runs["csmetrics"]), summarise(runs["reference"])
    pair_ratios = [a["seconds"] / b["seconds"] for a, b in zip(runs["csmetrics"], runs["reference"], strict=True)]
    ratio = median(pair_ratios)
    cpu_ratio = csm["cpu_seconds"] / ref["cpu_seconds"] if ref["cpu_seconds"] else float("nan")
    limit_mib = configured_limit_mib()

    print()
    print(f"shape                {args.shape}")
    print(f"rows                 {rows:,} ({csm_doc['data_quality'].get('rows_read', rows):,} read by csmetrics)")
    print(f"file size            {size / 1e6:,.1f} MB ({size:,} bytes)")
    print(f"report rows          {len(csm_doc['rows'])} (day x queue), {len(metrics)} metrics compared")
    print(f"csmetrics            {csm['seconds']:.2f} s (median of {args.pairs})   peak RSS {mib(csm['peak_rss_mib'])}")
    print(f"hand-written query   {ref['seconds']:.2f} s (median of {args.pairs})   peak RSS {mib(ref['peak_rss_mib'])}")
    print("                     (wall time of each child process, Python start-up and imports included)")
    verdict = "MET" if ratio <= TARGET_RATIO else "NOT MET"
    print(f"ratio                {ratio:.2f}x  median of the pairs {[round(r, 2) for r in pair_ratios]}")
    print(f"                     (target <= {TARGET_RATIO}x: {verdict})")
    print(
        f"CPU time (user+sys)  csmetrics {csm['cpu_seconds']:.1f} s, reference {ref['cpu_seconds']:.1f} s, "
        f"ratio {cpu_ratio:.2f}x"
    )
    print(
        f"memory limit         {mib(limit_mib)} (csmetrics' default or configured limit); csmetrics peak "
        f"{'under' if csm['peak_rss_mib'] < limit_mib else 'OVER'} it"
    )
    if args.shape == "typed-parquet" and args.rows == 10_000_000:
        met = csm["peak_rss_mib"] <= TYPED_MEMORY_TARGET_MIB
        print(f"memory target        peak <= 2.5 GB ({mib(TYPED_MEMORY_TARGET_MIB)}): {'MET' if met else 'NOT MET'}")
    scaling = None
    baseline = result_path(args.shape, 10_000_000)
    if args.rows > 10_000_000 and baseline.exists():
        base = json.loads(baseline.read_text())
        scaling = {
            "baseline": str(baseline.relative_to(REPO)),
            "csmetrics": csm["seconds"] / base["csmetrics"]["seconds"],
            "reference": ref["seconds"] / base["reference"]["seconds"],
        }
        met = scaling["csmetrics"] <= SCALING_TARGET
        print(
            f"scaling vs 10M       csmetrics {scaling['csmetrics']:.1f}x, reference {scaling['reference']:.1f}x "
            f"the 10M medians (target <= {SCALING_TARGET:.0f}x: {'MET' if met else 'NOT MET'})"
        )
    if problems:
        print(f"figures              MISMATCH: {len(problems)} difference(s)")
        for p in problems[:50]:
            print(f"  {p}")
        if len(problems) > 50:
            print(f"  ... {len(problems) - 50} more (all in the result file)")
    else:
        print(f"figures              match ({len(csm_doc['rows'])} rows x {len(metrics)} metrics)")

    result = {
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "shape": args.shape,
        "rows": rows,
        "file": str(data.relative_to(REPO)),
        "file_bytes": size,
        "generate_seconds": gen_seconds,
        "timezone": args.tz,
        "pairs": args.pairs,
        "csmetrics": {**csm, "command": csm_cmd},
        "reference": {**ref, "sql": str(shape.reference.relative_to(REPO)), "export": shape.export},
        "ratio": ratio,
        "pair_ratios": pair_ratios,
        "target_ratio": TARGET_RATIO,
        "cpu_ratio": cpu_ratio,
        "memory_limit_mib": limit_mib,
        "scaling": scaling,
        "timing_note": "wall time of each child process, including Python start-up and imports; medians",
        "figures_match": not problems,
        "report_rows": len(csm_doc["rows"]),
        "metrics_compared": metrics,
        "mismatches": problems,
        "machine": {"cpus": os.cpu_count(), "loadavg_1m": os.getloadavg()[0], "python": platform.python_version()},
    }
    out = result_path(args.shape, args.rows)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"result               {out.relative_to(REPO)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

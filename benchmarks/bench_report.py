#!/usr/bin/env python
"""Benchmark `csmetrics report --by day,queue` against one hand-written DuckDB query, and check the figures.

    python benchmarks/bench_report.py                 # 10M rows: generate, time both, compare
    python benchmarks/bench_report.py --rows 1000000  # quicker
    python benchmarks/bench_report.py --keep          # reuse benchmarks/out/bench.parquet

Steps:
1. Generate benchmarks/out/bench.parquet with sample_data/generate.py (WITH the deliberate faults:
   duplicates, a re-exported row, rejected rows, contacts in progress, so dedupe and the checks are
   exercised; the reference query implements the same rules).
2. Run `csmetrics report FILE --by day,queue --tz TZ --format json -q -o OUT` as a child process.
3. Run benchmarks/reference_report.sql in a fresh `python -c` child with duckdb.
   Both times are wall-clock times of the whole child process, so both include Python start-up and
   `import duckdb` (csmetrics also imports polars, rich, ...). Peak memory is the child's ru_maxrss
   (os.wait4).
4. Compare every (day, queue) row and every metric the reference computes: counts exactly, ratios
   and means within 1e-9 relative. Any difference is listed and the script exits 1.
5. Print the figures and write benchmarks/out/result.json.

Exit codes: 0 figures match (whether or not the speed target is met: timings on a shared machine are
noisy, the verdict is printed and in result.json), 1 a figure differs, 2 a child process failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
PARQUET = OUT / "bench.parquet"
REFERENCE_SQL = HERE / "reference_report.sql"
TARGET_RATIO = 1.5
REL_TOL = 1e-9
KEYS = ("day", "queue")

# The reference child: argv = sql file, parquet file, time zone, output JSON.
REFERENCE_CODE = """
import json, sys
import duckdb
sql_path, path, tz, out = sys.argv[1:5]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("SET VARIABLE path = $v", {"v": path})
con.execute("SET VARIABLE tz = $v", {"v": tz})
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


def generate(rows: int, path: Path) -> float:
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        str(REPO / "sample_data" / "generate.py"),
        "--rows",
        str(rows),
        "--format",
        "parquet",
        "-o",
        str(path),
    ]
    print(f"generating {rows:,} rows: {' '.join(cmd[1:])}", flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def parquet_rows(path: Path) -> int:
    import duckdb  # only here: the parent process stays light while the children run

    con = duckdb.connect()
    try:
        return int(con.execute("SELECT sum(num_rows) FROM parquet_file_metadata($p)", {"p": str(path)}).fetchone()[0])
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="approximate rows to generate (default 10,000,000)")
    ap.add_argument("--keep", action="store_true", help=f"reuse {PARQUET.relative_to(REPO)} if it exists")
    ap.add_argument("--tz", default="America/New_York", help="report time zone (default America/New_York)")
    ap.add_argument(
        "--repeat", type=int, default=1, help="timed runs of each side, alternating (default 1); best is reported"
    )
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")

    OUT.mkdir(parents=True, exist_ok=True)
    gen_seconds = None
    if args.keep and PARQUET.exists():
        print(f"reusing {PARQUET.relative_to(REPO)} (--keep)")
    else:
        gen_seconds = generate(args.rows, PARQUET)
    rows = parquet_rows(PARQUET)
    size = PARQUET.stat().st_size
    print(f"file: {PARQUET.relative_to(REPO)}, {rows:,} rows, {size / 1e6:,.1f} MB", flush=True)

    csm_json = OUT / "csmetrics_report.json"
    ref_json = OUT / "reference_report.json"
    csm_cmd = [
        *csmetrics_command(),
        "report",
        str(PARQUET),
        "--by",
        "day,queue",
        "--tz",
        args.tz,
        "--format",
        "json",
        "-q",
        "-o",
        str(csm_json),
    ]
    ref_cmd = [sys.executable, "-c", REFERENCE_CODE, str(REFERENCE_SQL), str(PARQUET), args.tz, str(ref_json)]

    csm_runs: list[dict[str, Any]] = []
    ref_runs: list[dict[str, Any]] = []
    for i in range(args.repeat):
        for name, cmd, runs in (("csmetrics", csm_cmd, csm_runs), ("reference", ref_cmd, ref_runs)):
            r = run_measured(cmd)
            runs.append(r)
            print(
                f"  run {i + 1}/{args.repeat} {name:<9} {r['seconds']:7.2f} s  peak {mib(r['peak_rss_mib'])}  "
                f"(cpu {r['user_seconds'] + r['system_seconds']:.1f} s)",
                flush=True,
            )
            if r["returncode"] != 0:
                print(f"{name} failed (exit {r['returncode']}):\n{r['stderr']}", file=sys.stderr)
                return 2

    csm_doc = json.loads(csm_json.read_text())
    ref_doc = json.loads(ref_json.read_text())
    problems = compare(csm_doc["rows"], ref_doc["columns"], ref_doc["rows"])
    metrics = [c for c in ref_doc["columns"] if c not in KEYS]

    csm_best = min(csm_runs, key=lambda r: r["seconds"])
    ref_best = min(ref_runs, key=lambda r: r["seconds"])
    ratio = csm_best["seconds"] / ref_best["seconds"]
    met = ratio <= TARGET_RATIO
    csm_cpu = csm_best["user_seconds"] + csm_best["system_seconds"]
    ref_cpu = ref_best["user_seconds"] + ref_best["system_seconds"]
    cpu_ratio = csm_cpu / ref_cpu if ref_cpu else float("nan")
    # On a shared machine wall time also measures the neighbours: flag runs that got well under one core.
    contended = any(r["seconds"] > 1.2 * (r["user_seconds"] + r["system_seconds"]) for r in (csm_best, ref_best))

    print()
    print(f"rows                 {rows:,} ({csm_doc['data_quality'].get('rows_read', rows):,} read by csmetrics)")
    print(f"file size            {size / 1e6:,.1f} MB ({size:,} bytes)")
    print(f"report rows          {len(csm_doc['rows'])} (day x queue), {len(metrics)} metrics compared")
    print(f"csmetrics            {csm_best['seconds']:.2f} s   peak RSS {mib(csm_best['peak_rss_mib'])}")
    print(f"hand-written query   {ref_best['seconds']:.2f} s   peak RSS {mib(ref_best['peak_rss_mib'])}")
    print(
        "                     (wall time of each child process, Python start-up and imports included;"
        f" best of {args.repeat})"
    )
    print(f"ratio                {ratio:.2f}x  (target <= {TARGET_RATIO}x: {'MET' if met else 'NOT MET'})")
    print(f"CPU time (user+sys)  csmetrics {csm_cpu:.1f} s, reference {ref_cpu:.1f} s, ratio {cpu_ratio:.2f}x")
    if contended:
        print(
            "warning              the timed run got less than one core on average (wall > 1.2 x CPU): the machine"
            " was busy, wall times are inflated; compare the CPU ratio too, or rerun with --repeat"
        )
    if problems:
        print(f"figures              MISMATCH: {len(problems)} difference(s)")
        for p in problems[:50]:
            print(f"  {p}")
        if len(problems) > 50:
            print(f"  ... {len(problems) - 50} more (all in result.json)")
    else:
        print(f"figures              match ({len(csm_doc['rows'])} rows x {len(metrics)} metrics)")

    result = {
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "rows": rows,
        "file": str(PARQUET.relative_to(REPO)),
        "file_bytes": size,
        "generate_seconds": gen_seconds,
        "timezone": args.tz,
        "repeat": args.repeat,
        "csmetrics": {
            "seconds": csm_best["seconds"],
            "peak_rss_mib": csm_best["peak_rss_mib"],
            "cpu_seconds": csm_cpu,
            "all_seconds": [r["seconds"] for r in csm_runs],
            "command": csm_cmd,
        },
        "reference": {
            "seconds": ref_best["seconds"],
            "peak_rss_mib": ref_best["peak_rss_mib"],
            "cpu_seconds": ref_cpu,
            "all_seconds": [r["seconds"] for r in ref_runs],
            "sql": str(REFERENCE_SQL.relative_to(REPO)),
        },
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "target_met": met,
        "cpu_ratio": cpu_ratio,
        "contended": contended,
        "timing_note": "wall time of each child process, including Python start-up and imports",
        "figures_match": not problems,
        "report_rows": len(csm_doc["rows"]),
        "metrics_compared": metrics,
        "mismatches": problems,
        "machine": {"cpus": os.cpu_count(), "loadavg_1m": os.getloadavg()[0], "python": platform.python_version()},
    }
    (OUT / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"result               {(OUT / 'result.json').relative_to(REPO)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

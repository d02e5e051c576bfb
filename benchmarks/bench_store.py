#!/usr/bin/env python
"""Benchmark the store as cron grows it: a year of nightly loads, a report over it, one more nightly load.

    python benchmarks/bench_store.py                  # 30M contacts in 365 daily files, 100k nightly, 3 pairs
    python benchmarks/bench_store.py --keep           # reuse the generated files and the built store
    python benchmarks/bench_store.py --rows 3000000   # quicker

Steps:
1. Generate a year of typed, clean exports with benchmarks/generate_typed.py (--rows contacts over --days
   UTC days from 2024-01-01), one Parquet file per day, and a "tonight" file of --nightly contacts on the day
   after (new ids; customers shared with the history, so repeats cross the nights).
2. Build the store: `csmetrics load DAILY_FILES --db STORE` (one call, 365 loads; timed once).
3. `csmetrics report --db STORE --by day,queue --tz TZ --set abandon.short_abandon_seconds=0 --format json`
   against benchmarks/reference_typed.sql over the stored interactions (attached read-only), in turn, --pairs
   times; every figure compared.
4. One more nightly load: `csmetrics load TONIGHT --db COPY` into a fresh copy of the store, --pairs times.

Targets: the report's peak memory <= 3 GB; the nightly load under 10 s. Times are wall times of whole child
processes; peak memory is the child's peak RSS. The figures go to benchmarks/out/result_store.json.
Exit codes: 0 figures match, 1 a figure differs, 2 a child process failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_report import (  # noqa: E402  (a sibling script, not a package)
    KEYS,
    OUT,
    REPO,
    TYPED_SQL,
    compare,
    csmetrics_command,
    median,
    mib,
    run_measured,
    run_pairs,
    summarise,
)

REPORT_MEMORY_TARGET_MIB = 3 * 1000**3 / 1024**2  # 3 GB
NIGHTLY_TARGET_SECONDS = 10.0

REFERENCE_CODE = """
import json, sys
import duckdb
sql_path, store, tz, out = sys.argv[1:5]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("ATTACH $p AS store (READ_ONLY)", {"p": store})
con.execute("SET VARIABLE tz = $v", {"v": tz})
# the store keeps a survey answer as its text as given (NULL: read from a typed column) and its number
# (csat_value, nps_value); the typed export had them as integers
con.execute("CREATE TEMP VIEW export AS SELECT * REPLACE (CAST(csat_value AS BIGINT) AS csat, "
            "CAST(nps_value AS BIGINT) AS nps) FROM store.interactions")
with open(sql_path) as f:
    cur = con.execute(f.read())
cols = [d[0] for d in cur.description]
rows = [dict(zip(cols, r)) for r in cur.fetchall()]
with open(out, "w") as f:
    json.dump({"columns": cols, "rows": rows}, f, default=str)
"""


def generate(rows: int, days: int, nightly: int, history: Path, daily: Path, tonight: Path) -> None:
    gen = [sys.executable, str(HERE / "generate_typed.py")]
    start = dt.date(2024, 1, 1)
    night = (start + dt.timedelta(days=days)).isoformat()
    tonight_args = ["--rows", str(nightly), "--days", "1", "--start", night, "--prefix", "n", "--seed", "11"]
    steps = [
        [*gen, "--rows", str(rows), "--days", str(days), "-o", str(history), "--split-days", str(daily)],
        [*gen, *tonight_args, "-o", str(tonight)],
    ]
    if daily.exists():
        shutil.rmtree(daily)
    for cmd in steps:
        print(f"generating: {' '.join(cmd[1:])}", flush=True)
        subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=30_000_000, help="contacts in the year (default 30,000,000)")
    ap.add_argument("--days", type=int, default=365, help="daily files (default 365)")
    ap.add_argument("--nightly", type=int, default=100_000, help="contacts in tonight's file (default 100,000)")
    ap.add_argument("--keep", action="store_true", help="reuse the generated files and the built store")
    ap.add_argument("--tz", default="America/New_York")
    ap.add_argument("--pairs", type=int, default=3)
    args = ap.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    history, daily = OUT / f"store_history_{args.rows}.parquet", OUT / f"store_days_{args.rows}"
    tonight, store = OUT / f"store_tonight_{args.nightly}.parquet", OUT / f"store_{args.rows}.duckdb"
    if not (args.keep and daily.exists() and tonight.exists()):
        generate(args.rows, args.days, args.nightly, history, daily, tonight)
        store.unlink(missing_ok=True)
    files = sorted(daily.glob("*.parquet"))
    print(f"{len(files)} daily files in {daily.relative_to(REPO)}, {tonight.name} for tonight", flush=True)

    build = None
    if not (args.keep and store.exists()):
        store.unlink(missing_ok=True)
        cmd = [*csmetrics_command(), "load", *map(str, files), "--db", str(store), "-q"]
        print(f"building the store: csmetrics load <{len(files)} files> --db {store.relative_to(REPO)}", flush=True)
        build = run_measured(cmd)
        if build["returncode"] != 0:
            print(f"load failed:\n{build['stderr']}", file=sys.stderr)
            return 2
        print(f"  built in {build['seconds']:.1f} s, peak {mib(build['peak_rss_mib'])}", flush=True)
    size = store.stat().st_size

    csm_json, ref_json = OUT / "csmetrics_store.json", OUT / "reference_store.json"
    report = [*csmetrics_command(), "report", "--db", str(store), "--by", "day,queue", "--tz", args.tz]
    report += ["--set", "abandon.short_abandon_seconds=0", "--format", "json", "-q", "-o", str(csm_json)]
    reference = [sys.executable, "-c", REFERENCE_CODE, str(TYPED_SQL), str(store), args.tz, str(ref_json)]
    print("report --db against the hand-written query:", flush=True)
    runs = run_pairs({"csmetrics": report, "reference": reference}, args.pairs)
    csm_doc, ref_doc = json.loads(csm_json.read_text()), json.loads(ref_json.read_text())
    problems = compare(csm_doc["rows"], ref_doc["columns"], ref_doc["rows"])
    metrics = [c for c in ref_doc["columns"] if c not in KEYS]
    csm, ref = summarise(runs["csmetrics"]), summarise(runs["reference"])

    print("one more nightly load, each into a fresh copy of the store:", flush=True)
    copy = OUT / "store_tonight.duckdb"
    nightly_runs: list[dict[str, Any]] = []
    for i in range(args.pairs):
        copy.unlink(missing_ok=True)
        shutil.copyfile(store, copy)
        r = run_measured([*csmetrics_command(), "load", str(tonight), "--db", str(copy), "-q"])
        if r["returncode"] != 0:
            print(f"nightly load failed:\n{r['stderr']}", file=sys.stderr)
            return 2
        nightly_runs.append(r)
        print(f"  run {i + 1}/{args.pairs} nightly    {r['seconds']:7.2f} s  peak {mib(r['peak_rss_mib'])}", flush=True)
    copy.unlink(missing_ok=True)
    night = summarise(nightly_runs)

    report_met = csm["peak_rss_mib"] <= REPORT_MEMORY_TARGET_MIB
    night_met = night["seconds"] < NIGHTLY_TARGET_SECONDS
    print()
    print(
        f"store                {store.relative_to(REPO)}: {csm_doc['data_quality'].get('rows_read', 0):,} contacts, "
        f"{size / 1e6:,.0f} MB"
    )
    if build is not None:
        print(
            f"initial build        {build['seconds']:.1f} s for {len(files)} loads, peak {mib(build['peak_rss_mib'])}"
        )
    print(
        f"report --db          {csm['seconds']:.2f} s (median of {args.pairs})   peak RSS {mib(csm['peak_rss_mib'])}"
        f"   (target <= 3 GB: {'MET' if report_met else 'NOT MET'})"
    )
    print(f"hand-written query   {ref['seconds']:.2f} s (median of {args.pairs})   peak RSS {mib(ref['peak_rss_mib'])}")
    ratio = median([a["seconds"] / b["seconds"] for a, b in zip(runs["csmetrics"], runs["reference"], strict=True)])
    print(f"ratio                {ratio:.2f}x")
    print(
        f"nightly load         {night['seconds']:.2f} s (median of {args.pairs}) for {args.nightly:,} contacts, "
        f"peak RSS {mib(night['peak_rss_mib'])}   (target < 10 s: {'MET' if night_met else 'NOT MET'})"
    )
    if problems:
        print(f"figures              MISMATCH: {len(problems)} difference(s)")
        for p in problems[:50]:
            print(f"  {p}")
    else:
        print(f"figures              match ({len(csm_doc['rows'])} rows x {len(metrics)} metrics)")
    result = {
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "rows": args.rows,
        "daily_files": len(files),
        "nightly_rows": args.nightly,
        "store_bytes": size,
        "build": None if build is None else {"seconds": build["seconds"], "peak_rss_mib": build["peak_rss_mib"]},
        "report": {**csm, "command": report},
        "reference": {**ref, "sql": str(TYPED_SQL.relative_to(REPO))},
        "ratio": ratio,
        "report_memory_target_met": report_met,
        "nightly": night,
        "nightly_target_met": night_met,
        "figures_match": not problems,
        "mismatches": problems,
        "machine": {"cpus": os.cpu_count(), "loadavg_1m": os.getloadavg()[0], "python": platform.python_version()},
    }
    out = OUT / "result_store.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"result               {out.relative_to(REPO)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

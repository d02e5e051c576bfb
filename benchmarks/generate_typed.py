#!/usr/bin/env python
"""A typed Parquet export for the scale benchmarks: clean data, as a platform's data lake would hold it.

    python benchmarks/generate_typed.py --rows 10000000 -o benchmarks/out/typed_10m.parquet

Shape (the one the scale issue measured): ``offered_at``, ``answered_at``, ``ended_at`` as
``timestamp[ms, tz=UTC]``; ``talk_seconds``, ``hold_seconds``, ``acw_seconds``, ``csat``, ``nps`` as int64
with nulls; ``transferred``, ``complaint`` as bool; text ids; 1,048,576-row row groups; one year of days;
about a quarter as many customers as contacts, with a skewed contact count (a few customers call often);
6 queues, 3 channels, 400 agents; no duplicates and no faults. Every value comes from a hash of the row
number and a seed (set-based DuckDB, no Python loop), so the same arguments give the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import duckdb

ROW_GROUP = 1_048_576
# One row per contact. h(k) is a uniform 64-bit hash of (row, k, seed); u(k) the same as a double in [0, 1).
SQL = """
COPY (
    WITH base AS (
        SELECT
            i,
            hash(i, 1, $seed) AS h1, hash(i, 2, $seed) AS h2, hash(i, 3, $seed) AS h3, hash(i, 4, $seed) AS h4,
            hash(i, 5, $seed) AS h5, hash(i, 6, $seed) AS h6, hash(i, 7, $seed) AS h7
        FROM range($rows) AS t(i)
    ),
    u AS (
        SELECT
            i,
            (h1 % 1000000007) / 1000000007.0 AS u_day,
            (h2 % 1000000007) / 1000000007.0 AS u_time,
            (h3 % 1000000007) / 1000000007.0 AS u_wait,
            (h4 % 1000000007) / 1000000007.0 AS u_cust,
            (h5 % 1000000007) / 1000000007.0 AS u_talk,
            h6, h7
        FROM base
    ),
    contacts AS (
        SELECT
            i,
            -- a year of days; the hour of day peaks mid-morning and mid-afternoon (a sum of two uniforms)
            TIMESTAMPTZ '{start} 00:00:00+00' + to_days(CAST(floor(u_day * {days}) AS INTEGER))
                + to_seconds(CAST(floor((u_time * 0.6 + ((h6 >> 20) % 1000) / 1000.0 * 0.4) * 86400) AS BIGINT))
                + to_milliseconds(CAST(h6 % 1000 AS BIGINT)) AS offered,
            CASE WHEN h7 % 100 < 60 THEN 'voice' WHEN h7 % 100 < 85 THEN 'chat' ELSE 'email' END AS channel,
            'queue_' || CAST((h7 >> 8) % 6 AS VARCHAR) AS queue,
            'agent_' || lpad(CAST((h7 >> 16) % 400 AS VARCHAR), 3, '0') AS agent_id,
            -- a quarter as many customers as contacts, skewed: u^2 puts many contacts on low ids
            'cust_' || CAST(CAST(floor(u_cust * u_cust * ($rows / 4)) AS BIGINT) AS VARCHAR) AS customer_id,
            -- wait: exponential, mean 40 s for voice and chat, 4 h for email; about 9 % abandon
            -ln(1 - u_wait) * CASE WHEN h7 % 100 < 85 THEN 40 ELSE 14400 END AS wait,
            (h6 >> 32) % 100 < 91 AS answered,
            CAST(60 + floor(u_talk * 540) AS BIGINT) AS talk,
            CASE WHEN (h6 >> 40) % 100 < 40 THEN CAST((h6 >> 24) % 120 AS BIGINT) END AS hold,
            CAST((h7 >> 32) % 90 AS BIGINT) AS acw,
            (h7 >> 40) % 100 < 10 AS transferred,
            (h7 >> 48) % 1000 < 15 AS complaint,
            CASE WHEN (h6 >> 48) % 100 < 20 THEN CAST(1 + (h6 >> 52) % 5 AS BIGINT) END AS csat,
            CASE WHEN (h7 >> 52) % 100 < 15 THEN CAST((h7 >> 56) % 11 AS BIGINT) END AS nps
        FROM u
    )
    SELECT
        $prefix || lpad(CAST(i AS VARCHAR), 10, '0') AS interaction_id,
        CAST(offered AS TIMESTAMP_MS) AT TIME ZONE 'UTC' AS offered_at,
        CASE WHEN answered THEN offered + to_milliseconds(CAST(wait * 1000 AS BIGINT)) END AS answered_at,
        offered + to_milliseconds(CAST(wait * 1000 AS BIGINT))
            + CASE WHEN answered THEN to_seconds(talk + coalesce(hold, 0)) ELSE INTERVAL 0 SECOND END AS ended_at,
        channel,
        'inbound' AS direction,
        queue,
        CASE WHEN answered THEN agent_id END AS agent_id,
        customer_id,
        CASE WHEN answered THEN talk END AS talk_seconds,
        CASE WHEN answered THEN hold END AS hold_seconds,
        CASE WHEN answered THEN acw END AS acw_seconds,
        CASE WHEN answered THEN transferred END AS transferred,
        complaint,
        CASE WHEN answered THEN csat END AS csat,
        CASE WHEN answered THEN nps END AS nps
    FROM contacts
    ORDER BY offered
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE {row_group}, COMPRESSION zstd)
"""


def generate(
    rows: int,
    path: Path,
    *,
    seed: int = 7,
    memory_limit: str | None = None,
    start: str = "2024-01-01",
    days: int = 366,
    prefix: str = "c",
) -> float:
    """Write the file; return the seconds it took. Times are stored as timestamp[ms, tz=UTC]. Contacts are
    offered on ``days`` UTC days from ``start``; ids are ``prefix`` and the zero-padded row number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute("SET memory_limit = $m", {"m": memory_limit})
    began = time.perf_counter()
    target = str(path).replace("'", "''")  # COPY takes its target as literal text
    first = dt.date.fromisoformat(start).isoformat()  # a date, checked, is safe to write into the SQL text
    sql = SQL.format(path=target, row_group=ROW_GROUP, start=first, days=int(days))
    con.execute(sql, {"rows": rows, "seed": seed, "prefix": prefix})
    con.close()
    _cast_times_to_ms(path)
    return time.perf_counter() - began


def _cast_times_to_ms(path: Path) -> None:
    """DuckDB writes TIMESTAMPTZ as microseconds; rewrite the three times as timestamp[ms, tz=UTC] with pyarrow,
    row group by row group (memory stays at one row group)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path)
    schema = pa.schema(
        [pa.field(f.name, pa.timestamp("ms", tz="UTC")) if f.name.endswith("_at") else f for f in source.schema_arrow]
    )
    tmp = path.with_suffix(".tmp.parquet")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for i in range(source.num_row_groups):
            writer.write_table(source.read_row_group(i).cast(schema), row_group_size=ROW_GROUP)
    tmp.replace(path)


def split_days(path: Path, directory: Path) -> list[Path]:
    """One file per UTC day of ``path`` (a nightly export each), named YYYY-MM-DD.parquet, same types."""
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    source = str(path)
    days = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT CAST(offered_at AT TIME ZONE 'UTC' AS DATE) FROM read_parquet($p) ORDER BY 1",
            {"p": source},
        ).fetchall()
    ]
    files = []
    for day in days:
        table = con.execute(
            "SELECT * FROM read_parquet($p) WHERE CAST(offered_at AT TIME ZONE 'UTC' AS DATE) = $d ORDER BY offered_at",
            {"p": source, "d": day},
        ).to_arrow_table()
        out = directory / f"{day.isoformat()}.parquet"
        pq.write_table(table.cast(pq.ParquetFile(path).schema_arrow), out, compression="zstd")
        files.append(out)
    con.close()
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("-o", "--output", type=Path, default=Path(__file__).parent / "out" / "typed_10m.parquet")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", default="2024-01-01", help="first UTC day (default 2024-01-01)")
    ap.add_argument("--days", type=int, default=366, help="number of days (default 366)")
    ap.add_argument("--prefix", default="c", help="interaction id prefix (default c)")
    ap.add_argument("--split-days", type=Path, default=None, help="also write one file per UTC day into this folder")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory limit while generating (e.g. 8GB)")
    args = ap.parse_args()
    seconds = generate(
        args.rows,
        args.output,
        seed=args.seed,
        memory_limit=args.memory_limit,
        start=args.start,
        days=args.days,
        prefix=args.prefix,
    )
    print(f"wrote {args.output} ({args.rows:,} rows) in {seconds:.1f} s")
    if args.split_days is not None:
        files = split_days(args.output, args.split_days)
        print(f"wrote {len(files)} daily files into {args.split_days}")


if __name__ == "__main__":
    main()

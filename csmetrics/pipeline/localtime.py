"""A contact's local time without a time-zone lookup per row.

``timezone(zone, instant)`` asks ICU for the zone's offset at every instant: at 10 million contacts it was the
dearest expression of a report's pass (about 0.85 s of CPU). A zone's offset changes only a few times a year,
so :func:`local_time_macro` asks ICU once per 15-minute UTC bucket of the data's span instead, collapses the
buckets into runs of one offset, and writes ``csm_local_time(instant)`` (sql/macros/time.sql) as a search of
those runs: ``make_timestamp(epoch_us(instant) + offset)``, the same value as ``timezone(zone, instant)``.

Exact whatever the zone: the last bucket of every run (where the offset may change inside the bucket, as
Liberia's -0:44:30 did in 1972) and any instant outside the runs go to ICU; so does every instant when the
report's time zone is not the one the macro was written for (the variable ``local_time_zone``). The runs are
numbers read back from DuckDB, written as integers: no value of the user's reaches the SQL text.
"""

from __future__ import annotations

import duckdb

BUCKET_US = 900 * 1_000_000
# The most buckets asked about (about 30 years of 15-minute buckets): a wider span (a contact dated 1975 among
# this year's) keeps the lookup per row rather than ask ICU a million times for the years between.
MAX_BUCKETS = 2**20

# The buckets from the span's first to one past its last, each with the zone's offset at its start (in µs),
# collapsed into runs of equal offset: (first bucket, last bucket, offset).
_RUNS = f"""
with buckets as (
    select u, epoch_us(timezone($zone, make_timestamptz(u))) - u as offset_us
    from range($first, $last + 2 * {BUCKET_US}, {BUCKET_US}) as t(u)
),

changes as (
    select u, offset_us, (offset_us is distinct from lag(offset_us) over (order by u))::integer as starts_run
    from buckets
),

runs as (
    select u, offset_us, sum(starts_run) over (order by u) as run
    from changes
)

select min(u), max(u), any_value(offset_us)
from runs
group by run
order by 1
"""

# The lookup per row (sql/macros/time.sql), where the runs cannot vouch for an instant.
FALLBACK = "csm_local_time_lookup(instant)"


def local_time_macro(con: duckdb.DuckDBPyConnection, zone: str, first_us: int | None, last_us: int | None) -> str:
    """The CREATE MACRO of ``csm_local_time`` for ``zone`` over the instants from ``first_us`` to ``last_us``
    (microseconds since the epoch; the default, a lookup per row, when there are none or they span more than
    MAX_BUCKETS buckets)."""
    if first_us is None or last_us is None or (last_us - first_us) // BUCKET_US >= MAX_BUCKETS:
        return f"create or replace temp macro csm_local_time(instant) as {FALLBACK}"
    bounds = {"zone": zone, "first": first_us - first_us % BUCKET_US, "last": last_us - last_us % BUCKET_US}
    runs = con.execute(_RUNS, bounds).fetchall()
    branches = [
        # the run's buckets but its last: the offset is the same from the first bucket's start to the last's
        f"when epoch_us(instant) >= {int(start)} and epoch_us(instant) < {int(end)} "
        f"then make_timestamp(epoch_us(instant) + {int(offset)})"
        for start, end, offset in runs
        if end > start
    ]
    return (
        "create or replace temp macro csm_local_time(instant) as\n    case\n"
        f"        when getvariable('local_time_zone') is distinct from getvariable('timezone') then {FALLBACK}\n"
        + "".join(f"        {b}\n" for b in branches)
        + f"        else {FALLBACK}\n    end"
    )

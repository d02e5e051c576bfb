#!/usr/bin/env python3
"""Derive an agent state log and a roster that are consistent with an interactions file.

Everything is computed set-based in DuckDB (no per-row Python loop), and the
result is deterministic: pseudo-randomness comes from ``hash(agent_id, day)``.

Rules, per agent and local day (``--tz``, default America/New_York). The shift
and break rules are the ones generate.py routes contacts by (imported from it):

- shift: the latest of generate.py's shifts (late 11:30-20:00, mid 10:00-18:30,
  early 08:00-16:30 local, 8.5 h) whose start is at or before the agent's first
  answered_at and whose end is after (or at most 15 minutes before) the last
  one. Logged in at the shift start, logged out at the shift end, or at the end
  of the last contact's ACW if that is later. Agent-days that fit no shift (not
  from generate.py) fall back to first answered_at floored to 15 minutes minus
  15 minutes until the last ACW end ceiled to 15 minutes plus 15 minutes;
- planned auxiliary time, from ``generate.aux_sql`` (hash of the agent's index
  in its pod, the day and ``--seed``): a 15-minute huddle (``meeting``,
  weekdays), ``training`` (2 agent-days in 5, 60 or 90 min), two 15-minute
  ``break``s, ``lunch`` (30-60 min) and a 30-minute coaching ``meeting`` (1
  agent-day in 5), all at staggered times inside the shift;
- inside the shift, in this order of precedence: ``on_contact`` from
  answered_at to ended_at of every contact of the agent (overlapping chats are
  one on_contact stretch), ``acw`` for acw_seconds after ended_at, then the
  planned auxiliary time (meeting, training, lunch, break), and ``available``
  for the rest. Contacts win over planned time: a call running into a break
  shortens it (generate.py never routes a contact to an agent on planned time,
  but a call answered before a break can run into it);
- outside shifts the agent is logged out: no rows in the interval shape, a
  ``logged_out`` event in the event shape.

The timeline is built with a sweep: every interval gives +1/-1 events on its
kind's counter, running sums per agent give which kinds are active between
consecutive boundaries, the highest-precedence active kind names the state, and
consecutive equal states are merged (gaps and islands).

Usage::

    python sample_data/generate_states.py sample_data/interactions.csv \\
        -o sample_data/agent_states.csv --roster sample_data/roster.csv
    python sample_data/generate_states.py interactions.csv --shape events -o agent_events.csv

The roster gives each agent (sorted by agent_id) a team Team A/B/C in turn, the
team's supervisor S1/S2/S3, and a site NYC or Austin.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as gen  # (the shift and break rules are shared with the generator)

TIMELINE_SQL = """
create or replace temp table contacts as
select
    trim(agent_id) as agent_id,
    csm_gen_ts(answered_at) as answered_at,
    csm_gen_ts(ended_at) as ended_at,
    coalesce(try_cast(nullif(trim(acw_seconds), '') as double), 0) as acw_seconds
from read_csv($path, header = true, all_varchar = true)
where nullif(trim(agent_id), '') is not null
    and csm_gen_ts(answered_at) is not null
    and csm_gen_ts(ended_at) >= csm_gen_ts(answered_at);

create or replace temp table shifts as
with local as (
    select *, timezone($tz, answered_at) as ans_local, cast(timezone($tz, answered_at) as date) as local_day
    from contacts
),

days as (
    select
        agent_id,
        local_day,
        (epoch(min(ans_local)) - epoch(local_day::timestamp)) / 60 as first_m,
        (epoch(max(ans_local)) - epoch(local_day::timestamp)) / 60 as last_m,
        min(answered_at) as first_ans,
        max(ended_at + to_microseconds(cast(acw_seconds * 1000000 as bigint))) as last_end
    from local
    group by agent_id, local_day
),

fit as (
    select
        *,
        case
            when first_m >= $late and last_m < $late + $shift_len + 15 then $late
            when first_m >= $mid and last_m < $mid + $shift_len + 15 then $mid
            when first_m >= $early and last_m < $early + $shift_len + 15 then $early
        end as st
    from days
)

select
    agent_id,
    local_day,
    cast(local_day - date '1970-01-01' as bigint) as dn,
    coalesce(
        try_cast(regexp_extract(agent_id, '([0-9]+)$', 1) as bigint) - 1, cast(hash(agent_id) as bigint)
    ) % $block as idx,
    coalesce(st, (floor(first_m / 15) - 1) * 15) as st_m,
    coalesce(
        timezone($tz, local_day::timestamp + to_minutes(cast(st as bigint))),
        to_timestamp(floor(epoch(first_ans) / 900) * 900) - interval 15 minutes
    ) as shift_start,
    case
        when st is not null
            then greatest(timezone($tz, local_day::timestamp + to_minutes(cast(st + $shift_len as bigint))), last_end)
        else to_timestamp(ceil(epoch(last_end) / 900) * 900) + interval 15 minutes
    end as shift_end
from fit;

create or replace temp table planned as
with aux as (
    select agent_id, local_day, unnest(csm_gen_aux(idx, dn, st_m)) as a
    from shifts
)

select agent_id, 'shift' as kind, shift_start as t0, shift_end as t1 from shifts
union all
select agent_id, 'contact', answered_at, ended_at from contacts where ended_at > answered_at
union all
select agent_id, 'acw', ended_at, ended_at + to_microseconds(cast(acw_seconds * 1000000 as bigint))
from contacts where acw_seconds > 0
union all
select
    agent_id,
    a.kind,
    timezone($tz, local_day::timestamp + to_minutes(cast(a.m0 as bigint))),
    timezone($tz, local_day::timestamp + to_minutes(cast(a.m1 as bigint)))
from aux;

create or replace temp table timeline as
with events as (
    select agent_id, kind, t0 as t, 1 as delta from planned
    union all
    select agent_id, kind, t1 as t, -1 as delta from planned
),

per_instant as (
    select
        agent_id,
        t,
        sum(delta) filter (where kind = 'contact') as d_contact,
        sum(delta) filter (where kind = 'acw') as d_acw,
        sum(delta) filter (where kind = 'meeting') as d_meeting,
        sum(delta) filter (where kind = 'training') as d_training,
        sum(delta) filter (where kind = 'lunch') as d_lunch,
        sum(delta) filter (where kind = 'break') as d_break,
        sum(delta) filter (where kind = 'shift') as d_shift
    from events
    group by all
),

levels as (
    select
        agent_id,
        t,
        lead(t) over w as next_t,
        sum(coalesce(d_contact, 0)) over w as n_contact,
        sum(coalesce(d_acw, 0)) over w as n_acw,
        sum(coalesce(d_meeting, 0)) over w as n_meeting,
        sum(coalesce(d_training, 0)) over w as n_training,
        sum(coalesce(d_lunch, 0)) over w as n_lunch,
        sum(coalesce(d_break, 0)) over w as n_break,
        sum(coalesce(d_shift, 0)) over w as n_shift
    from per_instant
    window w as (partition by agent_id order by t rows between unbounded preceding and current row)
),

segments as (
    select
        agent_id,
        t as started_at,
        next_t as ended_at,
        case
            when n_contact > 0 then 'on_contact'
            when n_acw > 0 then 'acw'
            when n_shift <= 0 then null
            when n_meeting > 0 then 'meeting'
            when n_training > 0 then 'training'
            when n_lunch > 0 then 'lunch'
            when n_break > 0 then 'break'
            else 'available'
        end as state
    from levels
    where next_t > t
),

marked as (
    select
        *,
        case
            when lag(state) over w is not distinct from state and lag(ended_at) over w = started_at then 0 else 1
        end as is_new
    from segments
    window w as (partition by agent_id order by started_at)
),

islands as (
    select *, sum(is_new) over (partition by agent_id order by started_at) as island
    from marked
)

select agent_id, state, min(started_at) as started_at, max(ended_at) as ended_at
from islands
where state is not null
group by agent_id, state, island;
"""

# Timestamps in the export: with an offset/Z as given, naive ones in $source_tz.
TS_MACRO = """
create or replace temp macro csm_gen_ts(v) as
    case
        when nullif(trim(v), '') is null then null
        when regexp_matches(trim(v), '(?i):\\d\\d(\\.\\d+)?\\s*(z|[+-]\\d\\d(:?\\d\\d)?)$')
            then try_cast(trim(v) as timestamptz)
        else timezone(getvariable('source_tz'), try_cast(trim(v) as timestamp))
    end;
"""

ISO = (
    "case when epoch_us({c}) % 1000000 = 0 then strftime({c}, '%Y-%m-%dT%H:%M:%SZ') "
    "else strftime({c}, '%Y-%m-%dT%H:%M:%S.%fZ') end"
)

INTERVALS_SQL = f"""
select agent_id, state, {ISO.format(c="started_at")} as started_at, {ISO.format(c="ended_at")} as ended_at
from timeline
order by agent_id, timeline.started_at
"""

EVENTS_SQL = f"""
with ev as (
    select agent_id, state, started_at as t from timeline
    union all
    select agent_id, 'logged_out', ended_at from (
        select agent_id, ended_at, lead(started_at) over (partition by agent_id order by started_at) as next_start
        from timeline
    )
    where next_start is null or next_start > ended_at
)
select agent_id, state, {ISO.format(c="t")} as "at" from ev order by agent_id, ev.t
"""

ROSTER_SQL = """
with agents as (
    select agent_id, row_number() over (order by agent_id) - 1 as i
    from (select distinct agent_id from contacts)
)
select
    agent_id,
    'Team ' || chr(65 + cast(i % 3 as integer)) as team,
    'S' || cast(i % 3 + 1 as varchar) as supervisor,
    case when i % 2 = 0 then 'NYC' else 'Austin' end as site
from agents
order by agent_id
"""


def build(
    con: duckdb.DuckDBPyConnection, interactions: Path, *, tz: str, source_tz: str = "UTC", seed: int = 42
) -> None:
    """Create the temp tables ``contacts``, ``shifts``, ``planned`` and ``timeline`` in ``con``."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET VARIABLE source_tz = $tz", {"tz": source_tz})
    con.execute(TS_MACRO)
    con.execute(f"create or replace temp macro csm_gen_aux(idx, dn, st) as {gen.aux_sql('idx', 'dn', 'st', seed)}")
    values = {
        "path": str(interactions),
        "tz": tz,
        "early": gen.SHIFTS["early"],
        "mid": gen.SHIFTS["mid"],
        "late": gen.SHIFTS["late"],
        "shift_len": gen.SHIFT_LEN,
        "block": gen.AGENT_BLOCK,
    }
    for statement in (s for s in TIMELINE_SQL.split(";\n") if s.strip()):
        params = {k: v for k, v in values.items() if f"${k}" in statement}
        con.execute(statement, params)


def _copy(con: duckdb.DuckDBPyConnection, query: str, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    rel = con.sql(query)
    rel.write_csv(str(out), header=True)
    return len(rel)


def write(
    interactions: Path,
    states_out: Path,
    *,
    roster_out: Path | None = None,
    tz: str = "America/New_York",
    source_tz: str = "UTC",
    shape: str = "intervals",
    seed: int = 42,
) -> tuple[int, int]:
    """Write the state log (and the roster); return their row counts."""
    con = duckdb.connect()
    build(con, interactions, tz=tz, source_tz=source_tz, seed=seed)
    n_states = _copy(con, INTERVALS_SQL if shape == "intervals" else EVENTS_SQL, states_out)
    n_roster = _copy(con, ROSTER_SQL, roster_out) if roster_out is not None else 0
    return n_states, n_roster


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("interactions", nargs="?", type=Path, default=here / "interactions.csv")
    parser.add_argument("-o", "--output", type=Path, default=here / "agent_states.csv")
    parser.add_argument("--roster", type=Path, default=here / "roster.csv", help="roster CSV to write")
    parser.add_argument("--tz", default="America/New_York", help="local zone of the shifts (a shift = a local day)")
    parser.add_argument("--source-tz", default="UTC", help="zone of naive timestamps in the interactions")
    parser.add_argument("--shape", choices=("intervals", "events"), default="intervals")
    parser.add_argument("--seed", type=int, default=42, help="the --seed given to generate.py (break/lunch times)")
    args = parser.parse_args(argv)
    if not args.interactions.is_file():
        print(f"{args.interactions}: no such file (run sample_data/generate.py first)", file=sys.stderr)
        return 2
    n_states, n_roster = write(
        args.interactions,
        args.output,
        roster_out=args.roster,
        tz=args.tz,
        source_tz=args.source_tz,
        shape=args.shape,
        seed=args.seed,
    )
    print(f"wrote {n_states} agent states to {args.output} and {n_roster} agents to {args.roster}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

/* csmetrics
fragment = "state_pieces"
reads = ["agent_states"]
description = """
Agent state time cut into pieces that never cross a 15-minute boundary of UTC
time. Every time bucket csmetrics offers (15/30/60-minute intervals, hours,
local days, ISO weeks, months) starts on such a boundary in every time zone
whose UTC offset is a whole number of quarter hours (all zones in use today,
DST included), so each piece lies inside exactly one bucket of any grouping and
state time is split exactly at bucket boundaries: a 09:50-10:20 state gives 10
minutes to the 09:00 hour and 20 to the 10:00 hour.
Each piece carries its start as offered_at and its local start as
offered_local, so the time groupings, written for contacts, give
state pieces the very same bucket keys (sql/groupings.toml). The report adds
the grp__ columns and sums the pieces' seconds per group, agent and state into
the table state_time. --from/--to keep pieces whose local date (report time
zone) is inside the period.
Every grid is bounded (csm_grid_from/csm_grid_to, macros/time.sql): by the
period, and by input.max_duration_seconds after a state's start (a state that
long is rejected as implausible_duration in steps/states.sql, so the bound only
acts on an event whose next valid event moved past it when the event between
them was rejected).
"""
*/
with stretches as (
    -- each state, once per 15-minute UTC bucket it touches
    select
        agent_id,
        state,
        started_at,
        ended_at,
        unnest(generate_series(
            greatest(to_timestamp(floor(epoch(started_at) / 900) * 900), csm_grid_from()),
            least(ended_at, csm_grid_to(), started_at + to_seconds(getvariable('input.max_duration_seconds'))),
            interval 15 minutes
        )) as grid_start
    from agent_states
    where ended_at > started_at
),

pieces as (
    select
        agent_id,
        state,
        greatest(started_at, grid_start) as piece_start,
        least(ended_at, grid_start + interval 15 minutes) as piece_end
    from stretches
)

select
    agent_id,
    state,
    piece_start as offered_at,
    timezone(getvariable('timezone'), piece_start) as offered_local,
    (epoch_us(piece_end) - epoch_us(piece_start)) / 1000000 as seconds
from pieces
where
    piece_end > piece_start
    and csm_in_period(piece_start)

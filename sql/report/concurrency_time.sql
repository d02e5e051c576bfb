/* csmetrics
fragment = "concurrency_pieces"
reads = ["contacts"]
description = """
How many contacts each agent has in progress, over time, from the answered
contacts in the report (as scope.sql): a contact is in progress from answered_at to
ended_at (after-contact work is not counted). Set-based sweep: every contact
gives +1 at answered_at and -1 at ended_at; a running sum per agent (ends
before starts at the same instant, so back-to-back contacts never overlap)
gives the level between consecutive events. Only stretches with at least one
contact in progress are kept, cut at 15-minute UTC boundaries like state time
(see state_time.sql) and carrying offered_at/offered_local anchors for the
time groupings (the report sums seconds per group, agent and level into
concurrency_time). Contacts without agent_id or ended_at, or with
ended_at <= answered_at, are left out.
"""
*/
with worked as (
    -- the answered contacts of the report (the rule of scope.sql)
    select agent_id, answered_at, ended_at
    from contacts
    where
        outcome = 'answered'
        and csm_in_report(direction, outcome, offered_at)
        and agent_id is not null
        and ended_at > answered_at
),

events as (
    -- +1 at answered_at, -1 at ended_at: two events from each contact in one scan
    select agent_id, unnest([answered_at, ended_at]) as t, unnest([1, -1]) as delta
    from worked
),

levels as (
    select
        agent_id,
        t,
        sum(delta) over (
            partition by agent_id order by t, delta rows between unbounded preceding and current row
        ) as level,
        lead(t) over (partition by agent_id order by t, delta) as next_t
    from events
),

-- each stretch with contacts in progress, once per 15-minute UTC bucket it touches
stretches as (
    select
        agent_id,
        level,
        t,
        next_t,
        unnest(generate_series(
            greatest(to_timestamp(floor(epoch(t) / 900) * 900), csm_grid_from()), least(next_t, csm_grid_to()),
            interval 15 minutes
        )) as grid_start
    from levels
    where level > 0 and next_t > t
),

pieces as (
    select
        agent_id,
        level,
        greatest(t, grid_start) as piece_start,
        least(next_t, grid_start + interval 15 minutes) as piece_end
    from stretches
)

select
    agent_id,
    level,
    piece_start as offered_at,
    timezone(getvariable('timezone'), piece_start) as offered_local,
    (epoch_us(piece_end) - epoch_us(piece_start)) / 1000000 as seconds
from pieces
where
    piece_end > piece_start
    and csm_in_period(piece_start)

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
    select agent_id, answered_at as t, 1 as delta from worked
    union all
    select agent_id, ended_at as t, -1 as delta from worked
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

pieces as (
    select
        l.agent_id,
        l.level,
        greatest(l.t, g.grid_start) as piece_start,
        least(l.next_t, g.grid_start + interval 15 minutes) as piece_end
    from levels as l,
        unnest(generate_series(to_timestamp(floor(epoch(l.t) / 900) * 900), l.next_t, interval 15 minutes))
            as g (grid_start)
    where l.level > 0 and l.next_t > l.t
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

/* csmetrics
reads = ["scoped"]
description = """
The "answered within X seconds" curve of the HTML report: for X = 0, 1, 2, ...
seconds, the service level the report would show if every contact's threshold
were X, each contact under its own denominator (grp__sl_denominator, from
sql/charts/groupings.toml) and over the same contacts (`scoped`, short abandons
excluded). When no queue or channel has a threshold of its own, the curve at
X = service_level.threshold_seconds is the service_level metric; tests check it
for every denominator.
The contacts are first counted by their wait rounded up to the whole second (for
a whole number of seconds X, wait <= X exactly when ceil(wait) <= X), so the
curve costs one small aggregate, never a row per contact.
The curve runs from 0 to L seconds, L = the wait within which 95 % of the
answered contacts were answered, but at least 4 x the threshold and 60 s, and at
most the greater of 15 x the threshold and 600 s (a few long email waits must
not squash the part of the curve around the threshold). At most about 300
points: the step is ceil(L / 300) seconds; the threshold is always a point.
Columns: seconds, answered_within (answered with wait <= seconds),
abandoned_within (abandoned with wait <= seconds), share.
"""
*/
with waits as (
    select
        grp__sl_denominator as denominator,
        cast(ceil(wait_seconds) as bigint) as wait_ceiling,
        count(*) filter (where is_answered) as answered,
        count(*) filter (where is_abandoned) as abandoned
    from scoped
    where is_answered or is_abandoned
    group by all
),

running as (
    select
        denominator,
        wait_ceiling,
        cast(sum(answered) over (partition by denominator order by wait_ceiling) as bigint) as answered_within,
        cast(sum(abandoned) over (partition by denominator order by wait_ceiling) as bigint) as abandoned_within
    from waits
),

totals as (
    select
        denominator,
        cast(sum(answered) as bigint) as answered,
        cast(sum(abandoned) as bigint) as abandoned
    from waits
    group by all
),

reach as (
    -- the smallest whole-second wait within which 95 % of the answered contacts were answered
    select min(wait_ceiling) as seconds
    from (
        select
            wait_ceiling,
            sum(sum(answered)) over (order by wait_ceiling) as answered_within,
            sum(sum(answered)) over () as answered
        from waits
        group by wait_ceiling
    )
    where answered_within >= 0.95 * answered and answered > 0
),

span as (
    select least(
        greatest(coalesce(reach.seconds, 0), 4 * getvariable('service_level.threshold_seconds'), 60),
        greatest(15 * getvariable('service_level.threshold_seconds'), 600)
    ) as limit_seconds
    from reach
),

grid as (
    select unnest(generate_series(0, limit_seconds, greatest(1, cast(ceil(limit_seconds / 300) as bigint)))) as seconds
    from span
    union
    select getvariable('service_level.threshold_seconds') as seconds
),

per_denominator as (
    -- each denominator's counts at each X: answered and abandoned within X, and its totals
    select
        g.seconds,
        t.denominator,
        t.answered,
        t.abandoned,
        coalesce(r.answered_within, 0) as answered_within,
        coalesce(r.abandoned_within, 0) as abandoned_within
    from (select * from grid cross join totals) as g (seconds, denominator, answered, abandoned)
    asof left join running as r on r.denominator = g.denominator and g.seconds >= r.wait_ceiling
    join totals as t on t.denominator = g.denominator
),

curve as (
    -- the service level's numerator (met) and denominator (counted) under each contact's own denominator
    select
        seconds,
        answered_within,
        abandoned_within,
        case denominator
            when 'early_abandons_met' then answered_within + abandoned_within
            else answered_within
        end as met,
        case denominator
            when 'offered' then answered + abandoned
            when 'answered' then answered
            when 'exclude_early_abandons' then answered + abandoned - abandoned_within
            when 'early_abandons_met' then answered + abandoned
        end as counted
    from per_denominator
)

select
    g.seconds,
    cast(coalesce(sum(c.answered_within), 0) as bigint) as answered_within,
    cast(coalesce(sum(c.abandoned_within), 0) as bigint) as abandoned_within,
    sum(c.met) / nullif(sum(c.counted), 0) as share
from grid as g
left join curve as c on c.seconds = g.seconds
group by g.seconds
order by g.seconds

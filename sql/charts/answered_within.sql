/* csmetrics
reads = ["scoped"]
description = """
The "answered within X seconds" curve of the HTML report: for X = 0, 1, 2, ...
seconds, the service level the report would show with
service_level.threshold_seconds = X, under the same denominator
(service_level.denominator) and over the same contacts (`scoped`, short abandons
excluded). At X = service_level.threshold_seconds it is the service_level metric
(sql/metrics/service_level.sql); tests/test_html_data.py checks that for every
denominator.
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
        cast(ceil(wait_seconds) as bigint) as wait_ceiling,
        count(*) filter (where is_answered) as answered,
        count(*) filter (where is_abandoned) as abandoned
    from scoped
    where is_answered or is_abandoned
    group by all
),

running as (
    select
        wait_ceiling,
        cast(sum(answered) over (order by wait_ceiling) as bigint) as answered_within,
        cast(sum(abandoned) over (order by wait_ceiling) as bigint) as abandoned_within
    from waits
),

totals as (
    select
        cast(coalesce(sum(answered), 0) as bigint) as answered,
        cast(coalesce(sum(abandoned), 0) as bigint) as abandoned
    from waits
),

reach as (
    -- the smallest whole-second wait within which 95 % of the answered contacts were answered
    select min(r.wait_ceiling) as seconds
    from running as r, totals as t
    where r.answered_within >= 0.95 * t.answered and t.answered > 0
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
)

select
    g.seconds,
    coalesce(r.answered_within, 0) as answered_within,
    coalesce(r.abandoned_within, 0) as abandoned_within,
    case getvariable('service_level.denominator')
        when 'offered' then
            coalesce(r.answered_within, 0) / nullif(t.answered + t.abandoned, 0)
        when 'answered' then
            coalesce(r.answered_within, 0) / nullif(t.answered, 0)
        when 'exclude_early_abandons' then
            coalesce(r.answered_within, 0) / nullif(t.answered + t.abandoned - coalesce(r.abandoned_within, 0), 0)
        when 'early_abandons_met' then
            (coalesce(r.answered_within, 0) + coalesce(r.abandoned_within, 0)) / nullif(t.answered + t.abandoned, 0)
    end as share
from grid as g
asof left join running as r on g.seconds >= r.wait_ceiling
cross join totals as t
order by g.seconds

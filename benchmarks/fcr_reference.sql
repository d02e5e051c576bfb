-- Hand-written reference for csmetrics' FCR (issue 3), for the benchmark: one DuckDB query over a raw
-- interactions table `interactions(interaction_id, offered_at TIMESTAMPTZ, answered_at, direction, customer_id,
-- reason)`, defaults fcr.window_hours = 24, fcr.match = customer_id, whole data span, no grouping.
-- Same definition as sql/prepare/outcomes.sql + sql/fcr_rate.sql (lag/lead over the key, ties by id,
-- <= window, censoring at both ends of the loaded span). Set the window with: SET VARIABLE window_hours = 24;
with span as (
    select epoch_us(min(offered_at)) as first_us, epoch_us(max(offered_at)) as last_us,
           coalesce(getvariable('window_hours'), 24) * 3600000000 as window_us
    from interactions
),
p as (
    select epoch_us(offered_at) as at_us,
           lag(epoch_us(offered_at)) over w as prev_us,
           lead(epoch_us(offered_at)) over w as next_us
    from interactions
    where coalesce(direction, 'inbound') = 'inbound' and answered_at is not null and customer_id is not null
    window w as (partition by customer_id order by offered_at, interaction_id)
),
s as (
    select case
        when prev_us is not null and at_us - prev_us <= window_us then 'repeat'
        when at_us - window_us < first_us then 'censored'
        when next_us is not null and next_us - at_us <= window_us then 'unresolved'
        when at_us + window_us > last_us then 'censored'
        else 'resolved'
    end as st
    from p cross join span
)
select
    count(*) filter (where st = 'resolved') / nullif(count(*) filter (where st in ('resolved', 'unresolved')), 0)
        as fcr_rate,
    count(*) filter (where st in ('resolved', 'unresolved')) as fcr_first_contacts,
    count(*) filter (where st = 'censored') as fcr_censored,
    count(*) filter (where st = 'repeat') / nullif(count(*) filter (where st <> 'censored'), 0) as repeat_rate
from s;

-- Hand-written reference for `csmetrics report FILE --by day,queue --set abandon.short_abandon_seconds=0`
-- on the typed, clean export of benchmarks/generate_typed.py: one DuckDB statement over the export,
-- written from docs/definitions.md, not generated from csmetrics' SQL. No dedupe and no validation (the file
-- has neither duplicates nor faults), as an analyst would write it for such a file.
--
-- Inputs (set before running, see benchmarks/bench_report.py):
--   CREATE VIEW export AS SELECT * FROM read_parquet('benchmarks/out/typed_10m.parquet');
--       (or the interactions table of a csmetrics store, for benchmarks/bench_store.py)
--   SET VARIABLE tz = 'America/New_York';
-- Definitions reproduced: short abandons off (0 s); service level 20 s inclusive over offered; AHT = talk +
-- hold + ACW; CSAT 1..5, satisfied >= 4; FCR window 24 h, match customer_id, censored at both ends of the
-- span; complaint rate over offered; transfer rate over answered contacts whose flag is known.
with

-- The typed export as it is: no duplicates and no faults by construction, so no dedupe and no validation.
valid as (
    select
        interaction_id,
        offered_at,
        coalesce(direction, 'inbound') = 'inbound' as inbound,
        queue,
        customer_id,
        transferred,
        complaint,
        csat,
        nps,
        answered_at is not null as answered,
        answered_at is null and ended_at is not null as ended_unanswered,
        answered_at is null and ended_at is null as in_progress,
        (epoch_us(coalesce(answered_at, ended_at)) - epoch_us(offered_at)) / 1e6 as wait,
        case
            when answered_at is null then null
            when talk_seconds is not null then cast(talk_seconds as double)
            when ended_at is not null
                then (epoch_us(ended_at) - epoch_us(answered_at)) / 1e6 - coalesce(hold_seconds, 0)
        end as talk,
        case when answered_at is not null then cast(coalesce(hold_seconds, 0) as double) end as hold,
        case when answered_at is not null then cast(coalesce(acw_seconds, 0) as double) end as acw
    from export
),

-- FCR over ALL valid contacts (any direction/outcome define the span; inbound answered contacts with a
-- customer take part). Non-participants get their own window partitions and a NULL status, which saves
-- a join back. Window 24 h inclusive; censored whenever the window does not fit in the loaded span
-- (look-back first, then repeat, then look-ahead).
span as (
    select
        epoch_us(min(offered_at)) as first_us,
        epoch_us(max(offered_at)) as last_us,
        cast(24 as bigint) * 3600 * 1000000 as w  -- 24 h in microseconds
    from valid
),

keyed as (
    select
        *,
        inbound and answered and customer_id is not null as fcr_part,
        epoch_us(offered_at) as at_us,
        lag(epoch_us(offered_at)) over k as prev_us,
        lead(epoch_us(offered_at)) over k as next_us
    from valid
    window k as (partition by inbound and answered and customer_id is not null, customer_id
                 order by offered_at, interaction_id)
),

scoped as (
    select
        strftime(cast(timezone(getvariable('tz'), offered_at) as date), '%Y-%m-%d') as day,
        queue,
        answered,
        ended_unanswered and wait < 0 as short_abandon,
        ended_unanswered and wait >= 0 as abandoned,
        wait,
        talk,
        hold,
        acw,
        transferred,
        complaint,
        csat,
        nps,
        case
            when not fcr_part then null
            when at_us - w < first_us then 'censored'
            when prev_us is not null and at_us - prev_us <= w then 'repeat'
            when at_us + w > last_us then 'censored_after'
            when next_us is not null and next_us - at_us <= w then 'unresolved'
            else 'resolved'
        end as fcr
    from keyed, span
    where inbound and not in_progress
),

counts as (
    select
        day,
        queue,
        count(*) filter (where answered or abandoned) as offered,
        count(*) filter (where answered) as n_answered,
        count(*) filter (where abandoned) as n_abandoned,
        count(*) filter (where short_abandon) as short_abandoned,
        count(*) filter (where answered and wait <= 20) as answered_within,
        avg(wait) filter (where answered) as asa_seconds,
        avg(wait) filter (where answered or abandoned) as avg_wait_seconds,
        avg(talk + hold + acw) filter (where answered and talk is not null) as aht_seconds,
        avg(talk) filter (where answered and talk is not null) as avg_talk_seconds,
        avg(hold) filter (where answered and talk is not null) as avg_hold_seconds,
        avg(acw) filter (where answered and talk is not null) as acw_seconds,
        count(*) filter (where answered and transferred) as transferred_n,
        count(*) filter (where answered and transferred is not null) as transfer_known,
        count(*) filter (where fcr = 'resolved') as fcr_resolved,
        count(*) filter (where fcr = 'unresolved') as fcr_unresolved,
        count(*) filter (where fcr = 'repeat') as fcr_repeat,
        count(*) filter (where fcr in ('censored', 'censored_after')) as fcr_censored,
        count(*) filter (where fcr = 'censored_after') as fcr_censored_after,
        count(*) filter (where complaint and (answered or abandoned)) as complaints,
        count(*) filter (where answered and csat >= 4) as satisfied,
        count(*) filter (where answered and csat is not null) as csat_responses,
        avg(csat) filter (where answered) as csat_mean,
        count(*) filter (where answered and nps is not null) as nps_responses,
        count(*) filter (where answered and nps >= 9) as promoters,
        count(*) filter (where answered and nps between 7 and 8) as passives,
        count(*) filter (where answered and nps <= 6) as detractors
    from scoped
    group by day, queue
)

select
    day,
    queue,
    offered,
    n_answered as answered,
    n_abandoned as abandoned,
    short_abandoned,
    answered_within / nullif(offered, 0) as service_level,
    asa_seconds,
    avg_wait_seconds,
    n_abandoned / nullif(offered, 0) as abandon_rate,
    aht_seconds,
    avg_talk_seconds,
    avg_hold_seconds,
    acw_seconds,
    transferred_n / nullif(transfer_known, 0) as transfer_rate,
    fcr_resolved / nullif(fcr_resolved + fcr_unresolved, 0) as fcr_rate,
    fcr_resolved + fcr_unresolved as fcr_first_contacts,
    fcr_censored,
    -- repeat rate: over every contact whose look-back window is complete
    fcr_repeat / nullif(fcr_repeat + fcr_resolved + fcr_unresolved + fcr_censored_after, 0) as repeat_rate,
    complaints,
    complaints / nullif(offered, 0) as complaint_rate,
    satisfied / nullif(csat_responses, 0) as csat,
    csat_mean,
    csat_responses,
    100.0 * (promoters - detractors) / nullif(nps_responses, 0) as nps,
    nps_responses,
    promoters,
    passives,
    detractors,
    1.96 * 100 * sqrt(greatest(p + d - (p - d) * (p - d), 0) / nullif(nps_responses, 0)) as nps_margin_of_error
from counts,
    lateral (select promoters / nullif(nps_responses, 0) as p, detractors / nullif(nps_responses, 0) as d)
order by day, queue nulls last;

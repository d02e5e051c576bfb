-- Hand-written reference for `csmetrics report FILE --by day,queue` with the DEFAULT definitions, for
-- benchmarks/bench_report.py: one DuckDB statement over the raw Parquet export, written from
-- docs/definitions.md and the rules of sql/prepare/*.sql, not generated from them.
--
-- Inputs (set before running):
--   SET VARIABLE path = 'benchmarks/out/bench.parquet';   -- a Parquet file in the canonical schema
--   SET VARIABLE tz   = 'America/New_York';               -- report time zone (local day)
-- The file is expected to be typed like sample_data/generate.py's Parquet output (TIMESTAMPTZ times,
-- INTEGER durations and scores, BOOLEAN flags) and to have no updated_at column, so among copies of an
-- interaction_id the row read last (highest file row number) is the version that counts.
--
-- Defaults reproduced: abandon.short_abandon_seconds = 5 (wait < 5 s is a short abandon, excluded from
-- every figure but short_abandoned); service_level threshold 20 s inclusive over offered (answered +
-- abandoned); AHT = talk + hold + ACW; csat scale 1..5, satisfied >= 4; fcr.window_hours = 24,
-- fcr.match = customer_id; complaint_rate denominator offered, per 1.
with

-- Text columns are trimmed, empty = missing; anything but 'outbound' (any case) is inbound.
raw as (
    select
        nullif(trim(interaction_id), '') as interaction_id,
        offered_at,
        answered_at,
        ended_at,
        coalesce(lower(trim(direction)), '') <> 'outbound' as inbound,
        nullif(trim(queue), '') as queue,
        nullif(trim(customer_id), '') as customer_id,
        cast(talk_seconds as double) as talk,
        cast(hold_seconds as double) as hold,
        cast(acw_seconds as double) as acw,
        transferred,
        complaint,
        csat,
        nps,
        file_row_number
    from export
),

-- Repeated interaction_id (overlapping exports, re-exports): the last row in the file is the current
-- version. It alone is validated below: an invalid newest version drops the contact.
latest as (
    select *
    from raw
    where interaction_id is not null
    qualify row_number() over (partition by interaction_id order by file_row_number desc) = 1
),

-- Rows that fail any check are rejected whole. Then the per-contact values every metric shares.
valid as (
    select
        interaction_id,
        offered_at,
        inbound,
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
            when talk is not null then talk
            when ended_at is not null then (epoch_us(ended_at) - epoch_us(answered_at)) / 1e6 - coalesce(hold, 0)
        end as talk,
        case when answered_at is not null then coalesce(hold, 0) end as hold,
        case when answered_at is not null then coalesce(acw, 0) end as acw
    from latest
    where
        offered_at is not null
        and (answered_at is null or answered_at >= offered_at)
        and (answered_at is null or ended_at is null or ended_at >= answered_at)
        and (answered_at is not null or ended_at is null or ended_at >= offered_at)
        and coalesce(talk, 0) >= 0 and coalesce(hold, 0) >= 0 and coalesce(acw, 0) >= 0
        and not (
            answered_at is not null and ended_at is not null and talk is null
            and epoch_us(ended_at) - epoch_us(answered_at) < coalesce(hold, 0) * 1000000
        )
        and (csat is null or csat between 1 and 5)
        and (nps is null or nps between 0 and 10)
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
        ended_unanswered and wait < 5 as short_abandon,
        ended_unanswered and wait >= 5 as abandoned,
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

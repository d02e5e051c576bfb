WITH "contact_outcomes" AS (
with span as (
    -- the first and last offered_at of any valid contact (steps/summary.sql)
    select
        epoch_us(min(first_offered_at)) as first_us,
        epoch_us(max(last_offered_at)) as last_us,
        getvariable('fcr.window_hours') * 3600000000 as window_us
    from contact_buckets
),

participating as (
    select
        _seq,
        epoch_us(offered_at) as at_us,
        lag(epoch_us(offered_at)) over key_order as prev_us,
        lead(epoch_us(offered_at)) over key_order as next_us
    from contacts
    where
        direction = 'inbound'
        and outcome = 'answered'
        and customer_id is not null
        and (getvariable('fcr.match') = 'customer_id' or reason is not null)
    window key_order as (
        -- one partition key: the customer, or the customer and the reason (chr(0) cannot occur in either)
        partition by
            case when getvariable('fcr.match') = 'customer_id,reason' then customer_id || chr(0) || reason
            else customer_id end
        order by offered_at, interaction_id
    )
),

status as (
    select
        p._seq,
        case
            when p.at_us - s.window_us < s.first_us then 'censored_before'
            when p.prev_us is not null and p.at_us - p.prev_us <= s.window_us then 'repeat'
            when p.at_us + s.window_us > s.last_us then 'censored_after'
            when p.next_us is not null and p.next_us - p.at_us <= s.window_us then 'unresolved'
            else 'resolved'
        end as fcr_status
    from participating as p
    cross join span as s
)

select _seq, fcr_status from status
),
"contact_business" AS (
SELECT _seq, CAST(NULL AS VARCHAR) AS calendar, CAST(NULL AS DOUBLE) AS business_wait_seconds, CAST(NULL AS BOOLEAN) AS offered_after_hours, CAST(NULL AS TIMESTAMPTZ) AS backlog_open_at FROM contacts WHERE false
),
"scope_rows" AS (
with answered as (
    select
        -- every contact column but the bulky ones no metric reads (_seq is the contact's key)
        c.* exclude (interaction_id, csat, nps, csat_value, nps_value),
        o.fcr_status,
        b.business_wait_seconds,
        coalesce(b.offered_after_hours, false) as offered_after_hours,
        -- a valid survey answer replaces the contact's own; an own answer counts when it is valid
        case
            when csm_answer_given(s.csat, s.csat_value) then s.csat
            when csm_own_csat_valid(c.csat, c.csat_value) then c.csat
        end as csat_answer,
        case
            when csm_answer_given(s.csat, s.csat_value) then s.csat_value
            when csm_own_csat_valid(c.csat, c.csat_value) then c.csat_value
        end as csat_answer_value,
        case
            when csm_answer_given(s.nps, s.nps_value) then s.nps_value
            when csm_own_nps_valid(c.nps, c.nps_value) then c.nps_value
        end as nps_answer_value,
        -- the contact's own parameter values: its queue's override, else its channel's, else the global one
        coalesce(
            getvariable('abandon.short_abandon_seconds@queue')[c.queue],
            getvariable('abandon.short_abandon_seconds@channel')[c.channel],
            getvariable('abandon.short_abandon_seconds')
        ) as short_abandon_limit,
        coalesce(
            getvariable('service_level.threshold_seconds@queue')[c.queue],
            getvariable('service_level.threshold_seconds@channel')[c.channel],
            getvariable('service_level.threshold_seconds')
        ) as sl_threshold,
        coalesce(
            getvariable('service_level.denominator@queue')[c.queue],
            getvariable('service_level.denominator@channel')[c.channel],
            getvariable('service_level.denominator')
        ) as sl_denominator,
        coalesce(
            getvariable('service_level.clock@queue')[c.queue],
            getvariable('service_level.clock@channel')[c.channel],
            getvariable('service_level.clock')
        ) as sl_clock
    from contacts as c
    left join contact_outcomes as o on o._seq = c._seq
    left join survey_answers as s on s.contact_seq = c._seq
    left join contact_business as b on b._seq = c._seq
    where csm_in_report(c.direction, c.outcome, c.offered_at)
),

classified as (
    select
        a.* exclude (csat_answer, csat_answer_value, nps_answer_value, short_abandon_limit),
        csm_local_time(a.offered_at) as offered_local,
        a.outcome = 'answered' as is_answered,
        a.outcome = 'abandoned' and a.wait_seconds < a.short_abandon_limit as is_short_abandon,
        a.outcome = 'abandoned' and a.wait_seconds >= a.short_abandon_limit as is_abandoned,
        a.outcome = 'answered' and a.talk_seconds is not null as has_handle_time,
        a.csat_answer_value as csat_number,
        csm_csat_binary(a.csat_answer) as csat_binary,
        cast(a.nps_answer_value as integer) as nps_score,
        -- the wait the service level judges: calendar or business time, by the contact's own clock
        case when a.sl_clock = 'business' then a.business_wait_seconds else a.wait_seconds end as sl_wait
    from answered as a
)

select
    c.* exclude (sl_threshold, sl_denominator, sl_clock, sl_wait),
    -- service level, each contact under its own threshold T (inclusive) and denominator; short abandons in neither
    case
        when c.sl_denominator = 'early_abandons_met' then (c.is_answered or c.is_abandoned)
        else c.is_answered
    end and c.sl_wait <= c.sl_threshold as sl_met,
    c.sl_wait is not null and case c.sl_denominator
        when 'offered' then c.is_answered or c.is_abandoned
        when 'answered' then c.is_answered
        when 'exclude_early_abandons' then c.is_answered or (c.is_abandoned and c.sl_wait > c.sl_threshold)
        when 'early_abandons_met' then c.is_answered or c.is_abandoned
    end as sl_counted
from classified as c
),
"scope_keyed" AS (
SELECT 'all' AS grp__all, * EXCLUDE ("direction", "channel", "queue", "reason", "offered_at") FROM "scope_rows"
),
"scope_customers" AS (
SELECT *, CAST(NULL AS BOOLEAN) AS customer_first, CAST(NULL AS BOOLEAN) AS customer_complained FROM scope_keyed
),
"scoped" AS (
SELECT *, CAST(NULL AS DOUBLE) AS external_count FROM scope_customers
)
SELECT
    columns('^grp__'),
    -- sql/metrics/offered.sql
    count(*) filter (where is_answered or is_abandoned) AS "offered",
    -- sql/metrics/answered.sql
    count(*) filter (where is_answered) AS "answered",
    -- sql/metrics/abandoned.sql
    count(*) filter (where is_abandoned) AS "abandoned",
    -- sql/metrics/short_abandoned.sql
    count(*) filter (where is_short_abandon) AS "short_abandoned",
    -- sql/metrics/service_level.sql
    -- sl_met / sl_counted: each contact under its own threshold and denominator (sql/report/scope.sql), so
    -- per-channel and per-queue overrides hold in rows that mix channels and queues.
    count(*) filter (where sl_met) / nullif(count(*) filter (where sl_counted), 0) AS "service_level",
    -- sql/metrics/asa_seconds.sql
    avg(wait_seconds) filter (where is_answered) AS "asa_seconds",
    -- sql/metrics/asa_business_seconds.sql
    avg(business_wait_seconds) filter (where is_answered) AS "asa_business_seconds",
    -- sql/metrics/avg_wait_seconds.sql
    avg(wait_seconds) filter (where is_answered or is_abandoned) AS "avg_wait_seconds",
    -- sql/metrics/abandon_rate.sql
    count(*) filter (where is_abandoned)
    / nullif(count(*) filter (where is_answered or is_abandoned), 0) AS "abandon_rate",
    -- sql/metrics/aht_seconds.sql
    avg(
        talk_seconds
        + case when getvariable('aht.include_hold') then hold_seconds else 0 end
        + case when getvariable('aht.include_acw') then acw_seconds else 0 end
    ) filter (where has_handle_time) AS "aht_seconds",
    -- sql/metrics/avg_talk_seconds.sql
    avg(talk_seconds) filter (where has_handle_time) AS "avg_talk_seconds",
    -- sql/metrics/avg_hold_seconds.sql
    avg(hold_seconds) filter (where has_handle_time) AS "avg_hold_seconds",
    -- sql/metrics/acw_seconds.sql
    avg(acw_seconds) filter (where has_handle_time) AS "acw_seconds",
    -- sql/metrics/transfer_rate.sql
    count(*) filter (where is_answered and transferred)
    / nullif(count(transferred) filter (where is_answered), 0) AS "transfer_rate",
    -- sql/metrics/after_hours.sql
    count(*) filter (where (is_answered or is_abandoned) and offered_after_hours) AS "after_hours",
    -- sql/metrics/after_hours_rate.sql
    count(*) filter (where (is_answered or is_abandoned) and offered_after_hours)
    / nullif(count(*) filter (where is_answered or is_abandoned), 0) AS "after_hours_rate",
    -- sql/metrics/fcr_rate.sql
    count(*) filter (where fcr_status = 'resolved')
    / nullif(count(*) filter (where fcr_status in ('resolved', 'unresolved')), 0) AS "fcr_rate",
    -- sql/metrics/fcr_first_contacts.sql
    count(*) filter (where fcr_status in ('resolved', 'unresolved')) AS "fcr_first_contacts",
    -- sql/metrics/fcr_censored.sql
    count(*) filter (where fcr_status in ('censored_before', 'censored_after')) AS "fcr_censored",
    -- sql/metrics/repeat_rate.sql
    count(*) filter (where fcr_status = 'repeat')
    / nullif(count(*) filter (where fcr_status in ('repeat', 'resolved', 'unresolved', 'censored_after')), 0) AS "repeat_rate",
    -- sql/metrics/resolution_rate.sql
    count(*) filter (where is_answered and resolved)
    / nullif(count(resolved) filter (where is_answered), 0) AS "resolution_rate",
    -- sql/metrics/complaints.sql
    count(*) filter (where complaint and (is_answered or is_abandoned)) AS "complaints",
    -- sql/metrics/complaint_rate.sql
    -- One aggregate, computed in the report's single pass with the other metrics.
    -- Short abandons are never counted (they are neither answered nor abandoned).
    getvariable('complaint.per') * case getvariable('complaint.denominator')
        when 'offered' then
            count(*) filter (where complaint and (is_answered or is_abandoned))
            / nullif(count(*) filter (where is_answered or is_abandoned), 0)
        when 'answered' then
            count(*) filter (where complaint and is_answered)
            / nullif(count(*) filter (where is_answered), 0)
        -- distinct customers: customer_first marks one offered contact per customer and group, and
        -- customer_complained whether that customer complained (sql/report/customers.sql)
        when 'customers' then
            count(*) filter (where customer_first and customer_complained)
            / nullif(count(*) filter (where customer_first), 0)
        -- external_count: the group's count from --denominator FILE (the same on every row of the
        -- group; NULL when the file has none for it, or under any other denominator)
        when 'external' then
            count(*) filter (where complaint and (is_answered or is_abandoned))
            / nullif(max(external_count), 0)
    end AS "complaint_rate",
    -- sql/metrics/csat.sql
    count(*) filter (
        where is_answered and coalesce(csat_binary, csat_number >= getvariable('csat.satisfied_min'))
    ) / nullif(count(*) filter (where is_answered and (csat_binary is not null or csat_number is not null)), 0) AS "csat",
    -- sql/metrics/csat_mean.sql
    avg(csat_number) filter (where is_answered) AS "csat_mean",
    -- sql/metrics/csat_responses.sql
    count(*) filter (where is_answered and (csat_binary is not null or csat_number is not null)) AS "csat_responses",
    -- sql/metrics/nps.sql
    100.0 * (count(*) filter (where is_answered and nps_score >= 9) - count(*) filter (where is_answered and nps_score <= 6))
    / nullif(count(*) filter (where is_answered and nps_score is not null), 0) AS "nps",
    -- sql/metrics/nps_responses.sql
    count(*) filter (where is_answered and nps_score is not null) AS "nps_responses",
    -- sql/metrics/promoters.sql
    count(*) filter (where is_answered and nps_score >= 9) AS "promoters",
    -- sql/metrics/passives.sql
    count(*) filter (where is_answered and nps_score in (7, 8)) AS "passives",
    -- sql/metrics/detractors.sql
    count(*) filter (where is_answered and nps_score <= 6) AS "detractors",
    -- sql/metrics/nps_margin_of_error.sql
    -- csm_nps_margin(promoters, detractors, responses): see sql/prepare/score_macros.sql
    csm_nps_margin(
        count(*) filter (where is_answered and nps_score >= 9),
        count(*) filter (where is_answered and nps_score <= 6),
        count(*) filter (where is_answered and nps_score is not null)
    ) AS "nps_margin_of_error",
    -- sql/quality/contacts_in_report.sql
    count(*) AS "__q_contacts_in_report",
    -- sql/quality/first_day.sql
    min(cast(offered_local as date)) AS "__q_first_day",
    -- sql/quality/handle_time_unknown.sql
    count(*) filter (where is_answered and not has_handle_time) AS "__q_handle_time_unknown",
    -- sql/quality/last_day.sql
    max(cast(offered_local as date)) AS "__q_last_day",
    -- sql/quality/without_agent.sql
    count(*) filter (where agent_id is null) AS "__q_without_agent"
FROM "scoped"
GROUP BY ALL

/* csmetrics
name = "interaction_answers"
description = """
The csat and nps answers on valid contacts' own rows, for the report's period: kind
rejected (out of range), used, not_counted (csm_not_counted: in progress, outbound,
outside the period, abandoned), or replaced (a countable contact's valid answer that a
valid survey answer replaces; it is counted in used here and moved to not_counted
replaced_by_survey by the report).
"""
*/
with days as (
    select
        csm_not_counted_day(outcome, direction, csm_local_date(bucket)) as why,
        sum(csat_valid) as csat_valid,
        sum(csat_rejected) as csat_rejected,
        sum(nps_valid) as nps_valid,
        sum(nps_rejected) as nps_rejected
    from contact_buckets
    where reject_reason is null
    group by all
)

select 'csat' as score, 'rejected' as kind, 'csat_out_of_range' as reason, sum(csat_rejected) as n from days
union all
select 'nps', 'rejected', 'nps_out_of_range', sum(nps_rejected) from days
union all
select 'csat', csm_answer_kind(null, why), why, sum(csat_valid) from days group by all
union all
select 'nps', csm_answer_kind(null, why), why, sum(nps_valid) from days group by all
union all
select score, 'replaced', 'replaced_by_survey', count(*)
from survey_answer_checked
where
    reject_reason is null
    and own_valid
    and csm_not_counted(contact_outcome, contact_direction, contact_offered_at) is null
group by all

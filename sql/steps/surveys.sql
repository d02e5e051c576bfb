/* csmetrics
reads = ["survey_rows", "contacts"]
creates = ["survey_checked"]
description = """
Survey rows given in a separate file (--surveys FILE), joined to contacts on
interaction_id. A whole row is rejected when it has no interaction_id
(missing_interaction_id), no loaded valid contact with its interaction_id
(survey_without_contact), or when a later row of the file(s) answers for the same
interaction_id (survey_duplicate: the last row read wins). The answers of the
other rows are checked one by one in answers.sql: an out-of-range csat or nps
rejects only that answer, never the row's other answer.
"""
*/
create or replace temp table survey_checked as
with base as (
    select
        s.*,
        c._seq as contact_seq,
        -- what the answer accounting needs to know of the contact (csm_not_counted)
        c.outcome as contact_outcome,
        c.direction as contact_direction,
        c.offered_at as contact_offered_at,
        -- the contact's own answers (replaced when the survey has a valid one)
        c.csat as contact_csat,
        c.nps as contact_nps,
        c.csat_value as contact_csat_value,
        c.nps_value as contact_nps_value,
        case
            when s.interaction_id is null then 'missing_interaction_id'
            when c.interaction_id is null then 'survey_without_contact'
        end as base_reason
    from survey_rows as s
    left join (
        select interaction_id, _seq, outcome, direction, offered_at, csat, nps, csat_value, nps_value from contacts
    ) as c
        using (interaction_id)
)

select
    * exclude (base_reason),
    case
        when base_reason is not null then base_reason
        when row_number() over (partition by interaction_id, base_reason is null order by _seq desc) > 1
            then 'survey_duplicate'
    end as reject_reason
from base

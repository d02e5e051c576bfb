/* csmetrics
description = """
Survey answers given in a separate file (--surveys FILE), joined to contacts on
interaction_id. A row is rejected when it has no interaction_id
(missing_interaction_id), an out-of-range answer (csat_out_of_range,
nps_out_of_range), no loaded contact with its interaction_id
(survey_without_contact), or when a later row of the file(s) answers for the same
interaction_id (survey_duplicate: the last row read wins). The valid rows are in
survey_answers; a survey answer takes precedence over the same column on the
interaction row.
"""
*/
create or replace temp table survey_checked as
with base as (
    select
        s.*,
        case
            when s.interaction_id is null then 'missing_interaction_id'
            when not csm_csat_valid(s.csat, (select scale_min from csat_scale), (select scale_max from csat_scale)) then 'csat_out_of_range'
            when not csm_nps_valid(s.nps) then 'nps_out_of_range'
            when c.interaction_id is null then 'survey_without_contact'
        end as base_reason
    from survey_rows as s
    left join (select interaction_id from contacts) as c using (interaction_id)
)

select
    * exclude (base_reason),
    case
        when base_reason is not null then base_reason
        when row_number() over (partition by interaction_id, base_reason is null order by _seq desc) > 1
            then 'survey_duplicate'
    end as reject_reason
from base;

create or replace temp table survey_answers as
select interaction_id, csat, nps
from survey_checked
where reject_reason is null;

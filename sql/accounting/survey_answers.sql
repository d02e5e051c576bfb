/* csmetrics
name = "survey_answers"
description = "The answers of survey rows that are not rejected whole, for the report's period: rejected, not_counted, used."
*/
select
    case
        when reject_reason is not null then 'rejected'
        when csm_not_counted(contact_outcome, contact_direction, contact_offered_at) is not null then 'not_counted'
        else 'used'
    end as kind,
    coalesce(reject_reason, csm_not_counted(contact_outcome, contact_direction, contact_offered_at)) as reason,
    count(*) as n
from survey_answer_checked
group by all

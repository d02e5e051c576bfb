/* csmetrics
name = "survey_rows"
description = "Survey rows read (--surveys or the store) for the report's period: rejected, not_counted (with why), or used."
*/
select
    case
        when reject_reason is not null then 'rejected'
        when csm_not_counted(contact_outcome, contact_direction, contact_offered_at) is not null then 'not_counted'
        else 'used'
    end as kind,
    coalesce(reject_reason, csm_not_counted(contact_outcome, contact_direction, contact_offered_at)) as reason,
    count(*) as n
from survey_checked
group by all

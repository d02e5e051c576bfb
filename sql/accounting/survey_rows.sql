/* csmetrics
name = "survey_rows"
description = "Survey rows read (--surveys or the store) for the report's period: rejected, not_counted (with why), or used."
*/
select csm_answer_kind(reject_reason, why) as kind, coalesce(reject_reason, why) as reason, count(*) as n
from (
    select reject_reason, csm_not_counted(contact_outcome, contact_direction, contact_offered_at) as why
    from survey_checked
)
group by all

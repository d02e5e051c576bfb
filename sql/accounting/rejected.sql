/* csmetrics
name = "rejected"
description = "Rejected records by what was rejected (record: contact, answer, survey_row) and reason."
*/
select 'contact' as record, reject_reason as reason, sum(rows) as n
from contact_buckets
where reject_reason is not null
group by all
union all
select 'answer', 'csat_out_of_range', sum(csat_rejected) from contact_buckets
union all
select 'answer', 'nps_out_of_range', sum(nps_rejected) from contact_buckets
union all
select 'survey_row', reject_reason, count(*) from survey_checked where reject_reason is not null group by all
union all
select 'answer', reject_reason, count(*) from survey_answer_checked where reject_reason is not null group by all

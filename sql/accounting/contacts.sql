/* csmetrics
name = "contacts"
description = "Valid contacts: all of them, those still in progress, and the outbound ones that are not in progress."
*/
select
    coalesce(sum(rows), 0) as contacts,
    coalesce(sum(rows) filter (where outcome = 'in_progress'), 0) as in_progress,
    coalesce(sum(rows) filter (where direction <> 'inbound' and outcome <> 'in_progress'), 0) as outbound
from contact_buckets
where reject_reason is null

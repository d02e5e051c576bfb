/* csmetrics
name = "state_rejects"
description = "Rejected agent state rows by reason."
*/
select reason, count(*) as n
from state_rejects
group by reason
order by reason

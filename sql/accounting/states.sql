/* csmetrics
name = "states"
description = "Agent state rows: identical copies merged, rows kept, open states cut at the span end, state names, span end."
*/
select
    count(*) filter (where reject_reason = 'identical_copy') as copies,
    count(*) filter (where reject_reason is null) as kept,
    (select count(*) from agent_states where is_cut) as cut,
    (select list(distinct state order by state) from agent_states) as state_names,
    csm_utc_iso(max(span_end)) as span_end
from state_checked

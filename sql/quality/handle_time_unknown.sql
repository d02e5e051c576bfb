/* csmetrics
name = "handle_time_unknown"
description = "Answered contacts in the report that have not ended, so have no handle time yet: data_quality.handle_time_unknown."
*/
count(*) filter (where is_answered and not has_handle_time)

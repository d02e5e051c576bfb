/* csmetrics
name = "after_hours_rate"
label = "after hours %"
title = "After-hours rate"
unit = "ratio"
order = 136
needs = "hours"
description = "after_hours / offered."
notes = "Needs opening hours. NULL when nothing was offered."
*/
count(*) filter (where (is_answered or is_abandoned) and offered_after_hours)
/ nullif(count(*) filter (where is_answered or is_abandoned), 0)

/* csmetrics
name = "repeat_rate"
label = "repeat %"
title = "Repeat-contact rate"
unit = "ratio"
order = 203
description = "Repeats / participating contacts that are not censored (repeat + resolved + unresolved). A repeat follows a contact of the same key within fcr.window_hours (<=)."
*/
count(*) filter (where fcr_status = 'repeat')
/ nullif(count(*) filter (where fcr_status in ('repeat', 'resolved', 'unresolved')), 0)

/* csmetrics
name = "abandoned"
label = "abandoned"
title = "Abandoned"
unit = "count"
order = 30
better = "lower"
description = "Inbound contacts that ended unanswered after waiting at least abandon.short_abandon_seconds."

[compare]
method = "count"
*/
count(*) filter (where is_abandoned)

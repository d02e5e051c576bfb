/* csmetrics
name = "abandoned"
label = "abandoned"
title = "Abandoned"
unit = "count"
order = 30
description = "Inbound contacts that ended unanswered after waiting at least abandon.short_abandon_seconds."
*/
count(*) filter (where is_abandoned)

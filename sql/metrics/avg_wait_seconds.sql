/* csmetrics
name = "avg_wait_seconds"
label = "avg wait"
title = "Average wait"
unit = "seconds"
order = 70
description = "Mean wait of answered and abandoned contacts (abandoned: ended_at - offered_at); short abandons excluded."
*/
avg(wait_seconds) filter (where is_answered or is_abandoned)

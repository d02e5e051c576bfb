/* csmetrics
name = "asa_seconds"
label = "ASA"
title = "Average speed of answer"
unit = "seconds"
order = 60
description = "Mean wait (answered_at - offered_at) of answered contacts."
*/
avg(wait_seconds) filter (where is_answered)

/* csmetrics
name = "avg_talk_seconds"
label = "talk"
title = "Average talk"
unit = "seconds"
order = 100
description = "Mean talk time of answered contacts (missing talk = ended_at - answered_at - hold)."
*/
avg(talk_seconds) filter (where has_handle_time)

/* csmetrics
name = "avg_talk_seconds"
label = "talk"
title = "Average talk"
unit = "seconds"
order = 100
description = "Mean talk time of answered contacts (missing talk = ended_at - answered_at - hold)."

[compare]
method = "ratio"
numerator = """
sum(talk_seconds) filter (where has_handle_time)
"""
denominator = """
count(talk_seconds) filter (where has_handle_time)
"""
*/
avg(talk_seconds) filter (where has_handle_time)

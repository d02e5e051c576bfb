/* csmetrics
name = "avg_wait_seconds"
label = "avg wait"
title = "Average wait"
unit = "seconds"
order = 70
better = "lower"
description = "Mean wait of answered and abandoned contacts (abandoned: ended_at - offered_at); short abandons excluded."

[compare]
method = "ratio"
numerator = """
sum(wait_seconds) filter (where is_answered or is_abandoned)
"""
denominator = """
count(wait_seconds) filter (where is_answered or is_abandoned)
"""
*/
avg(wait_seconds) filter (where is_answered or is_abandoned)

/* csmetrics
name = "asa_seconds"
label = "ASA"
title = "Average speed of answer"
unit = "seconds"
order = 60
better = "lower"
description = "Mean wait (answered_at - offered_at) of answered contacts."

[compare]
method = "ratio"
numerator = """
sum(wait_seconds) filter (where is_answered)
"""
denominator = """
count(wait_seconds) filter (where is_answered)
"""
*/
avg(wait_seconds) filter (where is_answered)

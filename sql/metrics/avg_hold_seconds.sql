/* csmetrics
name = "avg_hold_seconds"
label = "hold"
title = "Average hold"
unit = "seconds"
order = 110
better = "lower"
description = "Mean hold time of answered contacts (missing hold = 0), contacts without hold included."

[compare]
method = "ratio"
numerator = """
sum(hold_seconds) filter (where has_handle_time)
"""
denominator = """
count(hold_seconds) filter (where has_handle_time)
"""
*/
avg(hold_seconds) filter (where has_handle_time)

/* csmetrics
name = "acw_seconds"
label = "ACW"
title = "Average after-contact work"
unit = "seconds"
order = 120
better = "lower"
description = "Mean after-contact work of answered contacts (missing ACW = 0)."

[compare]
method = "ratio"
numerator = """
sum(acw_seconds) filter (where has_handle_time)
"""
denominator = """
count(acw_seconds) filter (where has_handle_time)
"""
*/
avg(acw_seconds) filter (where has_handle_time)

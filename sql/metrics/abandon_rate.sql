/* csmetrics
name = "abandon_rate"
label = "abandon %"
title = "Abandon rate"
unit = "ratio"
order = 80
better = "lower"
description = "Abandoned / offered (short abandons in neither)."

[compare]
method = "ratio"
numerator = """
count(*) filter (where is_abandoned)
"""
denominator = """
count(*) filter (where is_answered or is_abandoned)
"""
*/
count(*) filter (where is_abandoned)
/ nullif(count(*) filter (where is_answered or is_abandoned), 0)

/* csmetrics
name = "transfer_rate"
label = "transfer %"
title = "Transfer rate"
unit = "ratio"
order = 130
better = "lower"
description = "Transferred answered contacts / answered contacts whose transferred flag is known (a blank flag is unknown and left out)."
notes = "NULL when no answered contact of the group has a transferred value (the export has no such column), rather than a misleading 0."

[compare]
method = "ratio"
numerator = """
count(*) filter (where is_answered and transferred)
"""
denominator = """
count(transferred) filter (where is_answered)
"""
*/
count(*) filter (where is_answered and transferred)
/ nullif(count(transferred) filter (where is_answered), 0)

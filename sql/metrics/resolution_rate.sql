/* csmetrics
name = "resolution_rate"
label = "resolved %"
title = "Recorded resolution rate"
unit = "ratio"
order = 205
better = "higher"
description = "Answered contacts the agent recorded as resolved / answered contacts whose resolved flag is known (a blank flag is unknown and left out)."
notes = "From the export's own resolved flag (the canonical resolved column), not from repeat contacts: fcr_rate is the repeat-based measure. NULL when no answered contact of the group has the flag."

[compare]
method = "ratio"
numerator = """
count(*) filter (where is_answered and resolved)
"""
denominator = """
count(resolved) filter (where is_answered)
"""
*/
count(*) filter (where is_answered and resolved)
/ nullif(count(resolved) filter (where is_answered), 0)

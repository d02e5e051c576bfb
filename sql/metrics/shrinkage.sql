/* csmetrics
name = "shrinkage"
label = "shrinkage"
title = "Shrinkage"
unit = "ratio"
order = 360
better = "lower"
source = "states"
description = "Staffed time in states that are neither handling nor available (break, lunch, training, meeting, ...) / staffed time."
notes = "Needs --states. NULL when the group has no staffed time. Only logged-in (staffed) time counts: absence and unstaffed states are not shrinkage here."

[compare]
method = "ratio"
numerator = """
coalesce(sum(seconds) filter (where csm_other_staffed(state)), 0)
"""
denominator = """
coalesce(sum(seconds) filter (where csm_staffed(state)), 0)
"""
*/
-- states: sql/macros/states.sql (csm_staffed, csm_other_staffed)
coalesce(sum(seconds) filter (where csm_other_staffed(state)), 0)
/ nullif(sum(seconds) filter (where csm_staffed(state)), 0)

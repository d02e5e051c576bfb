/* csmetrics
name = "utilization"
label = "utilization"
title = "Utilization"
unit = "ratio"
order = 350
source = "states"
description = "Handling time / (staffed time - staffed time in utilization.exclude_states)."
notes = "Needs --states. NULL when that denominator is 0. With exclude_states empty this is handling / staffed."

[params."utilization.exclude_states"]
type = "list"
default = []
help = "States removed from staffed time for utilization, e.g. lunch,break or training,meeting."

[compare]
method = "ratio"
numerator = """
coalesce(sum(seconds) filter (where csm_handling(state)), 0)
"""
denominator = """
coalesce(sum(seconds) filter (where csm_staffed(state)), 0)
- coalesce(sum(seconds) filter (
    where csm_staffed(state) and csm_state_in(state, getvariable('utilization.exclude_states'))
), 0)
"""
*/
-- states: sql/macros/states.sql (csm_staffed, csm_handling)
coalesce(sum(seconds) filter (where csm_handling(state)), 0)
/ nullif(
    coalesce(sum(seconds) filter (where csm_staffed(state)), 0)
    - coalesce(sum(seconds) filter (
        where csm_staffed(state) and csm_state_in(state, getvariable('utilization.exclude_states'))
    ), 0),
    0
)

/* csmetrics
name = "occupancy"
label = "occupancy"
title = "Occupancy"
unit = "ratio"
order = 340
source = "states"
description = "Handling time / (handling time + available time), from agent states (states.handling, states.available)."
notes = "Needs --states. NULL when the group has no handling and no available time. Concurrency is ignored: an agent on two chats is handling once (as Amazon Connect)."

[compare]
method = "ratio"
numerator = """
coalesce(sum(seconds) filter (where csm_handling(state)), 0)
"""
denominator = """
coalesce(sum(seconds) filter (where csm_handling(state)), 0)
+ coalesce(sum(seconds) filter (where csm_available(state)), 0)
"""
*/
-- states: sql/macros/states.sql (csm_handling, csm_available)
coalesce(sum(seconds) filter (where csm_handling(state)), 0)
/ nullif(
    coalesce(sum(seconds) filter (where csm_handling(state)), 0)
    + coalesce(sum(seconds) filter (where csm_available(state)), 0),
    0
)

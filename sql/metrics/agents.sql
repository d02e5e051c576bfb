/* csmetrics
name = "agents"
label = "agents"
title = "Agents"
unit = "count"
order = 330
source = "states"
description = "Distinct agents with staffed time (any state but states.unstaffed, for a positive duration) in the group."
notes = "Needs --states."
*/
count(distinct agent_id) filter (where csm_staffed(state) and seconds > 0)

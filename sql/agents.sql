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
select
    columns('^grp__'),
    count(distinct agent_id) filter (where not csm_state_in(state, $states_unstaffed) and seconds > 0) as agents
from state_time
group by all

/* csmetrics
name = "available_hours"
label = "available h"
title = "Available hours"
unit = "hours"
order = 320
source = "states"
description = "Staffed time in the available states (states.available, default available), in hours."
notes = "Needs --states. A state listed as handling or unstaffed is never available."
*/
select
    columns('^grp__'),
    coalesce(sum(seconds) filter (
        where not csm_state_in(state, $states_unstaffed)
        and not csm_state_in(state, $states_handling)
        and csm_state_in(state, $states_available)
    ), 0) / 3600 as available_hours
from state_time
group by all

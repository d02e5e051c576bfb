/* csmetrics
name = "handling_hours"
label = "handling h"
title = "Handling hours"
unit = "hours"
order = 310
source = "states"
description = "Staffed time in the handling states (states.handling, default on_contact and acw), in hours."
notes = "Needs --states. A state listed as unstaffed is never handling."
*/
select
    columns('^grp__'),
    coalesce(sum(seconds) filter (
        where not csm_state_in(state, $states_unstaffed) and csm_state_in(state, $states_handling)
    ), 0) / 3600 as handling_hours
from state_time
group by all

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
coalesce(sum(seconds) filter (where csm_handling(state)), 0) / 3600

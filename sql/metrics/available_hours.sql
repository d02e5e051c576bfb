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
coalesce(sum(seconds) filter (where csm_available(state)), 0) / 3600

/* csmetrics
name = "staffed_hours"
label = "staffed h"
title = "Staffed hours"
unit = "hours"
order = 300
source = "states"
description = "Agent time in any state except the unstaffed ones (states.unstaffed), in hours, split exactly at bucket boundaries."
notes = "Needs --states. 0 for a group with contacts but no state time."
*/
coalesce(sum(seconds) filter (where csm_staffed(state)), 0) / 3600

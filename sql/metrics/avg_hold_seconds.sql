/* csmetrics
name = "avg_hold_seconds"
label = "hold"
title = "Average hold"
unit = "seconds"
order = 110
description = "Mean hold time of answered contacts (missing hold = 0), contacts without hold included."
*/
avg(hold_seconds) filter (where has_handle_time)

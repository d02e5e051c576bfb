/* csmetrics
name = "acw_seconds"
label = "ACW"
title = "Average after-contact work"
unit = "seconds"
order = 120
description = "Mean after-contact work of answered contacts (missing ACW = 0)."
*/
avg(acw_seconds) filter (where has_handle_time)

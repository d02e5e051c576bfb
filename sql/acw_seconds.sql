/* csmetrics
name = "acw_seconds"
label = "ACW"
title = "Average after-contact work"
unit = "seconds"
order = 120
description = "Mean after-contact work of answered contacts (missing ACW = 0)."
*/
select
    columns('^grp__'),
    avg(acw_seconds) filter (where has_handle_time) as acw_seconds
from scoped
group by all

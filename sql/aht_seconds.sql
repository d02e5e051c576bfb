/* csmetrics
name = "aht_seconds"
label = "AHT"
title = "Average handle time"
unit = "seconds"
order = 90
section = "aht"
description = "Mean over answered contacts of talk + hold + after-contact work (hold and ACW per the include flags)."
notes = "Answered contacts that have not ended and have no talk_seconds have no handle time yet; they are left out and counted in data_quality.handle_time_unknown."

[params.include_hold]
type = "boolean"
default = true
help = "Handle time includes hold time."

[params.include_acw]
type = "boolean"
default = true
help = "Handle time includes after-contact work."
*/
select
    columns('^grp__'),
    avg(
        talk_seconds
        + case when $aht_include_hold then hold_seconds else 0 end
        + case when $aht_include_acw then acw_seconds else 0 end
    ) filter (where has_handle_time) as aht_seconds
from scoped
group by all

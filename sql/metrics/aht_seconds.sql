/* csmetrics
name = "aht_seconds"
label = "AHT"
title = "Average handle time"
unit = "seconds"
order = 90
better = "lower"
description = "Mean over answered contacts of talk + hold + after-contact work (hold and ACW per the include flags)."
notes = "Answered contacts that have not ended and have no talk_seconds have no handle time yet; they are left out and counted in data_quality.handle_time_unknown."

[params."aht.include_hold"]
type = "boolean"
default = true
help = "Handle time includes hold time."

[params."aht.include_acw"]
type = "boolean"
default = true
help = "Handle time includes after-contact work."

[compare]
method = "ratio"
numerator = """
sum(
    talk_seconds
    + case when getvariable('aht.include_hold') then hold_seconds else 0 end
    + case when getvariable('aht.include_acw') then acw_seconds else 0 end
) filter (where has_handle_time)
"""
denominator = """
count(
    talk_seconds
    + case when getvariable('aht.include_hold') then hold_seconds else 0 end
    + case when getvariable('aht.include_acw') then acw_seconds else 0 end
) filter (where has_handle_time)
"""
*/
avg(
    talk_seconds
    + case when getvariable('aht.include_hold') then hold_seconds else 0 end
    + case when getvariable('aht.include_acw') then acw_seconds else 0 end
) filter (where has_handle_time)

/* csmetrics
name = "after_hours"
label = "after hours"
title = "Offered after hours"
unit = "count"
order = 135
needs = "hours"
description = "Contacts offered (answered or abandoned, as in offered) while their calendar was closed."
notes = "Needs opening hours. A contact offered exactly at opening time is within hours; exactly at closing time, after hours. Holidays and closures count as closed."
*/
count(*) filter (where (is_answered or is_abandoned) and offered_after_hours)

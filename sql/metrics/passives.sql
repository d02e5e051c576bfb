/* csmetrics
name = "passives"
label = "passives"
title = "NPS passives"
unit = "count"
order = 233
description = "NPS answers 7 or 8 of answered contacts."
*/
count(*) filter (where is_answered and nps_score in (7, 8))

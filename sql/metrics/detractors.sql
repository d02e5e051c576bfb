/* csmetrics
name = "detractors"
label = "detractors"
title = "NPS detractors"
unit = "count"
order = 234
description = "NPS answers 0 to 6 of answered contacts."
*/
count(*) filter (where is_answered and nps_score <= 6)

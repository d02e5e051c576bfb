/* csmetrics
name = "promoters"
label = "promoters"
title = "NPS promoters"
unit = "count"
order = 232
description = "NPS answers 9 or 10 of answered contacts."
*/
count(*) filter (where is_answered and nps_score >= 9)

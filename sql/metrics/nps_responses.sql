/* csmetrics
name = "nps_responses"
label = "NPS n"
title = "NPS responses"
unit = "count"
order = 231
description = "NPS answers (integers 0-10) of answered contacts."
*/
count(*) filter (where is_answered and nps_score is not null)

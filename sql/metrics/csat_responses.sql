/* csmetrics
name = "csat_responses"
label = "CSAT n"
title = "CSAT responses"
unit = "count"
order = 222
description = "CSAT answers (numeric or good/bad) of answered contacts."
*/
count(*) filter (where is_answered and (csat_binary is not null or csat_number is not null))

/* csmetrics
name = "csat_mean"
label = "CSAT mean"
title = "Mean CSAT score"
unit = "score"
order = 221
description = "Mean of the numeric CSAT answers of answered contacts, on the csat scale (good/bad answers are not in the mean)."
*/
avg(csat_number) filter (where is_answered)

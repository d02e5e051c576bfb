/* csmetrics
name = "csat_mean"
label = "CSAT mean"
title = "Mean CSAT score"
unit = "score"
order = 221
better = "higher"
description = "Mean of the numeric CSAT answers of answered contacts, on the csat scale (good/bad answers are not in the mean)."

[compare]
# survey answers are treated as independent: Welch's t on the numeric answers
method = "mean"
n = "count(csat_number) filter (where is_answered)"
mean = "avg(csat_number) filter (where is_answered)"
variance = "var_samp(csat_number) filter (where is_answered)"
*/
avg(csat_number) filter (where is_answered)

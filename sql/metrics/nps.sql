/* csmetrics
name = "nps"
label = "NPS"
title = "Net Promoter Score"
unit = "score"
order = 230
better = "higher"
description = "100 x (promoters (9-10) - detractors (0-6)) / responses, on -100..100, over the NPS answers of answered contacts; unrounded."
notes = "Answers that are not whole numbers 0-10 are rejected answers (the contact is kept), never clipped. No responses gives null."

[compare]
# survey answers are treated as independent
method = "nps"
promoters = "count(*) filter (where is_answered and nps_score >= 9)"
detractors = "count(*) filter (where is_answered and nps_score <= 6)"
responses = "count(*) filter (where is_answered and nps_score is not null)"
*/
100.0 * (count(*) filter (where is_answered and nps_score >= 9) - count(*) filter (where is_answered and nps_score <= 6))
/ nullif(count(*) filter (where is_answered and nps_score is not null), 0)

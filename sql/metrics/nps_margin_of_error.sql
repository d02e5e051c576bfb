/* csmetrics
name = "nps_margin_of_error"
label = "NPS ±"
title = "NPS margin of error (95 %)"
unit = "score"
order = 235
description = "1.96 x 100 x sqrt((p + d - (p - d)^2) / n), with p and d the promoter and detractor shares of the n responses: the 95 % half-width from the standard error of P - D, in NPS points."
notes = "Null without responses; 0 when every answer is in one category."
*/
-- csm_nps_margin(promoters, detractors, responses): see sql/prepare/score_macros.sql
csm_nps_margin(
    count(*) filter (where is_answered and nps_score >= 9),
    count(*) filter (where is_answered and nps_score <= 6),
    count(*) filter (where is_answered and nps_score is not null)
)

/* csmetrics
name = "nps_margin_of_error"
label = "NPS ±"
title = "NPS margin of error (95 %)"
unit = "score"
order = 235
description = "1.96 x 100 x sqrt((p + d - (p - d)^2) / n), with p and d the promoter and detractor shares of the n responses: the 95 % half-width from the standard error of P - D, in NPS points."
notes = "Null without responses; 0 when every answer is in one category."
*/
with counts as (
    select
        columns('^grp__'),
        count(*) filter (where is_answered and nps_score is not null) as n,
        count(*) filter (where is_answered and nps_score >= 9) / nullif(n, 0) as p,
        count(*) filter (where is_answered and nps_score <= 6) / nullif(n, 0) as d
    from scoped
    group by all
)

select
    columns('^grp__'),
    1.96 * 100 * sqrt(greatest(p + d - (p - d) * (p - d), 0) / nullif(n, 0)) as nps_margin_of_error
from counts

/* csmetrics
name = "nps_responses"
label = "NPS n"
title = "NPS responses"
unit = "count"
order = 231
description = "NPS answers (integers 0-10) of answered contacts."
*/
select
    columns('^grp__'),
    count(*) filter (where is_answered and nps_score is not null) as nps_responses
from scoped
group by all

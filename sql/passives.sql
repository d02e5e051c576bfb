/* csmetrics
name = "passives"
label = "passives"
title = "NPS passives"
unit = "count"
order = 233
description = "NPS answers 7 or 8 of answered contacts."
*/
select
    columns('^grp__'),
    count(*) filter (where is_answered and nps_score in (7, 8)) as passives
from scoped
group by all

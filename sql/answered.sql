/* csmetrics
name = "answered"
label = "answered"
title = "Answered"
unit = "count"
order = 20
description = "Inbound contacts an agent answered (answered_at is set)."
*/
select
    columns('^grp__'),
    count(*) filter (where is_answered) as answered
from scoped
group by all

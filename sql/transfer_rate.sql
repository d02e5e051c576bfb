/* csmetrics
name = "transfer_rate"
label = "transfer %"
title = "Transfer rate"
unit = "ratio"
order = 130
description = "Transferred answered contacts / answered contacts whose transferred flag is known."
notes = "NULL when the input has no transferred values for the group."
*/
select
    columns('^grp__'),
    count(*) filter (where is_answered and transferred)
    / nullif(count(*) filter (where is_answered and transferred is not null), 0) as transfer_rate
from scoped
group by all

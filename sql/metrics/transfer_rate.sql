/* csmetrics
name = "transfer_rate"
label = "transfer %"
title = "Transfer rate"
unit = "ratio"
order = 130
description = "Transferred answered contacts / answered contacts (a blank transferred flag counts as not transferred)."
notes = "NULL when no answered contact of the group has a transferred value at all (the export has no such column), rather than a misleading 0."
*/
case
    when count(transferred) filter (where is_answered) > 0
        then count(*) filter (where is_answered and transferred)
        / count(*) filter (where is_answered)
end

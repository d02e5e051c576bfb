/* csmetrics
name = "abandon_rate"
label = "abandon %"
title = "Abandon rate"
unit = "ratio"
order = 80
description = "Abandoned / offered (short abandons in neither)."
*/
count(*) filter (where is_abandoned)
/ nullif(count(*) filter (where is_answered or is_abandoned), 0)

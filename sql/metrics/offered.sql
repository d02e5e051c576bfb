/* csmetrics
name = "offered"
label = "offered"
title = "Offered"
unit = "count"
order = 10
description = "Inbound contacts answered or abandoned in the bucket; short abandons are not counted."

[compare]
method = "count"
*/
count(*) filter (where is_answered or is_abandoned)

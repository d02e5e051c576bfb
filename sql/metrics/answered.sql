/* csmetrics
name = "answered"
label = "answered"
title = "Answered"
unit = "count"
order = 20
description = "Inbound contacts an agent answered (answered_at is set)."

[compare]
method = "count"
*/
count(*) filter (where is_answered)

/* csmetrics
name = "complaints"
label = "complaints"
title = "Complaints"
unit = "count"
order = 210
description = "Offered contacts (answered or abandoned, short abandons excluded) marked complaint = true."
*/
count(*) filter (where complaint and (is_answered or is_abandoned))

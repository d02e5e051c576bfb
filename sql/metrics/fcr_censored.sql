/* csmetrics
name = "fcr_censored"
label = "FCR censored"
title = "Contacts with unknown FCR status (censored)"
unit = "count"
order = 202
description = "Participating contacts whose status is unknown: their look-back window starts before the loaded data span, or (not a repeat) their look-ahead window ends after it, whatever was observed."
*/
count(*) filter (where fcr_status in ('censored_before', 'censored_after'))

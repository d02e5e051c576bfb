/* csmetrics
name = "fcr_censored"
label = "FCR censored"
title = "Contacts with unknown FCR status (censored)"
unit = "count"
order = 202
description = "Participating contacts that are not repeats and whose look-back window starts before, or (with no repeat seen) whose look-ahead window ends after, the loaded data span."
*/
count(*) filter (where fcr_status = 'censored')

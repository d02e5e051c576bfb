/* csmetrics
name = "fcr_first_contacts"
label = "FCR base"
title = "First contacts (FCR denominator)"
unit = "count"
order = 201
description = "Participating contacts that are first contacts with a known outcome: resolved + unresolved (not repeats, not censored). A first contact is known only when its whole window lies inside the loaded data."
*/
count(*) filter (where fcr_status in ('resolved', 'unresolved'))

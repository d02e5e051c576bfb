/* csmetrics
name = "fcr_rate"
section = "fcr"
label = "FCR"
title = "First-contact resolution rate"
unit = "ratio"
order = 200
description = "Resolved / (resolved + unresolved) first contacts: a first contact is unresolved when the same customer (or customer + reason) has another answered inbound contact within the window after it."
notes = "Status comes from all loaded contacts, whatever --from/--to selects. A later contact exactly at the window edge counts (difference <= window). Censored contacts (window reaching outside the loaded data) are in neither part. See fcr_censored and docs/definitions.md."

[params.window_hours]
type = "number"
default = 24
min = 0
max = 8784
unit = "hours"
help = "Repeat window: a contact within this many hours after another of the same key is a repeat (<=, inclusive)."

[params.match]
type = "choice"
default = "customer_id"
help = "What makes two contacts the same issue."
[params.match.choices]
customer_id = "same customer_id, any reason"
"customer_id,reason" = "same customer_id and same reason (contacts without a reason do not take part)"
*/
select
    columns('^grp__'),
    count(*) filter (where fcr_status = 'resolved')
    / nullif(count(*) filter (where fcr_status in ('resolved', 'unresolved')), 0) as fcr_rate
from scoped
group by all

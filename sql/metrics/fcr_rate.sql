/* csmetrics
name = "fcr_rate"
label = "FCR"
title = "First-contact resolution rate"
unit = "ratio"
order = 200
description = "Resolved / (resolved + unresolved) first contacts: a first contact is unresolved when the same customer (or customer + reason) has another answered inbound contact within the window after it."
parameters = ["fcr.window_hours", "fcr.match"]  # declared where they act: sql/report/outcomes.sql
notes = "Status comes from all loaded contacts, whatever --from/--to selects. A later contact exactly at the window edge counts (difference <= window). Censored contacts (window reaching outside the loaded data) are in neither part. See fcr_censored and docs/definitions.md."

*/
count(*) filter (where fcr_status = 'resolved')
/ nullif(count(*) filter (where fcr_status in ('resolved', 'unresolved')), 0)

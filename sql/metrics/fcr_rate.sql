/* csmetrics
name = "fcr_rate"
label = "FCR"
title = "First-contact resolution rate"
unit = "ratio"
order = 200
better = "higher"
description = "Resolved / (resolved + unresolved) first contacts: a first contact is unresolved when the same customer (or customer + reason) has another answered inbound contact within the window after it."
parameters = ["fcr.window_hours", "fcr.match"]  # declared where they act: sql/report/outcomes.sql
notes = "Status comes from all loaded contacts, whatever --from/--to selects. A later contact exactly at the window edge counts (difference <= window). A contact is known only when its whole window lies inside the loaded data; the others are censored and in neither part (null when no contact is known). data_quality.fcr_final gives the days whose FCR is final. See fcr_censored and docs/definitions.md."

[compare]
method = "ratio"
numerator = """
count(*) filter (where fcr_status = 'resolved')
"""
denominator = """
count(*) filter (where fcr_status in ('resolved', 'unresolved'))
"""
*/
count(*) filter (where fcr_status = 'resolved')
/ nullif(count(*) filter (where fcr_status in ('resolved', 'unresolved')), 0)

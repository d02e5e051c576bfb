/* csmetrics
name = "repeat_rate"
label = "repeat %"
title = "Repeat-contact rate"
unit = "ratio"
order = 203
better = "lower"
description = "Repeats / participating contacts whose look-back window lies in the loaded data (repeat + resolved + unresolved + those censored only for their look-ahead). A repeat follows a contact of the same key within fcr.window_hours (<=)."
notes = "Whether a contact is a repeat needs only its look-back window, so every contact with a complete look-back is in the denominator: counting only resolved and unresolved ones next to the repeats would give 100 % on the data's last day (there every contact that is not a repeat is censored for its look-ahead)."

[compare]
method = "ratio"
numerator = """
count(*) filter (where fcr_status = 'repeat')
"""
denominator = """
count(*) filter (where fcr_status in ('repeat', 'resolved', 'unresolved', 'censored_after'))
"""
*/
count(*) filter (where fcr_status = 'repeat')
/ nullif(count(*) filter (where fcr_status in ('repeat', 'resolved', 'unresolved', 'censored_after')), 0)

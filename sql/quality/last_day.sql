/* csmetrics
name = "last_day"
description = "Last local day with a contact in the report: the period's end when --to is not given."
*/
max(cast(offered_local as date))

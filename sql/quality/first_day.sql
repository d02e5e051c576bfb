/* csmetrics
name = "first_day"
description = "First local day with a contact in the report: the period's start when --from is not given."
*/
min(cast(offered_local as date))

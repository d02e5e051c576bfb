/* csmetrics
reads = ["scoped"]
description = """
The first and last local day (report time zone) with a contact in the report
(`scoped`): the days the weekday by hour-of-day volume heatmap averages over
when the report's period was not given. A period without --from/--to is the
data's span, which includes the agent state log (sql/accounting/data_span.sql):
a state log that runs a day past the last contact would otherwise add a day
without contacts to one weekday and lower its average.
Columns: first_day, last_day (both null without contacts).
"""
*/
select
    min(cast(offered_local as date)) as first_day,
    max(cast(offered_local as date)) as last_day
from scoped

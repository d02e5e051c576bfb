/* csmetrics
reads = ["contact_buckets"]
description = """
The first and last local day (report time zone) with a contact a report could
count: valid, inbound, not in progress, on any day (the period is not applied).
The HTML report compares its period with the previous period of equal length
only when that period lies wholly inside this span. Reads the small
contact_buckets table (sql/steps/summary.sql), never the contacts: every instant
of a 15-minute UTC bucket has the same local date.
"""
*/
select
    min(csm_local_date(bucket)) as first_day,
    max(csm_local_date(bucket)) as last_day
from contact_buckets
where reject_reason is null and direction = 'inbound' and outcome <> 'in_progress'

/* csmetrics
name = "fcr_final"
description = """
The first and last local day (report time zone) whose contacts all have complete FCR windows: the first day
starting at or after first offered_at + window, the last day ending at or before last offered_at - window.
Null when no day qualifies (the data span is shorter than a day plus twice the window).
"""
*/
with span as (
    select
        min(first_offered_at) + to_microseconds(cast(getvariable('fcr.window_hours') * 3600000000 as bigint)) as complete_from,
        max(last_offered_at) - to_microseconds(cast(getvariable('fcr.window_hours') * 3600000000 as bigint)) as complete_to
    from contact_buckets
),

days as (
    select
        cast(timezone(getvariable('timezone'), complete_from - interval 1 microsecond) as date) + 1 as first_day,
        cast(timezone(getvariable('timezone'), complete_to + interval 1 microsecond) as date) - 1 as last_day
    from span
)

select
    case when first_day <= last_day then first_day end as final_from,
    case when first_day <= last_day then last_day end as final_through
from days

/* csmetrics
name = "data_span"
description = """
The first and last local day (report time zone) of the data: of the valid contacts' offered_at, and, when an
agent state log was read, of the valid states too (a state's last day is the day of its last instant). A report
without --from/--to covers this span, for contacts and agent time alike.
"""
*/
with days as (
    select
        cast(timezone(getvariable('timezone'), min(first_offered_at)) as date) as first_day,
        cast(timezone(getvariable('timezone'), max(last_offered_at)) as date) as last_day
    from contact_buckets
    union all
    select
        cast(timezone(getvariable('timezone'), min(started_at)) as date),
        cast(timezone(getvariable('timezone'), max(ended_at) - interval 1 microsecond) as date)
    from agent_states
    where ended_at > started_at
)

select min(first_day), max(last_day)
from days

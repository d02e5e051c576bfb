/* csmetrics
fragment = "backlog_rows"
reads = ["contacts", "contact_business", "contact_buckets"]
description = """
The after-hours backlog, one row per contact in it, placed at its opening: the
contact's own columns, with offered_at and offered_local replaced by the opening
(backlog_open_at of contact_business) so that the --by groupings put it on the
opening's row (--by day: the opening's local day; --by hour_of_day: the hour
the centre opened). A contact counts in a report when that opening falls on a
local date of the period (--from/--to), whenever it was offered; like every
contact of a report it is inbound and answered or abandoned (not in progress).
"""
*/
select
    c.* exclude (offered_at),
    b.backlog_open_at as offered_at,
    timezone(getvariable('timezone'), b.backlog_open_at) as offered_local
from contacts as c
inner join contact_business as b on b._seq = c._seq
where
    b.backlog_open_at is not null
    and csm_in_report(c.direction, c.outcome, b.backlog_open_at)
    and (
        getvariable('date_to') is not null
        or csm_local_date(b.backlog_open_at) <= (select csm_local_date(max(last_offered_at)) from contact_buckets)
    )

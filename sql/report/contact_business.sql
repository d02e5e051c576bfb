/* csmetrics
fragment = "contact_business"
reads = ["calendar_contacts", "business_seconds", "next_opening"]
description = """
Business time per contact, from the range join of sql/calendars/business_time.sql
(business_seconds: the open time of the contact's calendar between offered_at and
handled_at; next_opening: whether offered_at lies outside every open interval and
the next opening after it). One row per inbound contact:
- business_wait_seconds: open time of its calendar in [offered_at, handled_at);
  0 when the wait lies wholly outside opening hours; NULL when the contact is
  still waiting, has no calendar, or its wait runs outside the calendar's span.
- offered_after_hours: offered while its calendar is closed (an instant exactly
  at an opening is open; exactly at a closing is closed).
- backlog_open_at: for a contact offered after hours and still waiting at the
  next opening (handled after it, or not yet), that opening; else NULL. A contact
  answered or abandoned exactly at the opening is not in the backlog.
"""
*/
select
    c._seq,
    c.calendar,
    b.business_seconds as business_wait_seconds,
    n.while_closed as offered_after_hours,
    case
        when n.while_closed and (c.handled_at is null or c.handled_at > n.next_open_at) then n.next_open_at
    end as backlog_open_at
from calendar_contacts as c
left join business_seconds as b on b.row_key = c._seq
left join next_opening as n on n.row_key = c._seq

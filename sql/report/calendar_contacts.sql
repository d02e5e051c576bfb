/* csmetrics
fragment = "calendar_contacts"
reads = ["contacts", "calendar_assignments", "calendar_zones"]
description = """
Each inbound contact with its opening-hours calendar and the instant it stopped
waiting, the input of the business-time queries (sql/calendars/business_time.sql).
The calendar is its queue's (calendar = "NAME" under [queues.Y]), else its
channel's ([channels.X], compared case-insensitively), else the top-level
calendar ("default") when there is one, else none (then every business-time
figure of the contact is NULL). handled_at is answered_at for an answered
contact, ended_at for an abandoned one, NULL for a contact still waiting.
All loaded contacts take part, not only those of the period: a contact offered
before --from can be in the backlog at the period's first opening.
"""
*/
select
    c._seq,
    c.offered_at,
    case
        when c.outcome = 'answered' then c.answered_at
        when c.outcome = 'abandoned' then c.ended_at
    end as handled_at,
    coalesce(q.calendar, ch.calendar, d.calendar) as calendar
from contacts as c
left join calendar_assignments as q on q.scope = 'queue' and q.name = c.queue
left join calendar_assignments as ch on ch.scope = 'channel' and lower(ch.name) = lower(c.channel)
left join (select calendar from calendar_zones where calendar = 'default') as d on true
where c.direction = 'inbound'

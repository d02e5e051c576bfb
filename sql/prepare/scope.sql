/* csmetrics
description = """
The contacts a report counts: inbound, not in progress, offered on a local date
inside --from/--to (inclusive, in the report time zone). Each contact belongs to
the time bucket of its offered_at in the report time zone. Short abandons
(abandoned with wait < abandon.short_abandon_seconds) are flagged here and left
out of every figure except short_abandoned. Per-contact outcomes (FCR status,
survey answers) come from contact_outcomes, computed over all loaded contacts.
The engine adds the report's group keys (grp__*) and external_count (the
group's complaint denominator from --denominator FILE, else NULL), and reads
this query once, in the pass that computes every metric (it is not stored).
"""
*/
select
    -- every contact column but the bulky ones no metric reads (_seq is the contact's key)
    c.* exclude (interaction_id, csat, nps),
    timezone($timezone, c.offered_at) as offered_local,
    c.outcome = 'answered' as is_answered,
    c.outcome = 'abandoned' and c.wait_seconds < $abandon_short_abandon_seconds as is_short_abandon,
    c.outcome = 'abandoned' and c.wait_seconds >= $abandon_short_abandon_seconds as is_abandoned,
    c.outcome = 'answered' and c.talk_seconds is not null as has_handle_time,
    o.* exclude (_seq)
from contacts as c
left join contact_outcomes as o on o._seq = c._seq
where csm_in_report(c.direction, c.outcome, c.offered_at, $timezone, $date_from::date, $date_to::date)

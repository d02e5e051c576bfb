/* csmetrics
fragment = "scope_rows"
reads = ["contacts", "contact_outcomes"]
key_only = ["direction", "channel", "queue", "reason", "offered_at"]
description = """
The contacts a report counts: inbound, not in progress, offered on a local date
inside --from/--to (inclusive, in the report time zone). Each contact belongs to
the time bucket of its offered_at in the report time zone. Short abandons
(abandoned with wait < abandon.short_abandon_seconds) are flagged here and left
out of every figure except short_abandoned. Per-contact outcomes (FCR status,
survey answers) come from contact_outcomes, computed over all loaded contacts.
The report adds one typed group key column per --by grouping (grp__<key>, from
sql/groupings.toml), then leaves out the key_only columns above (no metric
reads them; use the group keys), and external_count (the group's complaint
denominator from --denominator FILE, else NULL). The result is the relation
`scoped` that every contact metric reads, in the one pass that computes them all
(it is not stored).
"""

[params."abandon.short_abandon_seconds"]
type = "integer"
default = 5
min = 0
max = 3600
unit = "seconds"
help = "An abandoned contact with wait < this is a short abandon (misdial, caller hung up at once); 0 turns it off."
*/
select
    -- every contact column but the bulky ones no metric reads (_seq is the contact's key)
    c.* exclude (interaction_id, csat, nps),
    timezone(getvariable('timezone'), c.offered_at) as offered_local,
    c.outcome = 'answered' as is_answered,
    c.outcome = 'abandoned' and c.wait_seconds < getvariable('abandon.short_abandon_seconds') as is_short_abandon,
    c.outcome = 'abandoned' and c.wait_seconds >= getvariable('abandon.short_abandon_seconds') as is_abandoned,
    c.outcome = 'answered' and c.talk_seconds is not null as has_handle_time,
    o.* exclude (_seq)
from contacts as c
left join contact_outcomes as o on o._seq = c._seq
where csm_in_report(c.direction, c.outcome, c.offered_at)

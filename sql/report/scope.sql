/* csmetrics
fragment = "scope_rows"
reads = ["contacts", "contact_outcomes", "survey_answers"]
key_only = ["direction", "channel", "queue", "reason", "offered_at"]
description = """
The contacts a report counts: inbound, not in progress, offered on a local date
inside --from/--to (inclusive, in the report time zone). Each contact belongs to
the time bucket of its offered_at in the report time zone. Short abandons
(abandoned with wait < abandon.short_abandon_seconds) are flagged here and left
out of every figure except short_abandoned. The FCR status comes from
contact_outcomes, computed over all loaded contacts. A contact's CSAT and NPS
answers are its valid survey answers (survey_answers) when it has them, else the
valid answers on its own row; csat_number is a numeric answer, csat_binary a
good (true) / bad (false) answer.
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
with answered as (
    select
        -- every contact column but the bulky ones no metric reads (_seq is the contact's key)
        c.* exclude (interaction_id, csat, nps),
        o.fcr_status,
        coalesce(s.csat, csm_valid_csat(c.csat)) as csat_answer,
        coalesce(s.nps, csm_valid_nps(c.nps)) as nps_answer
    from contacts as c
    left join contact_outcomes as o on o._seq = c._seq
    left join survey_answers as s on s.contact_seq = c._seq
    where csm_in_report(c.direction, c.outcome, c.offered_at)
)

select
    a.* exclude (csat_answer, nps_answer),
    timezone(getvariable('timezone'), a.offered_at) as offered_local,
    a.outcome = 'answered' as is_answered,
    a.outcome = 'abandoned' and a.wait_seconds < getvariable('abandon.short_abandon_seconds') as is_short_abandon,
    a.outcome = 'abandoned' and a.wait_seconds >= getvariable('abandon.short_abandon_seconds') as is_abandoned,
    a.outcome = 'answered' and a.talk_seconds is not null as has_handle_time,
    case when csm_csat_binary(a.csat_answer) is null then csm_score_number(a.csat_answer) end as csat_number,
    csm_csat_binary(a.csat_answer) as csat_binary,
    cast(csm_score_number(a.nps_answer) as integer) as nps_score
from answered as a

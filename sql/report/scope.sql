/* csmetrics
fragment = "scope_rows"
reads = ["contacts", "contact_outcomes", "survey_answers", "contact_business"]
key_only = ["direction", "channel", "queue", "reason", "offered_at"]
description = """
The contacts a report counts: inbound, not in progress, offered on a local date
inside --from/--to (inclusive, in the report time zone). Each contact belongs to
the time bucket of its offered_at in the report time zone. Short abandons
(abandoned with wait < abandon.short_abandon_seconds) are flagged here and left
out of every figure except short_abandoned.
Each contact is judged by its own values of the scopable parameters below: its
queue's override (queues.NAME.<parameter>), else its channel's
(channels.NAME.<parameter>), else the global value. So a row mixing channels
(--by day) counts each email against the email threshold and each call against
the voice one. sl_met and sl_counted say whether the contact is in the service
level's numerator and denominator under its own threshold, denominator and clock
(service_level.clock): calendar time (wait_seconds) or the business time of its
opening-hours calendar (business_wait_seconds, from contact_business; see
docs/definitions.md, "Opening hours"). Under the business clock a contact whose
business wait is unknown (no calendar assigned, or a wait beyond the calendar's
span) is in neither the numerator nor the denominator. The FCR status comes from
contact_outcomes, computed over all loaded contacts. A contact's CSAT and NPS
answers are its valid survey answers (survey_answers) when it has them, else the
valid answers on its own row; csat_number is a numeric answer, csat_binary a
good (true) / bad (false) answer (each answer is read as its text and its number,
see macros/scores.sql: a typed answer is used as the number it is).
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
scopes = ["channel", "queue"]
help = "An abandoned contact with wait < this is a short abandon (misdial, caller hung up at once); 0 turns it off."

[params."service_level.threshold_seconds"]
type = "integer"
default = 20
min = 0
max = 604800
unit = "seconds"
scopes = ["channel", "queue"]
help = "Answered within the threshold means wait <= threshold (inclusive)."

[params."service_level.denominator"]
type = "choice"
default = "offered"
scopes = ["channel", "queue"]
help = "Which contacts the service level is a share of."
[params."service_level.denominator".choices]
offered = "answered within T / (answered + abandoned): every abandon is a miss (ICMI #3, Genesys)"
answered = "answered within T / answered: abandons ignored (ICMI #2)"
exclude_early_abandons = "answered within T / (answered + abandoned with wait > T): early abandons dropped (ICMI #4)"
early_abandons_met = "(answered within T + abandoned with wait <= T) / (answered + abandoned): early abandons count as met (ICMI #1, Amazon Connect)"

[params."service_level.clock"]
type = "choice"
default = "calendar"
scopes = ["channel", "queue"]
help = "The clock the wait is judged on against service_level.threshold_seconds."
[params."service_level.clock".choices]
calendar = "calendar time: offered_at to answered_at (abandoned: to ended_at)"
business = "business time: only the time the contact's opening-hours calendar is open (--hours, [week] in csmetrics.toml)"
*/
with answered as (
    select
        -- every contact column but the bulky ones no metric reads (_seq is the contact's key)
        c.* exclude (interaction_id, csat, nps, csat_value, nps_value),
        o.fcr_status,
        b.business_wait_seconds,
        coalesce(b.offered_after_hours, false) as offered_after_hours,
        -- a valid survey answer replaces the contact's own; an own answer counts when it is valid
        case
            when csm_answer_given(s.csat, s.csat_value) then s.csat
            when csm_own_csat_valid(c.csat, c.csat_value) then c.csat
        end as csat_answer,
        case
            when csm_answer_given(s.csat, s.csat_value) then s.csat_value
            when csm_own_csat_valid(c.csat, c.csat_value) then c.csat_value
        end as csat_answer_value,
        case
            when csm_answer_given(s.nps, s.nps_value) then s.nps_value
            when csm_own_nps_valid(c.nps, c.nps_value) then c.nps_value
        end as nps_answer_value,
        -- the contact's own parameter values: its queue's override, else its channel's, else the global one
        coalesce(
            getvariable('abandon.short_abandon_seconds@queue')[c.queue],
            getvariable('abandon.short_abandon_seconds@channel')[c.channel],
            getvariable('abandon.short_abandon_seconds')
        ) as short_abandon_limit,
        coalesce(
            getvariable('service_level.threshold_seconds@queue')[c.queue],
            getvariable('service_level.threshold_seconds@channel')[c.channel],
            getvariable('service_level.threshold_seconds')
        ) as sl_threshold,
        coalesce(
            getvariable('service_level.denominator@queue')[c.queue],
            getvariable('service_level.denominator@channel')[c.channel],
            getvariable('service_level.denominator')
        ) as sl_denominator,
        coalesce(
            getvariable('service_level.clock@queue')[c.queue],
            getvariable('service_level.clock@channel')[c.channel],
            getvariable('service_level.clock')
        ) as sl_clock
    from contacts as c
    left join contact_outcomes as o on o._seq = c._seq
    left join survey_answers as s on s.contact_seq = c._seq
    left join contact_business as b on b._seq = c._seq
    where csm_in_report(c.direction, c.outcome, c.offered_at)
),

classified as (
    select
        a.* exclude (csat_answer, csat_answer_value, nps_answer_value, short_abandon_limit),
        csm_local_time(a.offered_at) as offered_local,
        a.outcome = 'answered' as is_answered,
        a.outcome = 'abandoned' and a.wait_seconds < a.short_abandon_limit as is_short_abandon,
        a.outcome = 'abandoned' and a.wait_seconds >= a.short_abandon_limit as is_abandoned,
        a.outcome = 'answered' and a.talk_seconds is not null as has_handle_time,
        a.csat_answer_value as csat_number,
        csm_csat_binary(a.csat_answer) as csat_binary,
        cast(a.nps_answer_value as integer) as nps_score,
        -- the wait the service level judges: calendar or business time, by the contact's own clock
        case when a.sl_clock = 'business' then a.business_wait_seconds else a.wait_seconds end as sl_wait
    from answered as a
)

select
    c.* exclude (sl_threshold, sl_denominator, sl_clock, sl_wait),
    -- service level, each contact under its own threshold T (inclusive) and denominator; short abandons in neither
    case
        when c.sl_denominator = 'early_abandons_met' then (c.is_answered or c.is_abandoned)
        else c.is_answered
    end and c.sl_wait <= c.sl_threshold as sl_met,
    c.sl_wait is not null and case c.sl_denominator
        when 'offered' then c.is_answered or c.is_abandoned
        when 'answered' then c.is_answered
        when 'exclude_early_abandons' then c.is_answered or (c.is_abandoned and c.sl_wait > c.sl_threshold)
        when 'early_abandons_met' then c.is_answered or c.is_abandoned
    end as sl_counted
from classified as c

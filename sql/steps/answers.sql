/* csmetrics
reads = ["contacts", "survey_checked"]
creates = ["answer_checked", "contact_answers"]
description = """
Every survey answer read, one row per answer (a row with both csat and nps gives
two): the csat / nps values on valid contacts' interaction rows (input =
'interactions') and on survey rows that are not rejected as a whole (input =
'surveys'). An answer outside the scale (csat: csat.scale_min..csat.scale_max or
good/bad; nps: whole numbers 0..10) is rejected on its own (csat_out_of_range,
nps_out_of_range), never clipped: the contact stays valid in every other metric
and simply has no such answer. A contact's answer (contact_answers) is its valid
survey answer when there is one, else its valid interaction answer; a valid
interaction answer with a valid survey answer for the same score is replaced.
"""

[params."csat.scale_min"]
type = "integer"
default = 1
min = 0
max = 100
help = "Lowest valid CSAT answer (integers scale_min..scale_max are valid)."

[params."csat.scale_max"]
type = "integer"
default = 5
min = 1
max = 100
help = "Highest valid CSAT answer."
*/
create or replace temp table answer_checked as
with given as (
    -- _seq: the row the answer is on (an interaction or a survey row; its file, line and other
    -- values are looked up there when rejects are listed); contact_seq: the contact it belongs to,
    -- with what the answer accounting needs to know of it (csm_not_counted)
    select
        'interactions' as input, _seq, _seq as contact_seq, 'csat' as score, csat as raw,
        outcome as contact_outcome, direction as contact_direction, offered_at as contact_offered_at
    from contacts where csat is not null
    union all
    select 'interactions', _seq, _seq, 'nps', nps, outcome, direction, offered_at
    from contacts where nps is not null
    union all
    select 'surveys', _seq, contact_seq, 'csat', csat, contact_outcome, contact_direction, contact_offered_at
    from survey_checked where reject_reason is null and csat is not null
    union all
    select 'surveys', _seq, contact_seq, 'nps', nps, contact_outcome, contact_direction, contact_offered_at
    from survey_checked where reject_reason is null and nps is not null
),

checked_answers as (
    select
        *,
        case
            when score = 'csat'
                and not csm_csat_valid(raw, getvariable('csat.scale_min'), getvariable('csat.scale_max'))
                then 'csat_out_of_range'
            when score = 'nps' and not csm_nps_valid(raw) then 'nps_out_of_range'
        end as reject_reason
    from given
)

select
    a.*,
    -- a valid interaction answer is replaced when a valid survey answer for the same score exists
    a.input = 'interactions' and a.reject_reason is null and (a.contact_seq, a.score) in (
        select (contact_seq, score) from checked_answers where input = 'surveys' and reject_reason is null
    ) as replaced
from checked_answers as a;

create or replace temp table contact_answers as
select
    contact_seq,
    any_value(raw) filter (where score = 'csat') as csat,
    any_value(raw) filter (where score = 'nps') as nps
from answer_checked
where reject_reason is null and not replaced
group by contact_seq

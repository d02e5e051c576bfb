/* csmetrics
reads = ["survey_checked"]
creates = ["survey_answer_checked", "survey_answers"]
description = """
The answers of survey files (--surveys FILE), one row per answer (a row with
both csat and nps gives two), for survey rows that are not rejected as a whole.
An answer outside the scale (csat: csat.scale_min..csat.scale_max or good/bad;
nps: whole numbers 0..10) is rejected on its own (csat_out_of_range,
nps_out_of_range), never clipped: the row's other answer stays. own_valid: the
contact's own row has a valid answer for the same score, which a valid survey
answer replaces.
survey_answers: one row per contact with a valid survey answer; a contact's
answer is its valid survey answer when there is one, else the valid answer on its
own row (report/scope.sql; answers on interaction rows are checked by
csm_valid_csat / csm_valid_nps, macros/scores.sql). Both are views.
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
create or replace temp view survey_answer_checked as
with given as (
    select
        _seq, contact_seq, 'csat' as score, csat as raw, csm_valid_csat(contact_csat) is not null as own_valid,
        contact_outcome, contact_direction, contact_offered_at
    from survey_checked
    where reject_reason is null and csat is not null
    union all
    select
        _seq, contact_seq, 'nps', nps, csm_valid_nps(contact_nps) is not null,
        contact_outcome, contact_direction, contact_offered_at
    from survey_checked
    where reject_reason is null and nps is not null
)

select
    *,
    case
        when score = 'csat'
            and not csm_csat_valid(raw, getvariable('csat.scale_min'), getvariable('csat.scale_max'))
            then 'csat_out_of_range'
        when score = 'nps' and not csm_nps_valid(raw) then 'nps_out_of_range'
    end as reject_reason
from given;

create or replace temp view survey_answers as
select
    contact_seq,
    any_value(raw) filter (where score = 'csat') as csat,
    any_value(raw) filter (where score = 'nps') as nps
from survey_answer_checked
where reject_reason is null
group by contact_seq

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
csm_csat_in_scale / csm_nps_valid, macros/scores.sql). Each answer is its text
as given and its number (answer, number; see macros/scores.sql). Both are views.
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
        _seq, contact_seq, 'csat' as score, csat as answer, csat_value as number,
        coalesce(csm_csat_state(contact_csat, contact_csat_value), false) as own_valid,
        contact_outcome, contact_direction, contact_offered_at
    from survey_checked
    where reject_reason is null and csm_answer_given(csat, csat_value)
    union all
    select
        _seq, contact_seq, 'nps', nps, nps_value, coalesce(csm_nps_state(contact_nps, contact_nps_value), false),
        contact_outcome, contact_direction, contact_offered_at
    from survey_checked
    where reject_reason is null and csm_answer_given(nps, nps_value)
)

select
    *,
    case
        when score = 'csat' and not csm_csat_in_scale(answer, number) then 'csat_out_of_range'
        when score = 'nps' and not csm_nps_valid(answer, number) then 'nps_out_of_range'
    end as reject_reason
from given;

create or replace temp view survey_answers as
select
    contact_seq,
    any_value(answer) filter (where score = 'csat') as csat,
    any_value(number) filter (where score = 'csat') as csat_value,
    any_value(answer) filter (where score = 'nps') as nps,
    any_value(number) filter (where score = 'nps') as nps_value
from survey_answer_checked
where reject_reason is null
group by contact_seq

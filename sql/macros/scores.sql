/* csmetrics
description = """
Reading survey answers. An answer is read into two columns: as given in text
(csat, nps; NULL when the source column is a typed number) and as a number
(csat_value, nps_value: a typed number as it is, text read as a number once,
where it is read; NULL for good/bad). So an answer is never turned into text
and read back.
- csm_answer_given: the row has an answer (text or number).
- csat is valid when it is good/bad (any case) or an integer in
  csat.scale_min..csat.scale_max (csm_csat_in_scale, with the session's scale);
  nps is valid when it is an integer 0..10. Anything else is rejected as
  csat_out_of_range / nps_out_of_range (only that answer, see steps/answers.sql,
  which declares the scale), never clipped. The validity macros are true for a
  row without an answer.
- csm_own_csat_valid, csm_own_nps_valid: the validity of a valid contact's own
  answer in a report (report/scope.sql): true without a test when the summary
  step found no answer of a valid row out of range (input_answers_valid).
- csm_csat_state, csm_nps_state: NULL without an answer, true for a valid answer,
  false for one out of range (steps/summary.sql counts them).
- csm_answer_text: an answer as text, for the rows listed as rejected (a typed
  whole number without decimals: 7, not 7.0).
- csm_answer_content: what an answer contributes to a version's content hash
  (steps/versions.sql, the store): its number, and its text only when it is not
  a number, so 4 read from text and 4 from a typed column are the same answer.
- csm_nps_margin: the 95 % margin of error of an NPS, in points, from the counts
  of promoters and detractors among the responses: 1.96 x 100 x
  sqrt((p + d - (p - d)^2) / n) with p, d the promoter and detractor shares
  (NULL without responses; 0 when every answer is in one category).
"""
*/
create or replace temp macro csm_answer_given(answer, number) as answer is not null or number is not null;

create or replace temp macro csm_csat_binary(answer) as
    case lower(answer) when 'good' then true when 'bad' then false end;

create or replace temp macro csm_whole_between(number, lo, hi) as
    coalesce(isfinite(number) and number = floor(number) and number between lo and hi, false);

create or replace temp macro csm_csat_valid(answer, number, lo, hi) as
    (answer is null and number is null)
    or csm_csat_binary(answer) is not null
    or csm_whole_between(number, lo, hi);

create or replace temp macro csm_nps_valid(answer, number) as
    (answer is null and number is null) or csm_whole_between(number, 0, 10);

create or replace temp macro csm_csat_in_scale(answer, number) as
    csm_csat_valid(answer, number, getvariable('csat.scale_min'), getvariable('csat.scale_max'));

-- a contact's own answer passes the scale test: each one does when the summary found none out of range
-- (input_rows_valid's way: the constant is folded, no test per row)
create or replace temp macro csm_own_csat_valid(answer, number) as
    case when getvariable('input_answers_valid') then true else csm_csat_in_scale(answer, number) end;

create or replace temp macro csm_own_nps_valid(answer, number) as
    case when getvariable('input_answers_valid') then true else csm_nps_valid(answer, number) end;

create or replace temp macro csm_csat_state(answer, number) as
    case when csm_answer_given(answer, number) then csm_csat_in_scale(answer, number) end;

create or replace temp macro csm_nps_state(answer, number) as
    case when csm_answer_given(answer, number) then csm_nps_valid(answer, number) end;

create or replace temp macro csm_answer_text(answer, number) as
    coalesce(
        answer,
        case
            when isfinite(number) and number = trunc(number) and abs(number) < 1e15
                then cast(cast(number as bigint) as varchar)
            else cast(number as varchar)
        end
    );

create or replace temp macro csm_answer_content(answer, number) as
    hash(number, case when number is null then answer end);

create or replace temp macro csm_nps_margin(promoters, detractors, responses) as
    1.96 * 100 * sqrt(
        greatest(
            promoters / nullif(responses, 0) + detractors / nullif(responses, 0)
            - (promoters / nullif(responses, 0) - detractors / nullif(responses, 0))
            * (promoters / nullif(responses, 0) - detractors / nullif(responses, 0)),
            0
        ) / nullif(responses, 0)
    );

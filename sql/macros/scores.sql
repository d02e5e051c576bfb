/* csmetrics
description = """
Reading survey answers, which are loaded as text (a number, or good/bad for csat).
- csat is valid when it is good/bad (any case) or an integer in
  csat.scale_min..csat.scale_max; nps is valid when it is an integer 0..10.
  Anything else is rejected as csat_out_of_range / nps_out_of_range (only that
  answer, see steps/answers.sql, which declares the scale), never clipped.
- csm_valid_csat, csm_valid_nps: an interaction row's own answer when it is valid
  (on the scale in force), else NULL.
- csm_nps_margin: the 95 % margin of error of an NPS, in points, from the counts
  of promoters and detractors among the responses: 1.96 x 100 x
  sqrt((p + d - (p - d)^2) / n) with p, d the promoter and detractor shares
  (NULL without responses; 0 when every answer is in one category).
"""
*/
create or replace temp macro csm_score_number(raw) as try_cast(raw as double);

create or replace temp macro csm_csat_binary(raw) as
    case lower(raw) when 'good' then true when 'bad' then false end;

create or replace temp macro csm_csat_valid(raw, lo, hi) as
    raw is null
    or csm_csat_binary(raw) is not null
    or coalesce(
        isfinite(csm_score_number(raw))
        and csm_score_number(raw) = floor(csm_score_number(raw))
        and csm_score_number(raw) between lo and hi,
        false
    );

create or replace temp macro csm_nps_valid(raw) as
    raw is null
    or coalesce(
        isfinite(csm_score_number(raw))
        and csm_score_number(raw) = floor(csm_score_number(raw))
        and csm_score_number(raw) between 0 and 10,
        false
    );

create or replace temp macro csm_valid_csat(raw) as
    case
        when raw is not null and csm_csat_valid(raw, getvariable('csat.scale_min'), getvariable('csat.scale_max'))
            then raw
    end;

create or replace temp macro csm_valid_nps(raw) as
    case when raw is not null and csm_nps_valid(raw) then raw end;

create or replace temp macro csm_nps_margin(promoters, detractors, responses) as
    1.96 * 100 * sqrt(
        greatest(
            promoters / nullif(responses, 0) + detractors / nullif(responses, 0)
            - (promoters / nullif(responses, 0) - detractors / nullif(responses, 0))
            * (promoters / nullif(responses, 0) - detractors / nullif(responses, 0)),
            0
        ) / nullif(responses, 0)
    );

/* csmetrics
reads = ["checked", "survey_checked", "survey_answer_checked"]
creates = ["rejects"]
description = """
Every rejected record with its source file, line and reason, in read order:
interaction rows (whole contacts, then each out-of-range answer of a valid
contact, csat before nps, with the row's values), then survey rows (whole rows,
then out-of-range answers). The columns are the canonical interaction columns;
`record` says what was rejected: a contact, an answer or a survey_row; an answer
read from a typed column is shown as text (csm_answer_text). A view:
the counts come from steps/summary.sql, and the rows are read only when there is
something to list.
"""
*/
create or replace temp view rejects as
with interaction_rows as (
    -- the rows with anything rejected: the row itself, or an answer on it
    -- (listed with the canonical columns: an answer as text, csm_answer_text)
    select
        c.* exclude (csat_value, nps_value)
        replace (csm_answer_text(c.csat, c.csat_value) as csat, csm_answer_text(c.nps, c.nps_value) as nps),
        c.reject_reason is null and not csm_csat_in_scale(c.csat, c.csat_value) as bad_csat,
        c.reject_reason is null and not csm_nps_valid(c.nps, c.nps_value) as bad_nps
    from checked as c
    where
        c.reject_reason is not null
        or not csm_csat_in_scale(c.csat, c.csat_value)
        or not csm_nps_valid(c.nps, c.nps_value)
),

listed_surveys as (
    -- survey rows as listed: an answer as text
    select
        _seq, _file, _line, reject_reason, interaction_id,
        csm_answer_text(csat, csat_value) as csat, csm_answer_text(nps, nps_value) as nps
    from survey_checked
),

rejected as (
    -- whole interaction rows
    select
        'contact' as record, 0 as _input, _seq, 0 as _k, _file as source_file, _line as line, reject_reason,
        * exclude (_file, _line, _seq, _bad_column, _bad_value, reject_reason, bad_csat, bad_nps)
    from interaction_rows
    where reject_reason is not null
    union all by name
    -- an out-of-range answer of a valid contact (the contact itself is kept)
    select
        'answer' as record, 0 as _input, _seq, 1 as _k, _file as source_file, _line as line,
        'csat_out_of_range' as reject_reason,
        * exclude (_file, _line, _seq, _bad_column, _bad_value, reject_reason, bad_csat, bad_nps)
    from interaction_rows
    where bad_csat
    union all by name
    select
        'answer' as record, 0 as _input, _seq, 2 as _k, _file as source_file, _line as line,
        'nps_out_of_range' as reject_reason,
        * exclude (_file, _line, _seq, _bad_column, _bad_value, reject_reason, bad_csat, bad_nps)
    from interaction_rows
    where bad_nps
    union all by name
    -- whole survey rows
    select
        'survey_row' as record, 1 as _input, _seq, 0 as _k, _file as source_file, _line as line, reject_reason,
        interaction_id, csat, nps
    from listed_surveys
    where reject_reason is not null
    union all by name
    -- one out-of-range answer of a survey row
    select
        'answer' as record, 1 as _input, s._seq, case a.score when 'csat' then 1 else 2 end as _k,
        s._file as source_file, s._line as line, a.reject_reason, s.interaction_id, s.csat, s.nps
    from survey_answer_checked as a
    join listed_surveys as s on s._seq = a._seq
    where a.reject_reason is not null
)

select
    source_file, line, reject_reason,
    * exclude (_input, _seq, _k, source_file, line, reject_reason, record),
    record
from rejected
order by _input, _seq, _k

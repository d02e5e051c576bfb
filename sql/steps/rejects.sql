/* csmetrics
reads = ["checked", "answer_checked", "loaded_rows", "survey_checked"]
creates = ["rejects"]
description = """
Every rejected record with its source file, line and reason, in read order:
interaction rows (whole contacts, then each out-of-range answer of a valid
contact, csat before nps, with the row's values), then survey rows (whole rows,
then out-of-range answers). The columns are the canonical interaction columns.
"""
*/
create or replace temp table rejects as
with rejected as (
    -- whole interaction rows
    select
        0 as _input, c._seq, 0 as _k, c._file as source_file, c._line as line, c.reject_reason,
        c.* exclude (_file, _line, _seq, _bad_column, _bad_value, reject_reason)
    from checked as c
    where c.reject_reason is not null
    union all by name
    -- one out-of-range answer of a valid contact (the contact itself is kept)
    select
        0 as _input, l._seq, case a.score when 'csat' then 1 else 2 end as _k, l._file as source_file,
        l._line as line, a.reject_reason, l.* exclude (_file, _line, _seq, _bad_column, _bad_value)
    from answer_checked as a
    join loaded_rows as l on l._seq = a._seq
    where a.input = 'interactions' and a.reject_reason is not null
    union all by name
    -- whole survey rows
    select
        1 as _input, _seq, 0 as _k, _file as source_file, _line as line, reject_reason, interaction_id, csat, nps
    from survey_checked
    where reject_reason is not null
    union all by name
    -- one out-of-range answer of a survey row
    select
        1 as _input, s._seq, case a.score when 'csat' then 1 else 2 end as _k, s._file as source_file,
        s._line as line, a.reject_reason, s.interaction_id, s.csat, s.nps
    from answer_checked as a
    join survey_checked as s on s._seq = a._seq
    where a.input = 'surveys' and a.reject_reason is not null
)

select source_file, line, reject_reason, * exclude (_input, _seq, _k, source_file, line, reject_reason)
from rejected
order by _input, _seq, _k

/* csmetrics
reads = ["checked"]
creates = ["contact_buckets"]
description = """
Every surviving interaction row counted once, by the 15-minute UTC bucket of its
offered_at, outcome, direction and reject reason: what data_quality needs
(contacts, in progress, outbound, rejected rows by reason, the answers on valid
contacts that are valid or out of range) and the data span (first and last
offered_at of a valid contact, where FCR censoring starts and ends), from one
scan of the rows. A report then reads this small table instead of the contacts.
Every instant of a 15-minute UTC bucket has the same local date in every time
zone in use (all offsets are whole quarter hours), so a report turns buckets into
its local days exactly, and the table does not depend on the report time zone.
This scan tests every row (csm_reject_reason); when it rejects none, the step sets
the variable input_rows_valid, and every later scan of checked takes the rows as
valid without testing them again. Likewise, when no answer on a valid row is out
of range, it sets input_answers_valid, and the report takes the contacts' own
answers as valid without testing them (csm_own_csat_valid, csm_own_nps_valid).
The variables are off while this step runs, so a change of the rows or of a
parameter (input.max_duration_seconds, csat.scale_min/max) is always tested afresh.
"""
*/
set variable input_rows_valid = false;
set variable input_answers_valid = false;

create or replace temp table contact_buckets as
select
    reject_reason,
    csm_bucket(offered_at) as bucket,
    csm_outcome(answered_at, ended_at) as outcome,
    csm_direction(direction) as direction,
    count(*) as rows,
    csm_answers_valid(csat_state, reject_reason) as csat_valid,
    csm_answers_rejected(csat_state, reject_reason) as csat_rejected,
    csm_answers_valid(nps_state, reject_reason) as nps_valid,
    csm_answers_rejected(nps_state, reject_reason) as nps_rejected,
    csm_first_valid(offered_at, reject_reason) as first_offered_at,
    csm_last_valid(offered_at, reject_reason) as last_offered_at
from (
    -- each answer's state once per row: NULL (none), valid, out of range
    select
        *,
        csm_csat_state(csat, csat_value) as csat_state,
        csm_nps_state(nps, nps_value) as nps_state
    from checked
)
group by reject_reason, bucket, outcome, direction;

set variable input_rows_valid = (select coalesce(bool_and(reject_reason is null), true) from contact_buckets);

set variable input_answers_valid = (
    select coalesce(sum(csat_rejected) + sum(nps_rejected), 0) = 0 from contact_buckets
);

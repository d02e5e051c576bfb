/* csmetrics
description = """
What every step agrees on about one contact, stated once:
- csm_outcome: answered (answered_at set), abandoned (no answered_at, ended_at
  set), in_progress (neither).
- csm_direction: the direction, inbound when not given.
- csm_reject_reason: why a row cannot be a contact (NULL: it can), the first that
  applies: missing_interaction_id, missing_offered_at, answered_before_offered,
  ended_before_answered, ended_before_offered, negative_duration,
  hold_exceeds_connected_time (talk derived from the timestamps would be negative),
  time_out_of_range (a time before 1970-01-01 or from 2200-01-01 on, UTC: no
  contact-centre record; such a value would make every 15-minute grid span
  centuries), implausible_duration (the wait, the handle span from answer to
  end, the whole contact, or talk, hold or after-contact work longer than
  input.max_duration_seconds).
  When the summary step (steps/summary.sql) has found every row valid under the
  current parameters, it sets input_rows_valid and csm_reject_reason is NULL
  without testing each row again: DuckDB folds the test away in every later scan.
  Survey answers (csat, nps) never reject the contact (steps/answers.sql).
- csm_bucket: the 15-minute UTC bucket of an instant (steps/summary.sql).
- csm_answers_valid / csm_answers_rejected / csm_first_valid / csm_last_valid:
  the aggregates of the contact summary (steps/summary.sql): valid and
  out-of-range answers on valid rows (from an answer's state, csm_csat_state /
  csm_nps_state; a group of rejected rows counts none), the first and last
  offered_at of a valid row.
"""

[params."input.max_duration_seconds"]
type = "integer"
default = 604800
min = 1
max = 31622400
unit = "seconds"
help = "A contact whose wait, handle span, whole duration, talk, hold or after-contact work is longer is rejected as implausible_duration (default 7 days)."
*/
create or replace temp macro csm_time_out_of_range(instant) as
    instant < TIMESTAMPTZ '1970-01-01 00:00:00+00' or instant >= TIMESTAMPTZ '2200-01-01 00:00:00+00';

create or replace temp macro csm_longer_than_max(from_instant, to_instant) as
    epoch(to_instant) - epoch(from_instant) > getvariable('input.max_duration_seconds');

-- A contact's two checks, tested in csm_reject_reason after its order checks: by then offered_at <= answered_at
-- <= ended_at (each when known), so offered_at is the earliest time and the latest of the three ends the longest
-- span. One comparison at each end instead of one per time and per span: these run on every row of every report.
create or replace temp macro csm_contact_out_of_range(offered_at, answered_at, ended_at) as
    offered_at < TIMESTAMPTZ '1970-01-01 00:00:00+00'
    or greatest(offered_at, answered_at, ended_at) >= TIMESTAMPTZ '2200-01-01 00:00:00+00';

create or replace temp macro csm_contact_too_long(offered_at, answered_at, ended_at) as
    epoch_us(coalesce(ended_at, answered_at, offered_at)) - epoch_us(offered_at)
    > CAST(getvariable('input.max_duration_seconds') AS BIGINT) * 1000000;

create or replace temp macro csm_outcome(answered_at, ended_at) as
    case
        when answered_at is not null then 'answered'
        when ended_at is not null then 'abandoned'
        else 'in_progress'
    end;

create or replace temp macro csm_direction(direction) as coalesce(direction, 'inbound');

create or replace temp macro csm_reject_reason(
    interaction_id, offered_at, answered_at, ended_at, talk_seconds, hold_seconds, acw_seconds
) as
    case
        -- proven once for all rows by the summary step: a constant, so DuckDB drops the tests below
        when getvariable('input_rows_valid') then null
        when interaction_id is null then 'missing_interaction_id'
        when offered_at is null then 'missing_offered_at'
        when answered_at < offered_at then 'answered_before_offered'
        when answered_at is not null and ended_at < answered_at then 'ended_before_answered'
        when answered_at is null and ended_at < offered_at then 'ended_before_offered'
        when csm_contact_out_of_range(offered_at, answered_at, ended_at) then 'time_out_of_range'
        when talk_seconds < 0 or hold_seconds < 0 or acw_seconds < 0 then 'negative_duration'
        when
            csm_contact_too_long(offered_at, answered_at, ended_at)
            or greatest(talk_seconds, hold_seconds, acw_seconds) > getvariable('input.max_duration_seconds')
            then 'implausible_duration'
        when
            answered_at is not null and ended_at is not null and talk_seconds is null
            and epoch_us(ended_at) - epoch_us(answered_at) < coalesce(hold_seconds, 0) * 1000000
            then 'hold_exceeds_connected_time'
    end;

create or replace temp macro csm_bucket(instant) as to_timestamp(floor(epoch(instant) / 900) * 900);

-- reject_reason is a group key of the summary: tested once per group, not per row
create or replace temp macro csm_answers_valid(state, reject_reason) as
    case when reject_reason is null then count(state) filter (where state) else 0 end;

create or replace temp macro csm_answers_rejected(state, reject_reason) as
    case when reject_reason is null then count(state) filter (where not state) else 0 end;

create or replace temp macro csm_first_valid(instant, reject_reason) as min(instant) filter (where reject_reason is null);

create or replace temp macro csm_last_valid(instant, reject_reason) as max(instant) filter (where reject_reason is null);

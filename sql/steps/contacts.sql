/* csmetrics
reads = ["checked"]
creates = ["contacts"]
description = """
The valid contacts, one row per interaction_id, with the values every metric
shares: the outcome, the wait, and the handle-time parts. _seq (a unique
integer: file and line) is the contact's key inside the pipeline; the file,
line and updated_at of a contact stay in loaded_rows (read through checked).
- outcome: answered (answered_at set), abandoned (no answered_at, ended_at set),
  in_progress (neither: excluded from every metric and counted).
- wait_seconds: answered_at - offered_at when answered, ended_at - offered_at
  when abandoned, exact to the microsecond.
- talk_seconds: as given; when missing, ended_at - answered_at - hold_seconds;
  unknown (NULL) for an answered contact that has not ended.
- hold_seconds, acw_seconds: as given, missing = 0; NULL when not answered.
A view, not a table: the report's pass reads it where the rows lie (a Parquet export, the
store), so no copy of every contact is kept in memory.
"""
*/
create or replace temp view contacts as
select
    interaction_id,
    offered_at,
    answered_at,
    ended_at,
    coalesce(channel, 'voice') as channel,
    csm_direction(direction) as direction,
    queue,
    agent_id,
    customer_id,
    reason,
    transferred,
    complaint,
    resolved,
    csat,
    nps,
    csat_value,
    nps_value,
    csm_outcome(answered_at, ended_at) as outcome,
    (epoch_us(coalesce(answered_at, ended_at)) - epoch_us(offered_at)) / 1000000 as wait_seconds,
    case
        when answered_at is null then null
        when talk_seconds is not null then talk_seconds
        when ended_at is not null
            then (epoch_us(ended_at) - epoch_us(answered_at)) / 1000000 - coalesce(hold_seconds, 0)
    end as talk_seconds,
    case when answered_at is not null then coalesce(hold_seconds, 0) end as hold_seconds,
    case when answered_at is not null then coalesce(acw_seconds, 0) end as acw_seconds,
    _seq
from checked
where reject_reason is null

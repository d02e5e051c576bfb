/* csmetrics
reads = ["loaded_states"]
creates = ["state_checked", "agent_states", "state_rejects"]
description = """
Agent state log validation. Every loaded state row ends up in exactly one of:
- agent_states: valid states (agent_id, state, started_at, ended_at, is_cut);
- state_rejects: rejected rows with source_file, line and reason;
- state_copies: identical copies of a row already kept (same agent, state and
  times; merged, counted as duplicates_merged).
State names are trimmed and lower-cased. Reasons, first matching:
missing_agent_id, missing_state, missing_start_time (no started_at / at),
ended_before_started (ended_at < started_at), time_out_of_range (a time before
1970 or from 2200 on), implausible_duration (an interval longer than
input.max_duration_seconds, macros/contacts.sql; in the events shape, an event
whose next event of the agent is further away than that), simultaneous_events (events
shape: two events of one agent at the same instant, so which one holds is
unknown), overlapping_state (intervals shape: the interval overlaps another
interval of the same agent; every interval of an overlapping pair is rejected,
never merged or trimmed).
Events shape: a state lasts until the agent's next valid event. The data span
end is the latest time anywhere in the state log; an agent's last event, and an
interval with an empty ended_at, are cut there (is_cut, counted in
data_quality.states.cut_at_span_end).
"""
*/
create or replace temp table state_checked as
with base as (
    select
        l.*,
        lower(trim(l.state)) as state_name,
        coalesce(l.started_at, l."at") as start_time,
        row_number() over (
            partition by l.agent_id, lower(trim(l.state)), l.started_at, l.ended_at, l."at" order by l._seq
        ) as copy_rank
    from loaded_states as l
),

basic as (
    select
        *,
        case
            when agent_id is null then 'missing_agent_id'
            when state_name is null or state_name = '' then 'missing_state'
            when start_time is null then 'missing_start_time'
            when ended_at < started_at then 'ended_before_started'
            when csm_time_out_of_range(start_time) or csm_time_out_of_range(ended_at) then 'time_out_of_range'
            when csm_longer_than_max(started_at, ended_at) then 'implausible_duration'
        end as basic_reason
    from base
),

span as (
    select max(greatest(start_time, ended_at)) as span_end
    from basic
    where basic_reason is null
),

candidates as (
    select
        b.*,
        s.span_end,
        coalesce(b.ended_at, s.span_end) as open_end,
        max(coalesce(b.ended_at, s.span_end)) over agent_order_before as previous_end,
        lead(b.start_time) over agent_order as next_start,
        count(*) over (partition by b.agent_id, b."at") as same_instant_events
    from basic as b
    cross join span as s
    where b.basic_reason is null and b.copy_rank = 1
    window
        agent_order as (partition by b.agent_id order by b.start_time, b._seq),
        agent_order_before as (
            partition by b.agent_id order by b.start_time, b._seq
            rows between unbounded preceding and 1 preceding
        )
)

select
    b.*,
    c.span_end,
    case
        when b.basic_reason is not null then b.basic_reason
        when b.copy_rank > 1 then 'identical_copy'
        when b."at" is not null and c.same_instant_events > 1 then 'simultaneous_events'
        when b."at" is not null and csm_longer_than_max(b.start_time, coalesce(c.next_start, c.span_end))
            then 'implausible_duration'
        when b."at" is null and (b.start_time < c.previous_end or c.open_end > c.next_start) then 'overlapping_state'
    end as reject_reason
from basic as b
left join candidates as c using (_seq);

create or replace temp table agent_states as
select
    agent_id,
    state_name as state,
    start_time as started_at,
    case
        when "at" is null then coalesce(ended_at, span_end)
        else coalesce(lead(start_time) over (partition by agent_id order by start_time), span_end)
    end as ended_at,
    ("at" is null and ended_at is null)
    or ("at" is not null and lead(start_time) over (partition by agent_id order by start_time) is null) as is_cut,
    _file,
    _line
from state_checked
where reject_reason is null;

create or replace temp table state_rejects as
select
    _file as source_file,
    _line as line,
    reject_reason as reason,
    agent_id,
    state,
    started_at,
    ended_at,
    "at"
from state_checked
where reject_reason is not null and reject_reason <> 'identical_copy'
order by _seq

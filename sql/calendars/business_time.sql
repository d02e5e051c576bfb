-- Business time over the open intervals of open_intervals.sql, set-based.
--
-- Each section ("-- name: X") is one query over an input relation that the caller provides (a table, a view
-- or a CTE of that name) and over the tables open_intervals and calendar_span. The caller supplies one row per
-- row_key; row_key must be unique. Instants are TIMESTAMPTZ. Every query but backlog_at_opening (one row per
-- opening) returns one row per input row, with NULL where the answer is unknown: a NULL input, a negative span,
-- an unknown calendar, or an instant outside the calendar's span (the calendar was not built far enough:
-- widen the range or the margin). No value is formatted into this SQL; the inputs are relations.
-- Seconds are exact integer microseconds divided by 1e6 (DOUBLE), as elsewhere in csmetrics.

-- name: business_seconds
-- Input: business_input(row_key, calendar, start_at, end_at)
-- Output: (row_key, business_seconds)
-- Business seconds of [start_at, end_at): the sum, over the open intervals that overlap it (a range join on
-- open_at < end_at and close_at > start_at), of least(end_at, close_at) - greatest(start_at, open_at).
-- The sum runs over matched pairs only (an inner join), and rows without any overlapping interval get 0
-- afterwards: least()/greatest() skip NULLs in DuckDB, so summing over a LEFT JOIN would turn a miss into the
-- calendar time end_at - start_at. A NULL end_at (still waiting) gives NULL.
with overlapping as (
    select
        i.row_key,
        cast(sum(epoch_us(least(i.end_at, o.close_at)) - epoch_us(greatest(i.start_at, o.open_at))) as bigint)
            as business_us
    from business_input as i
    inner join open_intervals as o
        on o.calendar = i.calendar
        and o.open_at < i.end_at
        and o.close_at > i.start_at
    group by i.row_key
)

select
    i.row_key,
    case
        when i.start_at is null or i.end_at is null or i.end_at < i.start_at then null
        when s.calendar is null or i.start_at < s.span_from or i.end_at > s.span_to then null
        else coalesce(ov.business_us, 0) / 1000000
    end as business_seconds
from business_input as i
left join calendar_span as s on s.calendar = i.calendar
left join overlapping as ov on ov.row_key = i.row_key;

-- name: threshold_reached
-- Input: threshold_input(row_key, calendar, start_at, threshold_seconds)
-- Output: (row_key, reached_at, deadline_at)
-- reached_at: the instant at which threshold_seconds of business time have elapsed since start_at. With cum
-- the running sum of open time after start_at, it is close_at - (cum - N) of the first interval where
-- cum >= N. The running sum is read off one cumulative column of the calendar instead of being recomputed per
-- row: through_us = open time of the calendar up to each interval's close, and the business clock at start_at
-- is the open time before it; so cum >= N  <=>  through_us >= clock(start_at) + N, found by an ASOF join.
-- deadline_at: the last instant by which an answer still has at most N business seconds. It equals reached_at,
-- except when N is used up exactly at a close: then it is the next opening. "Met within N business seconds"
-- is business_seconds <= N, which is exactly answered_at <= deadline_at; an unanswered contact is pending at
-- instant t while t <= deadline_at. Both are NULL when the calendar does not reach that far.
with positions as (
    select
        calendar,
        open_at,
        close_at,
        cast(sum(epoch_us(close_at) - epoch_us(open_at)) over running as bigint) as through_us,
        through_us - (epoch_us(close_at) - epoch_us(open_at)) as before_us,
        lead(open_at) over (partition by calendar order by open_at) as next_open_at
    from open_intervals
    window running as (partition by calendar order by open_at rows between unbounded preceding and current row)
),

clocks as (
    -- the business clock at start_at: open time before the last interval that opened at or before start_at,
    -- plus the part of that interval before start_at (all of it if it closed before start_at)
    select
        i.row_key,
        i.calendar,
        i.start_at,
        i.threshold_seconds,
        coalesce(
            p.before_us + least(epoch_us(i.start_at) - epoch_us(p.open_at), p.through_us - p.before_us), 0
        ) + cast(round(cast(i.threshold_seconds as double) * 1000000) as bigint) as target_us
    from threshold_input as i
    asof left join positions as p on p.calendar = i.calendar and i.start_at >= p.open_at
)

select
    c.row_key,
    case
        when c.start_at is null or c.threshold_seconds is null or c.threshold_seconds < 0 then null
        when s.calendar is null or c.start_at < s.span_from or c.start_at > s.span_to then null
        when c.threshold_seconds = 0 then c.start_at
        when p.calendar is null then null  -- not reached within the calendar
        else p.close_at - to_microseconds(p.through_us - c.target_us)
    end as reached_at,
    case
        when c.start_at is null or c.threshold_seconds is null or c.threshold_seconds < 0 then null
        when s.calendar is null or c.start_at < s.span_from or c.start_at > s.span_to then null
        when p.calendar is null then null  -- not reached within the calendar (greatest() would skip the NULL)
        when p.through_us = c.target_us then p.next_open_at
        else greatest(c.start_at, p.close_at - to_microseconds(p.through_us - c.target_us))
    end as deadline_at
from clocks as c
asof left join positions as p on p.calendar = c.calendar and c.target_us <= p.through_us
left join calendar_span as s on s.calendar = c.calendar;

-- name: next_opening
-- Input: opening_input(row_key, calendar, instant)
-- Output: (row_key, while_closed, next_open_at)
-- while_closed: the instant lies in no open interval (intervals are half-open: open at open_at, closed at
-- close_at), i.e. a contact offered then was "offered while closed". next_open_at: the first open_at >= instant.
select
    i.row_key,
    case
        when i.instant is null or s.calendar is null or i.instant < s.span_from or i.instant > s.span_to then null
        else not coalesce(cur.close_at > i.instant, false)
    end as while_closed,
    case
        when i.instant is null or s.calendar is null or i.instant < s.span_from or i.instant > s.span_to then null
        else nxt.open_at
    end as next_open_at
from opening_input as i
asof left join open_intervals as cur on cur.calendar = i.calendar and i.instant >= cur.open_at
asof left join open_intervals as nxt on nxt.calendar = i.calendar and i.instant <= nxt.open_at
left join calendar_span as s on s.calendar = i.calendar;

-- name: backlog_at_opening
-- Input: backlog_input(row_key, calendar, offered_at, handled_at)
--   handled_at: when the contact stopped waiting (answered_at, else ended_at for an abandon); NULL = waiting.
-- Output: (calendar, local_day, open_at, backlog), one row per opening of open_intervals.
-- An opening is an open_at after a closed spell (not the first interval of the table, whose previous close is
-- unknown, nor an interval that starts where the previous one ends). Its backlog is the contacts offered
-- while closed since the previous close (prev_close_at <= offered_at < open_at) and still waiting at the
-- opening: handled_at NULL or after open_at (a contact answered exactly at the opening is not counted).
with openings as (
    select
        calendar,
        local_day,
        open_at,
        lag(close_at) over (partition by calendar order by open_at) as prev_close_at
    from open_intervals
),

real_openings as (
    select * from openings where prev_close_at < open_at
),

waiting as (
    -- each contact with the first opening after its offer, kept when it was offered in the closed spell before
    select i.row_key, i.handled_at, o.calendar, o.open_at
    from backlog_input as i
    asof inner join real_openings as o on o.calendar = i.calendar and i.offered_at < o.open_at
    where i.offered_at >= o.prev_close_at
)

select
    o.calendar,
    o.local_day,
    o.open_at,
    count(w.row_key) as backlog
from real_openings as o
left join waiting as w
    on w.calendar = o.calendar
    and w.open_at = o.open_at
    and (w.handled_at is null or w.handled_at > o.open_at)
group by o.calendar, o.local_day, o.open_at
order by o.calendar, o.open_at;

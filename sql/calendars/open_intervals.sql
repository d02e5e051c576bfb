-- Opening-hours calendars expanded into open intervals in UTC, set-based.
--
-- csmetrics/calendars/build.py runs the sections below in order ("-- name: X" starts section X). Python fills
-- the four small input tables (a few hundred rows: the weekly template, holiday dates and the closures file);
-- everything else is one pass of SQL: local days x weekly template, minus holidays, with the closures file's
-- dates replaced by their own hours, each local wall-clock range turned into UTC instants in its own zone.
--
-- Local times that a DST change skips or repeats (see section open_intervals):
--   * skipped (02:30 on a spring-forward night): the instant the clock jumps forward, i.e. the first instant
--     at which the wall clock reads that time or later;
--   * repeated (01:30 on a fall-back night): its first occurrence (before the clocks go back).
-- Both are "the first instant at which the wall clock reads at least this time", so an opening at a skipped
-- or repeated time opens as soon as the wall clock gets there, and a day open 00:00-24:00 lasts the day's
-- real length (23 or 25 hours on a change day). DuckDB's own timezone(zone, local timestamp) differs (ICU:
-- a skipped time is read with the offset before the change, i.e. shifted later by the gap, and a repeated
-- time is its second occurrence), so it is used only for times that are neither.

-- name: setup
-- The UTC offset of a zone at an instant, as an interval (local wall-clock time minus UTC time).
create or replace temp macro csm_calendar_utc_offset(zone, instant) as
    timezone(zone, instant) - timezone('UTC', instant);

create or replace temp table calendar_zones (
    calendar varchar not null,          -- calendar name ("default" for the top-level calendar)
    timezone varchar not null           -- IANA zone of its opening hours
);
create or replace temp table calendar_week (
    calendar varchar not null,
    isodow integer not null,            -- 1 = Monday ... 7 = Sunday
    open_minute integer not null,       -- local minutes after midnight, 0 ... 1439
    close_minute integer not null       -- 1 ... 1440 (1440 = 24:00, the next day's midnight)
);
create or replace temp table calendar_holidays (
    calendar varchar not null,
    local_day date not null,            -- closed all day unless calendar_closures lists the date
    holiday varchar                     -- its name, for people reading the table
);
create or replace temp table calendar_closures (
    calendar varchar not null,
    local_day date not null,            -- a date of the closures file: it replaces the template and holidays
    open_minute integer,                -- both NULL: closed all day; else one range of special hours
    close_minute integer
);

-- name: insert_zones
insert into calendar_zones select unnest($calendar), unnest($timezone);

-- name: insert_week
insert into calendar_week select unnest($calendar), unnest($isodow), unnest($open_minute), unnest($close_minute);

-- name: insert_holidays
insert into calendar_holidays select unnest($calendar), unnest($local_day), unnest($holiday);

-- name: insert_closures
insert into calendar_closures
select unnest($calendar), unnest($local_day), unnest($open_minute), unnest($close_minute);

-- name: create_assignments
-- calendar = "NAME" under [channels.X] / [queues.Y]: scope 'channel' or 'queue', name X or Y.
create or replace temp table calendar_assignments (
    scope varchar not null,
    name varchar not null,
    calendar varchar not null
);

-- name: insert_assignments
insert into calendar_assignments select unnest($scope), unnest($name), unnest($calendar);

-- name: calendar_span
-- The local days each calendar is expanded over: first_day - margin ... last_day + margin, and the UTC span
-- they cover (from the first day's local midnight to the midnight after the last day). Queries of
-- business_time.sql give NULL for instants outside the span rather than a figure from a partial calendar.
-- (The span's ends use DuckDB's own conversion; they lie margin days outside the requested range.)
create or replace temp table calendar_span as
with bounds as (
    select
        calendar,
        timezone,
        cast($first_day as date) - cast($margin_days as integer) as first_local_day,
        cast($last_day as date) + cast($margin_days as integer) as last_local_day
    from calendar_zones
)
select
    calendar,
    timezone,
    first_local_day,
    last_local_day,
    timezone(timezone, cast(first_local_day as timestamp)) as span_from,
    timezone(timezone, cast(last_local_day + 1 as timestamp)) as span_to
from bounds;

-- name: open_intervals
create or replace temp table open_intervals as
with days as (
    -- one row per calendar and local day of its span
    select s.calendar, s.timezone, cast(d.day as date) as local_day
    from calendar_span as s,
        lateral (select unnest(generate_series(s.first_local_day, s.last_local_day, interval 1 day)) as day) as d
),

local_ranges as (
    -- a date of the closures file keeps only its own special hours (none when closed all day) ...
    select d.calendar, d.timezone, d.local_day, c.open_minute, c.close_minute
    from days as d
    inner join calendar_closures as c on c.calendar = d.calendar and c.local_day = d.local_day
    where c.open_minute is not null
    union all
    -- ... every other date gets the weekly template of its day of the week, unless it is a public holiday
    select d.calendar, d.timezone, d.local_day, w.open_minute, w.close_minute
    from days as d
    inner join calendar_week as w on w.calendar = d.calendar and w.isodow = isodow(d.local_day)
    where not exists (
        select 1 from calendar_closures as c where c.calendar = d.calendar and c.local_day = d.local_day
    )
    and not exists (
        select 1 from calendar_holidays as h where h.calendar = d.calendar and h.local_day = d.local_day
    )
),

walls as materialized (
    -- the ranges as local wall-clock timestamps, numbered; close minute 1440 is the next day's 00:00
    select
        row_number() over () as range_id,
        calendar,
        timezone,
        local_day,
        local_day + to_minutes(open_minute) as open_local,
        local_day + to_minutes(close_minute) as close_local
    from local_ranges
),

ends as (
    -- both ends of every range, each to be placed on the UTC time line in its zone
    select range_id, true as is_open, timezone, open_local as local_ts from walls
    union all
    select range_id, false as is_open, timezone, close_local as local_ts from walls
),

candidates as (
    -- A local time t is t - offset for the UTC offset in force then. Try the zone's offsets one day before
    -- and one day after t (read as if UTC): no zone changes its offset twice within two days, and offsets
    -- stay within +-14 h, so these are the offsets before and after any change near t. A candidate is valid
    -- when converting it back to local time gives t.
    select
        range_id,
        is_open,
        timezone,
        local_ts,
        naive_utc - csm_calendar_utc_offset(timezone, naive_utc - interval 24 hours) as before_at,
        naive_utc - csm_calendar_utc_offset(timezone, naive_utc + interval 24 hours) as after_at
    from (select *, timezone('UTC', local_ts) as naive_utc from ends)
),

checked as (
    select
        *,
        timezone(timezone, before_at) = local_ts as before_ok,
        timezone(timezone, after_at) = local_ts as after_ok
    from candidates
),

skipped as (
    -- neither candidate is valid: the time falls in a spring-forward gap (rare: a few rows a year at most)
    select * from checked where not before_ok and not after_ok
),

jumps as (
    -- the instant the clock jumps forward over a skipped time: the first minute between the two candidates
    -- whose wall-clock time is at or past it (offsets and DST changes fall on whole minutes)
    select s.range_id, s.is_open, min(m.instant) as instant
    from skipped as s,
        lateral (
            select unnest(generate_series(least(s.before_at, s.after_at), greatest(s.before_at, s.after_at),
                interval 1 minute)) as instant
        ) as m
    where timezone(s.timezone, m.instant) >= s.local_ts
    group by s.range_id, s.is_open
),

placed as (
    select
        c.range_id,
        c.is_open,
        case
            when c.before_ok and c.after_ok then least(c.before_at, c.after_at)  -- repeated: first occurrence
            when c.before_ok then c.before_at
            when c.after_ok then c.after_at
            else coalesce(j.instant, timezone(c.timezone, c.local_ts))           -- skipped: the jump
        end as instant
    from checked as c
    left join jumps as j on j.range_id = c.range_id and j.is_open = c.is_open
),

placed_ranges as (
    -- back to one row per range (grouping rather than joining placed twice keeps the plan linear)
    select
        range_id,
        min(instant) filter (where is_open) as open_at,
        min(instant) filter (where not is_open) as close_at
    from placed
    group by range_id
)

select
    w.calendar,
    r.open_at,
    r.close_at,
    w.local_day
from walls as w
inner join placed_ranges as r on r.range_id = w.range_id
where r.close_at > r.open_at  -- a range wholly inside a spring-forward gap has no real time
order by w.calendar, r.open_at;

/* csmetrics
description = """
The report's frame: time zone, period and which contacts a report counts.
Variables set for every report: timezone (the report time zone), date_from and
date_to (the --from/--to local dates, inclusive; NULL = open).
- csm_bucket_instant, csm_iso_with_offset: time buckets that are correct across
  DST changes. A bucket is the local (report time zone) start of the interval;
  its key is that local start written in ISO 8601 with the UTC offset in force
  at the bucket's start, so the repeated 01:00 hour of a fall-back night gives
  two different keys.
- csm_in_period (csm_day_in_period for a local date): an instant's local date is
  inside --from/--to. Used by every step that cuts to the period.
- csm_in_report: a contact is in the report: inbound, not in progress, offered
  inside --from/--to (report/scope.sql; also report/concurrency_time.sql).
- csm_not_counted: why a valid survey answer of a contact does not count in a
  report, first that applies (NULL when it counts): the contact is in_progress,
  outbound, outside_period, or abandoned (not answered; short abandons
  included). The same rules as csm_in_report, for the answer accounting in
  data_quality (csm_not_counted_day: the same for a contact's local date).
- csm_answer_kind: how a survey answer or row is accounted for: rejected (its
  reject reason), not_counted (csm_not_counted's reason) or used.
- csm_local_time: an instant as local time in the report time zone (a TIMESTAMP):
  csm_local_time_lookup, timezone(timezone, instant). A report replaces it with
  the same values read from the zone's offsets over the data's span, without a
  time-zone lookup per row (csmetrics/pipeline/localtime.py), which falls back to
  csm_local_time_lookup where the offsets cannot vouch for an instant;
  csm_local_date is its date.
- csm_utc_iso: an instant as ISO 8601 UTC text, 2024-03-04T09:15:00Z.
- csm_grid_from / csm_grid_to: the bounds of every 15-minute grid (state and
  concurrency time): local midnight a day before --from and two days after --to
  (NULL when open), so a grid spans the report period, never a row's values.
"""
*/
create or replace temp macro csm_bucket_instant(instant, local_ts, local_bucket) as
    instant - (local_ts - local_bucket);

create or replace temp macro csm_iso_with_offset(local_bucket, bucket_instant) as
    strftime(local_bucket, '%Y-%m-%dT%H:%M:%S')
    || case when epoch(local_bucket) - epoch(bucket_instant) < 0 then '-' else '+' end
    || lpad(cast(floor(abs(epoch(local_bucket) - epoch(bucket_instant)) / 3600) as integer)::varchar, 2, '0')
    || ':'
    || lpad(cast(floor(mod(abs(epoch(local_bucket) - epoch(bucket_instant)), 3600) / 60) as integer)::varchar, 2, '0');

create or replace temp macro csm_local_time_lookup(instant) as timezone(getvariable('timezone'), instant);

create or replace temp macro csm_local_time(instant) as csm_local_time_lookup(instant);

create or replace temp macro csm_local_date(instant) as cast(csm_local_time(instant) as date);

create or replace temp macro csm_day_in_period(day) as
    (getvariable('date_from') is null or day >= getvariable('date_from'))
    and (getvariable('date_to') is null or day <= getvariable('date_to'));

create or replace temp macro csm_grid_from() as
    case when getvariable('date_from') is not null
        then timezone(getvariable('timezone'), cast(cast(getvariable('date_from') as date) - interval 1 day as timestamp))
    end;

create or replace temp macro csm_grid_to() as
    case when getvariable('date_to') is not null
        then timezone(getvariable('timezone'), cast(cast(getvariable('date_to') as date) + interval 2 day as timestamp))
    end;

create or replace temp macro csm_in_period(instant) as csm_day_in_period(csm_local_date(instant));

create or replace temp macro csm_in_report(direction, outcome, offered_at) as
    direction = 'inbound' and outcome <> 'in_progress' and csm_in_period(offered_at);

create or replace temp macro csm_not_counted_day(outcome, direction, day) as
    case
        when outcome = 'in_progress' then 'in_progress'
        when direction <> 'inbound' then 'outbound'
        when not csm_day_in_period(day) then 'outside_period'
        when outcome <> 'answered' then 'abandoned'
    end;

create or replace temp macro csm_not_counted(outcome, direction, offered_at) as
    csm_not_counted_day(outcome, direction, csm_local_date(offered_at));

create or replace temp macro csm_answer_kind(reject_reason, not_counted) as
    case
        when reject_reason is not null then 'rejected'
        when not_counted is not null then 'not_counted'
        else 'used'
    end;

create or replace temp macro csm_utc_iso(instant) as
    strftime(instant at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ');

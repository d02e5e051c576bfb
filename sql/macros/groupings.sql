/* csmetrics
description = """
Group keys of the --by groupings (listed in sql/groupings.toml). A key is typed
(a bucket-start instant, a DATE or text) so that grouping is cheap and rows sort
in time order; a label macro writes it as text after aggregation. Every grouped
relation (scoped contacts, agent state pieces, concurrency pieces, denominator
days) carries offered_at (an instant) and offered_local (that instant in the
report time zone).
- csm_key_bucket: the bucket of width `width` (15, 30 or 60 minutes) that
  contains offered_local, as the instant it starts (DST-correct: see
  csm_bucket_instant in time.sql); csm_label_bucket writes it as its local start
  with the offset in force, e.g. 2024-11-03T01:00:00-05:00.
- csm_key_day / csm_key_week (the ISO week, as the date of its Monday) /
  csm_key_month: local calendar keys; csm_label_date and csm_label_month write
  them as YYYY-MM-DD and YYYY-MM.
- csm_label_agent: an agent or team key; a contact no agent handled has none and
  is labelled (no agent).
"""
*/
create or replace temp macro csm_key_bucket(offered_at, offered_local, width) as
    csm_bucket_instant(offered_at, offered_local, time_bucket(width, offered_local));

create or replace temp macro csm_label_bucket(k) as
    csm_iso_with_offset(timezone(getvariable('timezone'), k), k);

create or replace temp macro csm_key_day(offered_local) as cast(offered_local as date);

create or replace temp macro csm_key_week(offered_local) as cast(date_trunc('week', offered_local) as date);

create or replace temp macro csm_key_month(offered_local) as cast(date_trunc('month', offered_local) as date);

create or replace temp macro csm_label_date(k) as strftime(k, '%Y-%m-%d');

create or replace temp macro csm_label_month(k) as strftime(k, '%Y-%m');

create or replace temp macro csm_label_agent(k) as coalesce(k, '(no agent)');

/* csmetrics
name = "patience"
reads = ["scoped"]
description = """
Mean patience per group, from the report's contacts (every interval of the period
together): the maximum-likelihood estimate for exponential patience censored at
answer. theta = abandoned contacts / total time all queued contacts waited, and
the mean patience is 1 / theta = queue_seconds / queue_abandoned.
A queued contact is an offered contact (answered or abandoned; short abandons are
not offered, so they are in neither part) that waited a positive time: contacts
answered at once, and abandons with no wait (hung up before reaching the queue,
possible when abandon.short_abandon_seconds = 0), never queued. Answered contacts
count their wait until answer, abandoned ones their wait until they hung up.
No abandons: patience is unbounded (NULL here; the staffing model is then Erlang C).
The grp__ columns are the report's groupings other than the time interval.
"""
*/
select
    columns('^grp__'),
    count(*) filter (where (is_answered or is_abandoned) and wait_seconds > 0) as queued,
    count(*) filter (where is_abandoned and wait_seconds > 0) as queue_abandoned,
    coalesce(sum(wait_seconds) filter (where (is_answered or is_abandoned) and wait_seconds > 0), 0) as queue_seconds,
    sum(wait_seconds) filter (where (is_answered or is_abandoned) and wait_seconds > 0)
    / nullif(count(*) filter (where is_abandoned and wait_seconds > 0), 0) as patience_seconds
from scoped
group by all

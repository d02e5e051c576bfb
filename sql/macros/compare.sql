/* csmetrics
description = """
The sampling unit of `csmetrics compare` (compare.cluster) and the residual of
a ratio estimate.
Contacts of one day share that day's staffing, volume and weather, so they are
not independent draws: a ratio metric (service level, ASA, AHT, ...) varies
from day to day far more than a per-contact binomial model allows. compare
therefore treats whole clusters of contacts as the sampled units: for each
cluster d it sums the metric's declared numerator y_d and denominator x_d
(the [compare] table of each metric file), and the variance of R = sum y /
sum x comes from the spread of y_d - R x_d between clusters.
- csm_compare_cluster(seq, offered_at, offered_local): the cluster a contact
  (or an agent-time piece, seq NULL) belongs to, as a BIGINT: the local day
  (days since 1970-01-01 in the report time zone), the start of its local
  15/30/60-minute interval (epoch seconds of the bucket start, DST-correct as
  csm_key_bucket), or the contact itself (its _seq; NULL for agent time, which
  has no contacts).
- csm_compare_residual(y, x, ratio): y - ratio * x, or exactly 0 when it is
  within a relative 1e-12 of its terms (rounding noise from computing the
  ratio, not variation), as csmetrics.compare.stats.ratio does.
"""

[params."compare.cluster"]
type = "choice"
default = "day"
help = "Sampling unit of compare's ratio tests: contacts of one cluster are not independent (day = local day)."
[params."compare.cluster".choices]
day = "local days of the report time zone (default): day-to-day variation is the noise"
"interval:60m" = "local 60-minute intervals"
"interval:30m" = "local 30-minute intervals"
"interval:15m" = "local 15-minute intervals"
contact = "each contact on its own: the independent-contacts variance (binomial for 0/1 rates), usually far too small"
*/
create or replace temp macro csm_compare_cluster(seq, offered_at, offered_local) as
    case getvariable('compare.cluster')
        when 'day' then date_diff('day', date '1970-01-01', cast(offered_local as date))
        when 'interval:60m' then cast(epoch(csm_key_bucket(offered_at, offered_local, interval 60 minutes)) as bigint)
        when 'interval:30m' then cast(epoch(csm_key_bucket(offered_at, offered_local, interval 30 minutes)) as bigint)
        when 'interval:15m' then cast(epoch(csm_key_bucket(offered_at, offered_local, interval 15 minutes)) as bigint)
        when 'contact' then cast(seq as bigint)
    end;

create or replace temp macro csm_compare_residual(y, x, ratio) as
    case
        when abs(y - ratio * x) <= 1e-12 * greatest(abs(y), abs(ratio * x)) then 0.0
        else y - ratio * x
    end;

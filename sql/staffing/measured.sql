/* csmetrics
name = "measured"
reads = ["staffing_rows"]
description = """
Per interval and group (one report row): the offered load and the precision of the
measured service level. $interval_seconds is the length of the --by interval.
- traffic_erlangs = offered x AHT / interval length (0 when nothing was offered;
  NULL when contacts were offered but none has a handle time, e.g. all abandoned).
- service_level_se = sqrt(SL (1 - SL) / offered): the binomial standard error of
  the measured service level (answered within the threshold / offered), NULL
  without offered contacts. Contacts of one interval share the queue, so the true
  uncertainty is larger; treat it as a lower bound.
"""
*/
select
    *,
    case when offered = 0 then 0.0 else offered * aht_seconds / $interval_seconds end as traffic_erlangs,
    sqrt(service_level * (1 - service_level) / nullif(offered, 0)) as service_level_se
from staffing_rows

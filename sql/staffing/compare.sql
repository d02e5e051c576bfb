/* csmetrics
name = "compare"
reads = ["staffing_rows"]
description = """
Measured against predicted, per interval and group:
- net_staffing = staffed_agents - required_agents_fractional: negative means
  fewer agents than the model needs to meet every target (understaffed).
- service_level_gap = measured service level - predicted service level (the
  model's, at the staffed agents).
- gap_flagged: |gap| > 2 standard errors, the standard error being the larger of
  the measured one (service_level_se) and the one the predicted level implies for
  the interval's offered contacts, sqrt(p (1 - p) / offered). The larger one keeps
  an interval where every contact was answered in time (measured SE 0) from
  being flagged for any gap however small. NULL when either level is unknown.
"""
*/
select
    *,
    staffed_agents - required_agents_fractional as net_staffing,
    service_level - predicted_service_level as service_level_gap,
    abs(service_level - predicted_service_level) > 2 * greatest(
        service_level_se,
        sqrt(greatest(predicted_service_level * (1 - predicted_service_level), 0) / nullif(offered, 0))
    ) as gap_flagged
from staffing_rows

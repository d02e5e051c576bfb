/* csmetrics
name = "summary"
reads = ["staffing_rows"]
description = """
The summary of a staffing run, one row per group (the groupings other than the
interval; one row in all without them). $interval_seconds is the interval length.
- intervals: report rows; intervals_with_contacts: those with offered contacts;
  intervals_without_aht: contacts offered but no handle time, so no requirement.
- required_agent_hours: sum of the unrounded required agents x interval hours
  (rounding each interval first would overstate the total).
- staffed_agent_hours: sum of staffed agents x interval hours (handling +
  available time); net_agent_hours: staffed - required over the intervals where
  both are known.
- understaffed_intervals / overstaffed_intervals: net staffing < 0 / > 0.
- flagged_intervals: intervals whose measured service level is more than two
  standard errors from the predicted one.
"""
*/
select
    columns('^grp__'),
    count(*) as intervals,
    count(*) filter (where offered > 0) as intervals_with_contacts,
    count(*) filter (where offered > 0 and required_agents_fractional is null) as intervals_without_aht,
    coalesce(sum(required_agents_fractional), 0) * $interval_seconds / 3600 as required_agent_hours,
    sum(staffed_agents) * $interval_seconds / 3600 as staffed_agent_hours,
    sum(net_staffing) * $interval_seconds / 3600 as net_agent_hours,
    count(*) filter (where net_staffing < 0) as understaffed_intervals,
    count(*) filter (where net_staffing > 0) as overstaffed_intervals,
    count(*) filter (where gap_flagged) as flagged_intervals
from staffing_rows
group by all

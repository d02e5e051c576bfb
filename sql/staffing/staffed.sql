/* csmetrics
name = "staffed"
reads = ["staffing_rows"]
description = """
Agents measured in each interval from the agent state log (--states), as average
heads over the interval: hours of state time in the interval / interval hours
($interval_seconds is the interval length), so half an hour of one agent in a
60-minute interval is 0.5 agent.
- staffed_agents: agents staffed to take contacts, time in the handling states
  (states.handling) or the available states (states.available). These are the
  servers of the queueing model.
- on_contact_agents: time in the handling states only.
- logged_in_agents: all staffed time (the report's staffed_hours), in-shift
  breaks, lunch, training and meetings included.
NULL when the report cannot split agent time by the grouping (queue, channel).
"""
*/
select
    *,
    (handling_hours + available_hours) * 3600 / $interval_seconds as staffed_agents,
    handling_hours * 3600 / $interval_seconds as on_contact_agents,
    staffed_hours * 3600 / $interval_seconds as logged_in_agents
from staffing_rows

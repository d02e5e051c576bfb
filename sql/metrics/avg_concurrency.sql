/* csmetrics
name = "avg_concurrency"
label = "concurrency"
title = "Average concurrency"
unit = "number"
order = 380
source = "concurrency"
description = "Time-weighted mean number of contacts an agent has in progress (answered_at to ended_at) while at least one is."
notes = "Computed from contacts alone (no --states needed). 1.0 = never more than one contact at a time. A group's value weighs each agent's time equally: sum(level x seconds) / sum(seconds) over every agent's time with >= 1 contact. NULL when no answered contact with an agent_id and an end is in the group, and with --by queue, channel or reason."

[compare]
method = "ratio"
numerator = """
sum(level * seconds)
"""
denominator = """
sum(seconds)
"""
*/
sum(level * seconds) / nullif(sum(seconds), 0)

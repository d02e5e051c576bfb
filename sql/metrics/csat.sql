/* csmetrics
name = "csat"
label = "CSAT"
title = "Customer satisfaction (share satisfied)"
unit = "ratio"
order = 220
better = "higher"
description = "Share of CSAT responses of answered contacts that are satisfied: a score >= csat.satisfied_min, or 'good' on a good/bad rating."
parameters = ["csat.scale_min", "csat.scale_max"]  # declared where they act: sql/steps/answers.sql
notes = "Answers outside csat.scale_min..csat.scale_max (or not whole numbers) are rejected answers (the contact is kept), never clipped. Unanswered contacts' responses do not count. A response belongs to its contact's time bucket."

[params."csat.satisfied_min"]
type = "integer"
default = 4
min = 0
max = 100
help = "A numeric answer >= this is satisfied ('top box'); good = satisfied, bad = not."

[compare]
# survey answers are treated as independent: Newcombe's interval, pooled z
method = "proportion"
numerator = """
count(*) filter (where is_answered and coalesce(csat_binary, csat_number >= getvariable('csat.satisfied_min')))
"""
denominator = """
count(*) filter (where is_answered and (csat_binary is not null or csat_number is not null))
"""
*/
count(*) filter (
    where is_answered and coalesce(csat_binary, csat_number >= getvariable('csat.satisfied_min'))
) / nullif(count(*) filter (where is_answered and (csat_binary is not null or csat_number is not null)), 0)

/* csmetrics
name = "service_level"
label = "SL"
title = "Service level"
unit = "ratio"
order = 50
better = "higher"
description = "Share of contacts answered within the threshold (wait <= threshold), over the chosen denominator."
notes = "A wait exactly equal to the threshold is within it. Short abandons are excluded under every denominator."

[params."service_level.threshold_seconds"]
type = "integer"
default = 20
min = 0
max = 604800
unit = "seconds"
help = "Answered within the threshold means wait <= threshold (inclusive)."

[params."service_level.denominator"]
type = "choice"
default = "offered"
help = "Which contacts the service level is a share of."
[params."service_level.denominator".choices]
offered = "answered within T / (answered + abandoned): every abandon is a miss (ICMI #3, Genesys)"
answered = "answered within T / answered: abandons ignored (ICMI #2)"
exclude_early_abandons = "answered within T / (answered + abandoned with wait > T): early abandons dropped (ICMI #4)"
early_abandons_met = "(answered within T + abandoned with wait <= T) / (answered + abandoned): early abandons count as met (ICMI #1, Amazon Connect)"

[compare]
method = "ratio"
numerator = """
count(*) filter (
    where wait_seconds <= getvariable('service_level.threshold_seconds')
    and (is_answered or (is_abandoned and getvariable('service_level.denominator') = 'early_abandons_met'))
)
"""
denominator = """
case getvariable('service_level.denominator')
    when 'answered' then count(*) filter (where is_answered)
    when 'exclude_early_abandons' then count(*) filter (
        where is_answered or (is_abandoned and wait_seconds > getvariable('service_level.threshold_seconds'))
    )
    else count(*) filter (where is_answered or is_abandoned)
end
"""
*/
-- A<=T = answered with wait <= threshold (inclusive); short abandons are in no count.
case getvariable('service_level.denominator')
    when 'offered' then
        count(*) filter (where is_answered and wait_seconds <= getvariable('service_level.threshold_seconds'))
        / nullif(count(*) filter (where is_answered or is_abandoned), 0)
    when 'answered' then
        count(*) filter (where is_answered and wait_seconds <= getvariable('service_level.threshold_seconds'))
        / nullif(count(*) filter (where is_answered), 0)
    when 'exclude_early_abandons' then
        count(*) filter (where is_answered and wait_seconds <= getvariable('service_level.threshold_seconds'))
        / nullif(count(*) filter (
            where is_answered or (is_abandoned and wait_seconds > getvariable('service_level.threshold_seconds'))
        ), 0)
    when 'early_abandons_met' then
        count(*) filter (where (is_answered or is_abandoned) and wait_seconds <= getvariable('service_level.threshold_seconds'))
        / nullif(count(*) filter (where is_answered or is_abandoned), 0)
end

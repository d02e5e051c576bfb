/* csmetrics
name = "service_level"
label = "SL"
title = "Service level"
unit = "ratio"
order = 50
description = "Share of contacts answered within the threshold (wait <= threshold), over the chosen denominator."
notes = "A wait exactly equal to the threshold is within it. Short abandons are excluded under every denominator."

parameters = ["service_level.threshold_seconds", "service_level.denominator"]  # declared where they act: sql/report/scope.sql
*/
-- sl_met / sl_counted: each contact under its own threshold and denominator (sql/report/scope.sql), so
-- per-channel and per-queue overrides hold in rows that mix channels and queues.
count(*) filter (where sl_met) / nullif(count(*) filter (where sl_counted), 0)

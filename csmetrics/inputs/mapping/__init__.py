"""Column mappings: turn any export into the canonical schema with fixed SQL templates.

A mapping is a TOML file (``--mapping FILE``, ``mapping = "FILE"`` in csmetrics.toml,
or a built-in preset, ``--preset NAME``)::

    [source]
    timezone = "Asia/Jerusalem"   # zone of naive times (overrides source_timezone)
    sheet = "Sheet1"              # .xlsx sheet (name or 0-based index)
    date_format = "%y%m%d"        # default strptime format of date columns

    [columns]
    interaction_id = "Call Id"                                   # rename
    queue = { from = "type" }
    agent_id = { from = "server", values = { NO_SERVER = "" } }  # value map; "" = empty
    offered_at = { date = "date", time = "vru_exit" }            # date + clock time
    ended_at = { date = "date", time = "ser_exit", start = "ser_start" }  # exit < start = next day
    wait_seconds = { from = "q_time", unit = "seconds" }         # seconds|milliseconds|minutes|hms|days
    answered_at = { derive = ["offered_at", "wait_seconds"] }    # offered + wait
    talk_seconds = { from = "AvgTalkDuration", unit = "hms" }
    transferred = { from = "Xfer", true = ["X"], false = [""] }
    outcome = { from = "outcome", values = { AGENT = "answered", HANG = "abandoned", PHANTOM = "excluded" } }
    offered_at = { first = ["Queue.EnqueueTimestamp", "InitiationTimestamp"] }  # first non-empty
    outcome = { from = "InitiationMethod", values = { INBOUND = "" },           # "" = timestamps decide
                when_empty = { column = "Queue.EnqueueTimestamp", values = { INBOUND = "excluded" } } }

    [definitions]                 # parameter values this export needs (above csmetrics.toml, below --set)
    abandon.short_abandon_seconds = 0

The modules: :mod:`.model` reads and checks the TOML, :mod:`.compile` turns it into the SELECT for
one export, :mod:`.presets` holds the built-in presets and chooses a run's mapping.
"""

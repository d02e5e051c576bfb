"""What a session tells whoever watches it run: the stage it is in and the rows read so far.

The library itself prints nothing. The command line passes an observer that draws a progress bar on a
terminal (``csmetrics.cli.progress``); everything else gets :class:`Observer`, which ignores it all.
"""

from __future__ import annotations

import duckdb


class Observer:
    """Ignores everything; a subclass shows it."""

    def watch(self, con: duckdb.DuckDBPyConnection) -> None:
        """The connection the session's statements run on (its query progress can be read from another thread)."""

    def stage(self, text: str) -> None:
        """The session started a new stage (reading a file, a preparation step, the metrics)."""

    def rows(self, count: int) -> None:
        """Rows of interaction exports read so far."""

    def done(self) -> None:
        """The session is closing: stop showing anything."""

"""A progress display on stderr while a long load or report runs: only on a terminal, only after 2 s.

The session tells :class:`TerminalProgress` its stage and the rows read; a background thread reads
DuckDB's progress of the running statement and redraws. Nothing is drawn when stderr is not a
terminal, under ``--quiet``, or when the work ends within :data:`DELAY` seconds.
"""

from __future__ import annotations

import threading

import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from csmetrics.pipeline.progress import Observer

DELAY = 2.0  # seconds before anything is drawn
POLL = 0.1  # seconds between redraws


class TerminalProgress(Observer):
    def __init__(self, console: Console) -> None:
        self.console = console
        self._stage = "starting"
        self._rows = 0
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, con: duckdb.DuckDBPyConnection) -> None:
        # DuckDB tracks a statement's progress only with its progress bar on; it must not print it (stdout).
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        self._con = con
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="csmetrics-progress", daemon=True)
            self._thread.start()

    def stage(self, text: str) -> None:
        self._stage = text

    def rows(self, count: int) -> None:
        self._rows = count

    def done(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        if self._stop.wait(DELAY):
            return
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[rows]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console, transient=True) as progress:
            task = progress.add_task(self._stage, total=100, rows="")
            while not self._stop.wait(POLL):
                self._update(progress, task)

    def _update(self, progress: Progress, task: TaskID) -> None:
        try:
            done = self._con.query_progress() if self._con is not None else -1.0
        except duckdb.Error:
            done = -1.0
        rows = f"{self._rows:,} rows read" if self._rows else ""
        progress.update(task, description=self._stage, completed=max(done, 0.0), rows=rows)


def observer(console: Console, *, quiet: bool) -> Observer:
    """The observer of a command: a progress display on a terminal, else one that shows nothing."""
    if quiet or not console.is_terminal:
        return Observer()
    return TerminalProgress(console)

"""Error types and the documented process exit codes.

Library code raises these; only :mod:`csmetrics.cli` turns them into a message
on stderr and an exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (documented in README.md, "Exit codes")."""

    OK = 0
    UNEXPECTED = 1  # a bug or an engine failure; the message says what failed
    USAGE = 2  # bad option, configuration or parameter value
    INVALID_DATA = 3  # input cannot be read as the canonical schema (or --strict and rows were rejected)
    TARGET_MISSED = 4  # a target was missed (csmetrics check, report --check)
    STORE_DAMAGED = 65  # the store file is damaged or was altered outside csmetrics (EX_DATAERR)
    CANNOT_WRITE = 74  # an output or the store could not be written: disk full, I/O error (EX_IOERR)
    STORE_BUSY = 75  # the store is locked by another process past --wait (EX_TEMPFAIL)


class CsMetricsError(Exception):
    """Base class of every error csmetrics reports to a user."""

    exit_code: ExitCode = ExitCode.UNEXPECTED


class ConfigError(CsMetricsError):
    """A bad option, configuration file or parameter value."""

    exit_code = ExitCode.USAGE


class DefinitionError(CsMetricsError):
    """A metric SQL file or its header is invalid (a packaging bug, or a user's own metric)."""

    exit_code = ExitCode.UNEXPECTED


class QueryError(CsMetricsError):
    """DuckDB failed while running a metric or a loading query."""

    exit_code = ExitCode.UNEXPECTED


class InputError(CsMetricsError):
    """An input file cannot be read as the canonical schema.

    The message names the file, and where it applies the column, line and value,
    and says how to fix it.
    """

    exit_code = ExitCode.INVALID_DATA


class StoreError(CsMetricsError):
    """A store file that cannot be used: missing, not a csmetrics store, or of another schema version."""

    exit_code = ExitCode.USAGE


class StoreDamagedError(CsMetricsError):
    """A store file that is damaged (truncated, bad checksums) or whose tables were altered outside csmetrics."""

    exit_code = ExitCode.STORE_DAMAGED


class WriteError(CsMetricsError):
    """An output file or the store could not be written (disk full, I/O error); nothing half-written is left."""

    exit_code = ExitCode.CANNOT_WRITE


class StoreBusyError(CsMetricsError):
    """Another process holds the store's lock and it was not released within --wait seconds."""

    exit_code = ExitCode.STORE_BUSY


class TargetMissedError(CsMetricsError):
    """At least one target was missed (csmetrics check / report --check)."""

    exit_code = ExitCode.TARGET_MISSED

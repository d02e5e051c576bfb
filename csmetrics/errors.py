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
    TARGET_MISSED = 4  # reserved: a target was missed (csmetrics check)
    STORE_BUSY = 75  # reserved: the store is locked by another process (EX_TEMPFAIL)


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

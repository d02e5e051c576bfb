"""How much of the machine a csmetrics process may use: DuckDB's memory limit and where it spills.

Every connection csmetrics opens (a report's in-memory session, a store being loaded) gets the same
settings from one :class:`Resources`:

- ``memory_limit``: the most memory the process should use, in bytes. By default two thirds of the
  machine's memory (or of the container's limit, when that is lower), so the system and other programs
  keep room. DuckDB is given :data:`DUCKDB_SHARE` of it: the rest is headroom for Python, the result
  and the memory allocator, so the process as a whole stays under the limit.
- ``temp_directory``: where DuckDB writes what does not fit (sorts, hash tables, large intermediate
  tables). A new private directory is made inside it for each connection and removed when the
  connection closes; by default inside the system's temporary directory.

Values come from ``--memory-limit`` / ``--temp-dir``, else ``CSMETRICS_MEMORY_LIMIT`` /
``CSMETRICS_TEMP_DIR``, else ``memory_limit`` / ``temp_directory`` in csmetrics.toml.

A store read in place (:meth:`Resources.store_bytes_limit`): DuckDB keeps every block of the store it has read
in its buffers until it reaches its limit, so under the default limit a report would hold most of the store in
memory a second time (the system's page cache has it already, and reading a block from there costs little). A
report's working state (the FCR window's sort, the join of its statuses, the group sums) is narrower per
contact than the stored rows, so when no limit was given DuckDB's limit is the store file's size, when that is
smaller than the default (and at least :data:`STORE_LIMIT_FLOOR`).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from csmetrics.errors import ConfigError

# Of the process's memory limit, the part DuckDB's buffer manager may hold.
DUCKDB_SHARE = 0.8
DEFAULT_FRACTION = 2 / 3
# DuckDB's limit for reading a small store: enough for the working state of any report on it.
STORE_LIMIT_FLOOR = 1024**3
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def machine_memory() -> int:
    """Bytes of memory this process can have: the machine's, or its container's limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def parse_size(text: str, what: str = "--memory-limit") -> int:
    """``"8GB"``, ``"12GiB"``, ``"500MB"``, ``"50%"`` (of the machine's memory) -> bytes."""
    percent = _PERCENT.match(text)
    if percent:
        share = float(percent.group(1))
        if not 0 < share <= 100:
            msg = f"{what} {text!r}: a percentage must be above 0 and at most 100"
            raise ConfigError(msg)
        return int(machine_memory() * share / 100)
    match = _SIZE.match(text)
    if not match or match.group(2).lower() not in _UNITS:
        msg = f"{what} {text!r}: give a size such as 8GB, 12GiB, 500MB, or a share of the machine's memory such as 50%"
        raise ConfigError(msg)
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < 100 * 1000**2:
        msg = f"{what} {text!r}: give at least 100MB"
        raise ConfigError(msg)
    return size


@dataclass(frozen=True)
class Resources:
    """The memory limit (bytes; None: the default) and the spill directory (None: the system's temporary one)."""

    memory_limit: int | None = None
    temp_directory: Path | None = None

    @classmethod
    def from_settings(
        cls,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        settings: dict[str, object] | None = None,
    ) -> Resources:
        """The option values given, else the environment, else csmetrics.toml's settings."""
        settings = settings or {}
        limit = memory_limit or os.environ.get("CSMETRICS_MEMORY_LIMIT") or settings.get("memory_limit")
        temp = temp_directory or os.environ.get("CSMETRICS_TEMP_DIR") or settings.get("temp_directory")
        return cls(
            memory_limit=parse_size(str(limit)) if limit else None,
            temp_directory=Path(str(temp)) if temp else None,
        )

    @property
    def limit_bytes(self) -> int:
        return self.memory_limit if self.memory_limit is not None else int(machine_memory() * DEFAULT_FRACTION)

    @property
    def duckdb_bytes(self) -> int:
        """DuckDB's share of the limit."""
        return int(self.limit_bytes * DUCKDB_SHARE)

    def store_bytes_limit(self, store_bytes: int) -> int | None:
        """DuckDB's limit for a session reading a store of ``store_bytes`` in place, when it is lower than the one
        set (the module's docstring says why); None when the limit was given or the store is larger."""
        if self.memory_limit is not None:
            return None
        limit = max(STORE_LIMIT_FLOOR, store_bytes)
        return limit if limit < self.duckdb_bytes else None

    def apply(self, con: duckdb.DuckDBPyConnection) -> Callable[[], None]:
        """Set the limit and a private spill directory on ``con``; return what removes the directory."""
        set_duckdb_limit(con, self.duckdb_bytes)
        base = self.temp_directory if self.temp_directory is not None else Path(tempfile.gettempdir())
        try:
            base.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            msg = f"temp directory {base}: cannot be made ({e.strerror or e}); give another with --temp-dir"
            raise ConfigError(msg) from e
        # DuckDB makes this directory only when it first spills, and removes it when the connection closes.
        spill = base / f"csmetrics-{os.getpid()}-{secrets.token_hex(4)}"
        con.execute("SET temp_directory = $dir", {"dir": str(spill)})
        return lambda: shutil.rmtree(spill, ignore_errors=True)


def set_duckdb_limit(con: duckdb.DuckDBPyConnection, duckdb_bytes: int) -> None:
    con.execute(f"SET memory_limit = '{duckdb_bytes // 1024**2}MiB'")

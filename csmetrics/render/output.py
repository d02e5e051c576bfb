"""Where output goes: stdout for data, or a file.

A regular file (new or existing) is written atomically: a temporary file beside it, renamed over it, with the
mode an ordinary new file gets (0666 less the umask) or the existing file's mode. A FIFO or a character device
(``/dev/stdout``, a named pipe) is written directly, never replaced. A directory, or any other kind of file, is
refused (exit 2). A temporary file left by a killed run (its name carries the dead process's id) is removed on
the next write to the same path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from csmetrics.errors import ConfigError, WriteError

_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[A-Za-z0-9_]+\.tmp$")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_error(path: Path, error: OSError) -> WriteError:
    cause = error.strerror or str(error)
    hint = " (the disk is full: free space and run again)" if error.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return WriteError(f"cannot write {path}: {cause}{hint}; nothing was written")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files a killed write to ``path`` left beside it (their process is gone)."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in path.parent.iterdir():
            m = _TMP.match(entry.name)
            if m and m["name"] == path.name and int(m["pid"]) != os.getpid() and not _alive(int(m["pid"])):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def _kind(path: Path) -> int | None:
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        msg = f"cannot write {path}: {e.strerror}"
        raise ConfigError(msg) from e


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: readers see the old file or the whole new one (a FIFO or a character
    device is written directly)."""
    mode = _kind(path)
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        _write_stream(path, data)
        return
    if mode is not None and stat.S_ISDIR(mode):
        msg = f"cannot write {path}: it is a directory; give a file name (for example {path / 'report.csv'})"
        raise ConfigError(msg)
    if mode is not None and not stat.S_ISREG(mode):
        msg = f"cannot write {path}: it is not a regular file, a FIFO or a terminal; give a file name"
        raise ConfigError(msg)
    path = path.resolve()
    remove_stale_temporaries(path)
    new_mode = stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        msg = f"cannot write {path}: {e.strerror} (does the directory {path.parent} exist and is it writable?)"
        raise ConfigError(msg) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), new_mode)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(path, e) from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_stream(path: Path, data: bytes) -> None:
    try:
        with path.open("wb") as f:
            f.write(data)
    except OSError as e:
        raise _write_error(path, e) from e


def write_stdout(data: bytes, stream: BinaryIO | None = None) -> None:
    out = stream or sys.stdout.buffer
    out.write(data)
    out.flush()

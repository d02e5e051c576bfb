"""Where output goes: stdout for data, or a file written atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from csmetrics.errors import ConfigError


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        msg = f"cannot write {path}: {e.strerror} (does the directory {path.parent} exist and is it writable?)"
        raise ConfigError(msg) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_stdout(data: bytes, stream: BinaryIO | None = None) -> None:
    out = stream or sys.stdout.buffer
    out.write(data)
    out.flush()

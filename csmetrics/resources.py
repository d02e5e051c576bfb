"""Locate the ``sql/`` directory in an installed wheel or a source checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sql_dir() -> Path:
    packaged = Path(str(files("csmetrics"))) / "sql"
    if packaged.is_dir():
        return packaged
    # Source checkout or editable install: sql/ sits beside the package.
    return Path(__file__).resolve().parent.parent / "sql"

"""The command line: parse options, build one request, call the library, render. Nothing else lives here.

The command modules register themselves on :data:`csmetrics.cli.app.app` when imported, in the order
``--help`` lists them.
"""

from csmetrics.cli import (
    compare,  # noqa: F401
    info,  # noqa: F401
    report,  # noqa: F401 - importing a command module registers its commands
    staffing,  # noqa: F401
    store,  # noqa: F401
)
from csmetrics.cli.app import app


def main() -> None:
    app()

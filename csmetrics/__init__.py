"""csmetrics: contact-centre service metrics under explicit, fingerprinted definitions.

The library's entry point is :mod:`csmetrics.api` (also reachable from here)::

    import csmetrics
    report = csmetrics.report(csmetrics.ReportRequest(inputs=csmetrics.Inputs(interactions=("export.csv",))))
"""

from typing import Any

from csmetrics.version import __version__

_API = ("Inputs", "ReportRequest", "Report", "definitions", "fcr_windows", "open_session", "report")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from csmetrics import api  # imported on first use: `import csmetrics` stays light

        return getattr(api, name)
    msg = f"module 'csmetrics' has no attribute {name!r}"
    raise AttributeError(msg)

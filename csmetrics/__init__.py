"""csmetrics: contact-centre service metrics under explicit, fingerprinted definitions."""

from csmetrics.config import resolve
from csmetrics.engine import Engine, Report, run_report
from csmetrics.registry import load_registry

__version__ = "0.1.0"
__all__ = ["Engine", "Report", "__version__", "load_registry", "resolve", "run_report"]

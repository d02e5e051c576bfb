"""The package version (one place; the store records it in its meta table)."""

__version__ = "0.1.0"

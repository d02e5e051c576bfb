"""Definitions as data: parameter specs, the registry of SQL files, configuration and the fingerprint."""

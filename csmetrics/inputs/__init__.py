"""Inputs: files and formats, the canonical schema, column mappings and presets, and `inspect`.

Modules here read files into SELECTs of the canonical schema; they never create the pipeline's
tables (the session in :mod:`csmetrics.pipeline` does).
"""

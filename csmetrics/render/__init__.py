"""Rendering: report documents as JSON, CSV, Parquet, Markdown and terminal tables; atomic output."""

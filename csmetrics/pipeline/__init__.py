"""The pipeline: a session owning one DuckDB connection and its tables, the declared preparation steps,
the composed report passes and data quality."""

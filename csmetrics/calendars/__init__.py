"""Opening-hours calendars, public holidays and business time, computed set-based in DuckDB."""

"""Statistics behind ``csmetrics compare``: before/after differences with standard errors and tests."""

"""The persistent store (``--db``): its schema and migrations, loads into it, and reading it in place."""

"""The warehouse: PostgreSQL (`postgres`), whose local twin is the embedded server in `local`."""

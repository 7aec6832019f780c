"""Background jobs on procrastinate: PostgreSQL's queue when the database is PostgreSQL, an
in-process queue for the embedded default."""

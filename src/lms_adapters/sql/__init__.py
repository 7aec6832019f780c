"""SQLAlchemy adapters: PostgreSQL (psycopg) in production, SQLite (aiosqlite) embedded."""

"""Alembic environment: runs migrations synchronously on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from lms_adapters.sql.engine import prepare_sqlite
from lms_adapters.sql.tables import metadata
from lms_adapters.sql.urls import sync_url

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url is not set"
engine = create_engine(sync_url(url), poolclass=pool.NullPool)
if engine.dialect.name == "sqlite":
    prepare_sqlite(engine)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()

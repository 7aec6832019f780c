"""Alembic migrations, shipped with the adapter so an installed package can migrate."""

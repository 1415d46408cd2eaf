"""Alembic migrations; `baton db upgrade` runs them (see `baton/database.py`)."""

"""Feed fixtures: a fresh, migrated SQLite file per test, and the app built on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from baton import database
from tests.feed.feed_factories import RULES_TEXT, make_app


@pytest.fixture
def feed_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = database.make_engine(f"sqlite:///{tmp_path / 'feed.db'}")
    database.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_TEXT)
    return path


@pytest.fixture
def app(feed_engine: Engine, rules_file: Path) -> FastAPI:
    return make_app(feed_engine, rules_file)

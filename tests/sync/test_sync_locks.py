"""One sync per source: a second holder is refused with who holds it; others proceed."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from sync.locks import Locked, source_lock
from tests.conftest import both_backends

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@both_backends
def test_second_run_of_a_source_is_refused_naming_the_holder(engine: Engine) -> None:
    with source_lock(engine, "asana-main", NOW):
        with pytest.raises(Locked) as held, source_lock(engine, "asana-main", NOW):
            pass
        assert f"pid {os.getpid()} on {socket.gethostname()[:20]}" in str(held.value)
        assert "2026-11-23T09:00" in str(held.value)
        with source_lock(engine, "trello-studio", NOW):
            pass


@both_backends
def test_lock_is_released_after_the_run(engine: Engine) -> None:
    with source_lock(engine, "google", NOW):
        pass
    with source_lock(engine, "google", NOW):
        pass


@both_backends
def test_lock_is_released_when_the_run_fails(engine: Engine) -> None:
    with pytest.raises(RuntimeError), source_lock(engine, "salesforce", NOW):
        raise RuntimeError("boom")
    with source_lock(engine, "salesforce", NOW):
        pass

"""`baton sync` as cron runs it: killed mid-run it resumes losing nothing, and a second
run of a source while one holds it exits 75 naming the holder. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sync_helpers import NOW, RULES, at, snapshot

from baton.database import make_engine, upgrade
from model import SyncState
from sandbox.run import RunningSandbox, sandbox_config
from sync.locks import source_lock
from tests.conftest import _fresh_pg_database, both_backends


@pytest.fixture
def clean_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    """A second empty database on the same backend, for the reference full sync."""
    if database_url.startswith("postgresql"):
        return _fresh_pg_database(request.getfixturevalue("pg_cluster"))
    return f"sqlite:///{tmp_path / 'clean.db'}"


def config_file(sandbox: RunningSandbox, folder: Path, url: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "baton.yaml"
    path.write_text(sandbox_config(sandbox, rules_file=RULES, database=url))
    return path


def baton_sync(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "baton", "sync", "--config", str(config),
                             "--now", NOW.isoformat(), "--no-rules", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def committed_calendars(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(SyncState).where(
            SyncState.stream.like("events:%"))).scalar_one()


@both_backends
def test_sync_killed_mid_run_resumes_to_the_same_data_as_a_clean_sync(
        sandbox: RunningSandbox, engine: Engine, database_url: str, clean_url: str,
        tmp_path: Path) -> None:
    at(sandbox, 0)
    upgrade(engine)
    config = config_file(sandbox, tmp_path / "crashed", database_url)
    sandbox.replicas.google.knobs.delay_next(200, 0.3, path_contains="/events")
    process = baton_sync(config)
    try:
        deadline = time.monotonic() + 60
        while committed_calendars(engine) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no calendar committed in time"
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert committed_calendars(engine) < len(sandbox.seeded.calendars), "killed too late"
    sandbox.replicas.google.knobs.reset()
    rerun = baton_sync(config)
    assert rerun.wait(timeout=120) == 1, rerun.communicate()  # trello-archive is revoked
    reference = baton_sync(config_file(sandbox, tmp_path / "clean", clean_url))
    assert reference.wait(timeout=120) == 1, reference.communicate()
    clean = make_engine(clean_url)
    try:
        assert snapshot(engine) == snapshot(clean)
    finally:
        clean.dispose()


@both_backends
def test_overlapping_run_exits_75_naming_the_holder(sandbox: RunningSandbox, engine: Engine,
                                                    database_url: str, tmp_path: Path) -> None:
    config = config_file(sandbox, tmp_path / "locked", database_url)
    with source_lock(engine, "asana-main", NOW):
        second = baton_sync(config, "--source", "asana-main")
        out, err = second.communicate(timeout=120)
    assert second.returncode == 75, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("baton: asana-main: locked by pid ")
    assert f"pid {os.getpid()} on " in lines[0] and "since 2026-11-25T10:00" in lines[0]
    assert out == ""

"""One sync per source at a time, across processes and (on PostgreSQL) machines.

SQLite: an exclusive `flock` on a file beside the database (the `filelock`
library would truncate the lock file on every failed attempt, losing the
holder's details, so the holder is written to a sidecar file instead).
PostgreSQL: a session advisory lock keyed by the source name, held on a
dedicated connection whose `application_name` carries the holder's details,
so a second machine can say who holds it. Either way the lock dies with the
process, so a killed sync never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

LOCK_NAMESPACE = 0x62746F6E  # "bton": keeps baton's advisory locks apart from others'


class Locked(Exception):
    """Another run holds the source; `str()` names the holder."""


def holder_text(now: datetime) -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {now.isoformat()}"


@contextmanager
def source_lock(engine: Engine, source: str, now: datetime) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, source, now):
            yield
    else:
        with file_lock(_lock_dir(engine), source, now):
            yield


def _lock_dir(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        return Path(os.environ.get("TMPDIR", "/tmp")) / "baton-locks"
    return Path(database).with_suffix(".locks")


@contextmanager
def file_lock(directory: Path, name: str, now: datetime) -> Iterator[None]:
    """Hold `directory/<name>.lock` (flock) while the block runs, or raise Locked naming
    the holder; `baton demo` uses it too, to keep a second demo off a running one's files."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.lock"
    handle: IO[str] = path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(_read_holder(path)) from None
        path.with_suffix(".holder").write_text(json.dumps({"holder": holder_text(now)}))
        yield
    finally:
        handle.close()


def _read_holder(path: Path) -> str:
    try:
        return json.loads(path.with_suffix(".holder").read_text())["holder"]
    except (OSError, ValueError, KeyError):
        return "another process (holder unknown)"


def _key(source: str) -> int:
    """One bigint: baton's namespace in the high half, the source's CRC in the low half
    (pg_locks shows them as `classid` and `objid`)."""
    return (LOCK_NAMESPACE << 32) | zlib.crc32(source.encode())


@contextmanager
def _advisory_lock(engine: Engine, source: str, now: datetime) -> Iterator[None]:
    with engine.connect() as connection:
        name = (f"baton sync pid {os.getpid()} on {socket.gethostname()[:20]} "
                f"since {now:%Y-%m-%dT%H:%MZ}")
        connection.execute(sa.text("SELECT set_config('application_name', :n, false)"),
                           {"n": name[:63]})
        got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                 {"key": _key(source)}).scalar_one()
        connection.commit()
        if not got:
            raise Locked(_pg_holder(connection, source))
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"),
                               {"key": _key(source)})
            connection.commit()


def _pg_holder(connection: sa.Connection, source: str) -> str:
    row = connection.execute(sa.text(
        "SELECT a.application_name, a.client_addr FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.classid = CAST(:ns AS oid) "
        "AND l.objid = CAST(:key AS oid) AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
        {"ns": LOCK_NAMESPACE, "key": zlib.crc32(source.encode())}).first()
    if row is None:
        return "another process (holder unknown)"
    return row[0].removeprefix("baton sync ") if row[0] else f"a session from {row[1]}"

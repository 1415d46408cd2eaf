"""A throwaway PostgreSQL cluster for the test session and the benchmark: initdb,
pg_ctl, stop. It lives in sandbox/ (offline stand-ins for what baton talks to) so that
bench/ can use it from an installed baton, which ships no tests package.

The suite must need no pre-existing server, and CI runs as root, which
`initdb` refuses; so when we are root the cluster runs as `nobody` through
`setpriv` (pytest-postgresql cannot do that). fsync is off: the data is
thrown away at the end of the session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

NOBODY_UID = 65534


def find_bindir() -> Path | None:
    for candidate in (shutil.which("pg_ctl"), *sorted(glob.glob(
            "/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)):
        if candidate:
            return Path(candidate).resolve().parent
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    bindir: Path
    root: Path
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["setpriv", f"--reuid={NOBODY_UID}", f"--regid={NOBODY_UID}",
                      "--clear-groups", "--"]
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True,
                       cwd=self.root)

    def start(self) -> None:
        data = self.root / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-locale")
        options = (f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                  "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(bindir: Path) -> Cluster:
    root = Path(tempfile.mkdtemp(prefix="baton-pg-"))
    if os.geteuid() == 0:
        os.chown(root, NOBODY_UID, NOBODY_UID)
    cluster = Cluster(bindir, root, free_port())
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = root / "server.log"
        detail = log.read_text() if log.exists() else ""
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr}\n{detail}") from exc
    return cluster

"""`baton` as a real process, as a user starts it: in a folder of their choice, stopped
with a signal, its output read line by line without ever blocking a test for good."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).parent.parent


def baton(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """`python -m baton ARGS` from `cwd`, importing this checkout wherever it runs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "baton", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Lines:
    """A process's stdout, line by line, with a timeout on every wait."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def until(self, text: str, timeout: float = 120) -> str:
        """The first line containing `text`; AssertionError (with what was seen) if the
        output ends or the time runs out first."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout}s: {self.seen}") from None
            if line is None:
                raise AssertionError(f"output ended before {text!r}: {self.seen}")
            self.seen.append(line)
            if text in line:
                return line


@contextmanager
def running(process: subprocess.Popen[str]) -> Iterator[Lines]:
    """Yield the process's stdout lines; stop it with SIGTERM (SIGKILL if it lingers)."""
    try:
        assert process.stdout is not None
        yield Lines(process.stdout)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def taken_port() -> Iterator[int]:
    """A port some other program is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])

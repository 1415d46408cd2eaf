"""The feed's listening socket, taken before anything is printed, written or deleted.

uvicorn binds late and reports a taken port as a logged error and exit 3, after
`baton serve` has printed its URL (and `baton demo` has replaced its database). So
`serve` and `demo` bind first, turn a refusal into one line (exit 2), and hand the
very socket to uvicorn: no window in which another process can take the port.
"""

from __future__ import annotations

import errno
import socket

import uvicorn
from starlette.types import ASGIApp


class ListenError(Exception):
    """The address cannot be listened on; `str()` is the one line to show."""


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, chosen as uvicorn would (IPv6 for an address with
    a colon), or a ListenError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only then (see
    # sandbox/server.py); without it keep-alive answers stall ~40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen()  # from now on a second bind fails, even with SO_REUSEADDR
    except OSError as exc:
        sock.close()
        raise ListenError(_refusal(host, port, exc)) from None
    return sock


def _refusal(host: str, port: int, exc: OSError) -> str:
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: {exc.strerror}; pass --host"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use: {exc.strerror}; pass --port"
    return f"cannot listen on port {port} on {host}: {exc.strerror}; pass --port"


def serve(app: ASGIApp, sock: socket.socket) -> None:
    """Run `app` on the socket from `listen` until Ctrl-C."""
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])

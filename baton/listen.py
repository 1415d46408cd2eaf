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
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}: {exc.strerror}; pass --host") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen()  # from now on a second bind fails, even with SO_REUSEADDR
    except OSError as exc:
        sock.close()
        raise ListenError(_refusal(host, port, exc)) from None
    return sock


def _refusal(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use: {exc.strerror}; pass --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: {exc.strerror}; pass --host"
    return f"cannot listen on port {port} on {host}: {exc.strerror}; pass --port"


def serve(app: ASGIApp, sock: socket.socket) -> None:
    """Run `app` on the socket from `listen` until Ctrl-C."""
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])

"""The replica server harness: loopback, optional TLS, and no latency of its own."""

from __future__ import annotations

import socket

import requests
from fastapi import FastAPI

from sandbox.server import running

app = FastAPI()


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"ok": True}


def test_accepted_connections_have_nagle_off() -> None:
    """Without TCP_NODELAY every keep-alive answer waits ~40 ms for a delayed ACK, and the
    benchmark would measure the sandbox instead of baton."""
    with running(app) as handle, requests.Session() as session:
        assert session.get(handle.base_url + "/ping", timeout=5).json() == {"ok": True}
        [protocol] = handle.server.server_state.connections
        sock = protocol.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_tls_server_is_trusted_through_its_ca_only() -> None:
    with running(app, tls=True) as handle:
        assert handle.base_url.startswith("https://127.0.0.1:") and handle.ca_path
        with requests.Session() as session:
            session.trust_env = False
            session.verify = str(handle.ca_path)
            assert session.get(handle.base_url + "/ping", timeout=5).status_code == 200

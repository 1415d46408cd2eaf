"""Fault knobs, request counters and a settable clock shared by every replica.

Each replica (Asana, Trello, Google, Salesforce) keeps its own records, but the
ways a test or the benchmark reaches into a running replica are the same for
all four, so they live here once: queue a fault for the next N matching
requests, count requests per endpoint, and move the replica's clock. Faults
that change a status or add latency are applied by `KnobsMiddleware` before
the replica sees the request; faults that change a *payload* (malformed or
truncated records) are consumed by the replica itself through `Knobs.take`,
because only it knows what a record looks like.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FaultKind = Literal["status", "delay", "malformed", "truncated", "failed_job"]
MalformedForm = Literal["default", "id_missing", "id_null", "id_wrong_type", "not_object"]
"""How a `malformed` fault breaks a record: `default` is the replica's own breakage (its
doc says which); the others are the forms a record's id takes when a tool or a proxy
mangles it: gone, null, a number (or an array when the id is not numeric), or the whole
record replaced by a bare string."""
ADMIN_PREFIX = "/_sandbox"


class Clock:
    """Real UTC time until a test pins it; then only `set`/`advance` move it."""

    def __init__(self, fixed: datetime | None = None) -> None:
        self._fixed = fixed

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("the sandbox clock takes timezone-aware datetimes")
        self._fixed = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._fixed = self.now() + delta


@dataclass
class Fault:
    """One queued misbehaviour, applied to the next `remaining` matching requests."""

    kind: FaultKind
    remaining: int = 1
    path_contains: str | None = None
    status: int = 500
    retry_after_seconds: int | None = None
    delay_seconds: float = 0.0
    form: MalformedForm = "default"

    def matches(self, kind: FaultKind, path: str) -> bool:
        return self.kind == kind and (not self.path_contains or self.path_contains in path)

    def broken(self, record: dict[str, Any], id_field: str,
               default: Callable[[dict[str, Any]], Any] | None = None) -> Any:
        """`record` broken as `form` says; `default` is the replica's own breakage (else
        the id goes missing)."""
        if self.form == "default" and default is not None:
            return default(record)
        value = record.get(id_field)
        if self.form == "not_object":
            return str(value)
        broken = dict(record)
        if self.form in ("default", "id_missing"):
            broken.pop(id_field, None)
        elif self.form == "id_null":
            broken[id_field] = None
        else:
            text = str(value)
            broken[id_field] = int(text) if text.isdigit() else [text]
        return broken


@dataclass
class Knobs:
    """The mutable test surface of one replica; thread-safe, as servers run in threads."""

    clock: Clock = field(default_factory=Clock)
    counters: Counter[str] = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        retry_after_seconds: int | None = None,
        path_contains: str | None = None,
    ) -> None:
        self.add(Fault("status", n, path_contains, status, retry_after_seconds))

    def delay_next(self, n: int, seconds: float, path_contains: str | None = None) -> None:
        self.add(Fault("delay", n, path_contains, delay_seconds=seconds))

    def malform_next(self, n: int = 1, path_contains: str | None = None,
                     form: MalformedForm = "default") -> None:
        self.add(Fault("malformed", n, path_contains, form=form))

    def truncate_next(self, n: int = 1, path_contains: str | None = None) -> None:
        self.add(Fault("truncated", n, path_contains))

    def fail_job_next(self, n: int = 1, query_contains: str | None = None) -> None:
        """The next `n` asynchronous jobs (Salesforce Bulk API 2.0 queries) whose query
        contains `query_contains` end in state Failed when they run."""
        self.add(Fault("failed_job", n, query_contains))

    def take(self, kind: FaultKind, path: str) -> Fault | None:
        """Consume one use of the first queued fault of `kind` matching `path`."""
        with self._lock:
            for fault in self.faults:
                if fault.matches(kind, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def count(self, key: str) -> None:
        with self._lock:
            self.counters[key] += 1

    def total_requests(self) -> int:
        return sum(self.counters.values())

    def reset(self) -> None:
        with self._lock:
            self.counters.clear()
            self.faults.clear()


ErrorRenderer = Callable[[int, int | None], Response]


class KnobsMiddleware:
    """Counts every API request by route template and applies status/delay faults.

    `render_error(status, retry_after_seconds)` builds the replica's own error
    body (Asana's `{"errors": [...]}`, Trello's plain text, ...), so a fault
    looks exactly like the real API misbehaving.
    """

    def __init__(self, app: ASGIApp, knobs: Knobs, render_error: ErrorRenderer) -> None:
        self.app = app
        self.knobs = knobs
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        delay = self.knobs.take("delay", path)
        if delay is not None:
            await asyncio.sleep(delay.delay_seconds)
        failure = self.knobs.take("status", path)
        if failure is not None:
            self.knobs.count(f"{scope['method']} {path}")
            response = self.render_error(failure.status, failure.retry_after_seconds)
            await response(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            # Count as the answer starts: routing is done (the template is known) and
            # the client cannot have read the answer yet, so a test never races us.
            if message["type"] == "http.response.start":
                route = scope.get("route")
                self.knobs.count(f"{scope['method']} {getattr(route, 'path', None) or path}")
            await send(message)

        await self.app(scope, receive, counting_send)


class FaultIn(BaseModel):
    kind: FaultKind
    n: int = Field(1, ge=1)
    path_contains: str | None = None
    status: int = 500
    retry_after_seconds: int | None = None
    delay_seconds: float = 0.0
    form: MalformedForm = "default"


class ClockIn(BaseModel):
    now: datetime | None = None
    advance_seconds: float | None = None


def admin_router(knobs: Knobs) -> APIRouter:
    """HTTP twin of the `Knobs` API, for a replica running in another process."""
    router = APIRouter(prefix=ADMIN_PREFIX)

    @router.get("/counters")
    def counters() -> dict[str, object]:
        return {"counters": dict(knobs.counters), "total": knobs.total_requests()}

    @router.post("/faults")
    def add_fault(fault: FaultIn) -> dict[str, int]:
        knobs.add(Fault(fault.kind, fault.n, fault.path_contains, fault.status,
                        fault.retry_after_seconds, fault.delay_seconds, fault.form))
        return {"queued": len(knobs.faults)}

    @router.post("/clock")
    def move_clock(body: ClockIn) -> dict[str, str]:
        if body.now is not None:
            knobs.clock.set(body.now)
        if body.advance_seconds is not None:
            knobs.clock.advance(timedelta(seconds=body.advance_seconds))
        return {"now": knobs.clock.now().isoformat()}

    @router.post("/reset")
    def reset() -> dict[str, bool]:
        knobs.reset()
        return {"ok": True}

    return router



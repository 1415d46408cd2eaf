"""The Google connector under the replica's fault knobs, over real HTTP with the real SDK.

429 + Retry-After, 5xx, timeouts, truncated bodies, empty pages that lead on, paging
loops, revoked and expired credentials, malformed records, service-account delegation,
and that no secret reaches an exception or a log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.batch import Batch
from connectors.errors import Retriable, SourceStopped
from connectors.google import GoogleConnector, OAuthAuth, ServiceAccountAuth
from connectors.policy import CallPolicy
from sandbox.google import GoogleState, create_app
from sandbox.server import RunningServer, running

NOW = datetime(2026, 3, 12, 9, tzinfo=UTC)
ANA = "ana@fernweh.example"
CLIENT = "baton-faults.apps.googleusercontent.com"
SECRET, REFRESH = "faults-client-secret-5d81c2", "1//faults-refresh-token-0b9e77"
READ_SCOPES = [f"https://www.googleapis.com/auth/{s}" for s in (
    "calendar.readonly", "contacts.readonly", "tasks.readonly")]


@pytest.fixture
def state() -> GoogleState:
    google = GoogleState()
    google.knobs.clock.set(NOW)
    google.oauth.register_client(CLIENT, SECRET)
    google.oauth.add_refresh_token(REFRESH, client_id=CLIENT, user=ANA, scopes=READ_SCOPES)
    google.calendar.add_calendar(ANA, time_zone="Europe/Madrid")
    for day in (1, 2, 3):
        start = NOW + timedelta(days=day)
        google.calendar.add_event(ANA, summary=f"Meeting {day}", start=start,
                                  end=start + timedelta(hours=1))
    for name in ("Mia", "Tom", "Sam"):
        google.people.add_contact(name, "Client", emails=[f"{name.lower()}@client.example"])
    for title in ("Report", "Invoices", "Slides"):
        google.tasks.add_task(google.tasks.default_list_id, title, due_on=date(2026, 3, 20))
    return google


@pytest.fixture
def server(state: GoogleState) -> Iterator[RunningServer]:
    with running(create_app(state)) as handle:
        yield handle


@pytest.fixture
def waits() -> list[float]:
    return []


def connector(server: RunningServer, state: GoogleState, waits: list[float],
              **kwargs: object) -> GoogleConnector:
    kwargs.setdefault("auth", OAuthAuth(CLIENT, SECRET, REFRESH, server.base_url + "/token"))
    return GoogleConnector("google", base_url=server.base_url + "/", calendars=[ANA],
                           policy=CallPolicy(sleep=waits.append), clock=state.knobs.clock.now,
                           **kwargs)  # type: ignore[arg-type]


def pull(conn: GoogleConnector, stream: str) -> list[Batch]:
    return list(conn.pull(stream, {}, False))


def counted(state: GoogleState, key: str, expected: int) -> int:
    """The replica counts a request after answering it: wait (briefly) for the count."""
    deadline = time.monotonic() + 2
    while state.knobs.counters[key] < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.02)
    return state.knobs.counters[key]


def titles(batches: list[Batch]) -> list[str]:
    return sorted(getattr(r, "title", None) or getattr(r, "name", "") for b in batches
                  for r in b.records)


def test_429_retry_after_is_honoured_once(server: RunningServer, state: GoogleState,
                                          waits: list[float]) -> None:
    state.knobs.fail_next(1, 429, retry_after_seconds=7, path_contains="/events")
    batches = pull(connector(server, state, waits), "events")
    assert titles(batches) == ["Meeting 1", "Meeting 2", "Meeting 3"]
    assert waits == [7.0]
    assert counted(state, "GET /calendar/v3/calendars/{calendar_id}/events", 1) == 1
    assert counted(state, "GET /calendar/v3/calendars/ana@fernweh.example/events", 1) == 1
    assert sum(b.api_calls for b in batches) == 2


def test_5xx_is_retried_then_succeeds(server: RunningServer, state: GoogleState,
                                      waits: list[float]) -> None:
    state.knobs.fail_next(2, 503, path_contains="/connections")
    batches = pull(connector(server, state, waits), "contacts")
    assert len(batches[-1].records) == 3 and len(waits) == 2


def test_persistent_5xx_gives_up_with_a_retriable_error(server: RunningServer,
                                                        state: GoogleState,
                                                        waits: list[float]) -> None:
    state.knobs.fail_next(10, 500, path_contains="/tasks/v1/lists/")
    with pytest.raises(Retriable, match=r"HTTP 500 \(backendError\)"):
        pull(connector(server, state, waits), "tasks")
    assert len(waits) == 4  # five attempts in all, never more


def test_a_timeout_is_retried(server: RunningServer, state: GoogleState,
                              waits: list[float]) -> None:
    state.knobs.delay_next(1, 2.0, path_contains="/events")
    batches = pull(connector(server, state, waits, timeout_seconds=0.3), "events")
    assert len(titles(batches)) == 3 and len(waits) == 1


def test_truncated_json_bodies_are_retried(server: RunningServer, state: GoogleState,
                                           waits: list[float]) -> None:
    state.knobs.truncate_next(1, path_contains="/tasks/v1/lists/")
    state.knobs.truncate_next(1, path_contains="/connections")
    conn = connector(server, state, waits)
    assert titles(pull(conn, "tasks")) == ["Invoices", "My Tasks", "Report", "Slides"]
    assert len(pull(conn, "contacts")[-1].records) == 3
    assert len(waits) == 2


def test_empty_calendar_page_with_a_token_is_followed(server: RunningServer,
                                                      state: GoogleState,
                                                      waits: list[float]) -> None:
    state.knobs.truncate_next(2, path_contains="/events")
    batches = pull(connector(server, state, waits), "events")
    assert [len(b.records) for b in batches] == [0, 0, 3]
    assert [b.cursor is not None for b in batches] == [False, False, True]
    assert [b.complete is not None for b in batches] == [False, False, True]


def test_a_page_token_that_keeps_coming_back_is_a_loop(server: RunningServer,
                                                       state: GoogleState,
                                                       waits: list[float]) -> None:
    state.knobs.truncate_next(50, path_contains="/events")
    with pytest.raises(SourceStopped, match="paging loop"):
        pull(connector(server, state, waits), "events")
    assert counted(state, "GET /calendar/v3/calendars/{calendar_id}/events", 4) == 4


def test_malformed_records_are_quarantined_and_the_rest_maps(server: RunningServer,
                                                             state: GoogleState,
                                                             waits: list[float]) -> None:
    for path in ("/events", "/connections", "/tasks/v1/lists/"):
        state.knobs.malform_next(1, path_contains=path)
    conn = connector(server, state, waits)
    [events] = pull(conn, "events")
    [bad_event] = events.quarantined
    assert bad_event.record_key.startswith(ANA + "/") and "start.dateTime" in bad_event.error
    assert len(events.records) == 2
    [contacts] = pull(conn, "contacts")
    assert len(contacts.records) == 2 and "resourceName" in contacts.quarantined[0].error
    tasks = pull(conn, "tasks")[-1]
    assert len(tasks.records) == 2 and "'id'" in tasks.quarantined[0].error
    assert tasks.quarantined[0].record_key.startswith("sha256:")  # no id: a payload hash
    # a listing with an unmappable record is not complete: it may tombstone nothing
    assert events.complete is contacts.complete is tasks.complete is None


def test_revoked_refresh_token_stops_the_source_with_a_scrubbed_message(
        server: RunningServer, state: GoogleState, waits: list[float]) -> None:
    state.oauth.revoke_refresh_token(REFRESH)
    with pytest.raises(SourceStopped) as stopped:
        pull(connector(server, state, waits), "calendars")
    text = str(stopped.value)
    assert "invalid_grant" in text and "renew the Google credentials" in text
    assert SECRET not in text and REFRESH not in text
    assert waits == [] and counted(state, "POST /token", 1) == 1


def test_expired_access_token_is_refreshed_without_failing(server: RunningServer,
                                                           state: GoogleState,
                                                           waits: list[float]) -> None:
    conn = connector(server, state, waits)
    pull(conn, "events")
    state.oauth.expire_access_tokens()
    assert len(pull(conn, "contacts")[-1].records) == 3 and waits == []
    assert counted(state, "POST /token", 2) == 2


def test_revocation_mid_run_stops_at_the_refresh(server: RunningServer, state: GoogleState,
                                                 waits: list[float]) -> None:
    conn = connector(server, state, waits)
    pull(conn, "events")
    state.oauth.revoke_refresh_token(REFRESH)  # also kills the live access token
    with pytest.raises(SourceStopped, match="invalid_grant"):
        pull(conn, "contacts")
    assert waits == []


def test_401_that_survives_a_refresh_stops_the_source(server: RunningServer,
                                                      state: GoogleState,
                                                      waits: list[float]) -> None:
    state.knobs.fail_next(3, 401, path_contains="/events")
    with pytest.raises(SourceStopped, match="HTTP 401") as stopped:
        pull(connector(server, state, waits), "events")
    assert "re-authorise" in stopped.value.action and waits == []
    assert counted(state, "POST /token", 3) == 3  # first token + google-auth's two refreshes


def test_unknown_calendar_stops_the_source_naming_what_to_check(server: RunningServer,
                                                                state: GoogleState,
                                                                waits: list[float]) -> None:
    conn = connector(server, state, waits)
    conn.calendars = ["nobody@fernweh.example"]
    with pytest.raises(SourceStopped, match="HTTP 404") as stopped:
        pull(conn, "events")
    assert "check the calendar ids" in stopped.value.action


def test_service_account_with_domain_wide_delegation(server: RunningServer,
                                                     state: GoogleState, waits: list[float],
                                                     tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    email = "baton@baton-project.iam.gserviceaccount.com"
    state.oauth.register_service_account(email, key_id="k1", public_key_pem=public.decode(),
                                         delegated_scopes=READ_SCOPES, domain="fernweh.example")
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "client_email": email, "private_key": private,
        "private_key_id": "k1", "token_uri": server.base_url + "/token"}))
    conn = connector(server, state, waits, auth=ServiceAccountAuth(key_file, subject=ANA))
    assert len(titles(pull(conn, "events"))) == 3


def test_missing_key_file_stops_the_source(server: RunningServer, state: GoogleState,
                                           waits: list[float], tmp_path: Path) -> None:
    conn = connector(server, state, waits, auth=ServiceAccountAuth(tmp_path / "none.json"))
    with pytest.raises(SourceStopped, match="cannot load Google credentials"):
        pull(conn, "calendars")


def test_no_secret_in_logs_or_errors(server: RunningServer, state: GoogleState,
                                     waits: list[float],
                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    conn = connector(server, state, waits)
    state.knobs.fail_next(1, 429, retry_after_seconds=1, path_contains="/events")
    for stream in conn.streams():
        pull(conn, stream)
    state.oauth.expire_access_tokens()
    state.oauth.revoke_refresh_token(REFRESH)
    with pytest.raises(SourceStopped) as stopped:
        pull(conn, "events")
    access_tokens = list(state.oauth.access_tokens) or ["ya29.a0sandbox"]
    for secret in (SECRET, REFRESH, *access_tokens):
        assert secret not in caplog.text and secret not in str(stopped.value)
    assert caplog.records  # the SDKs did log; none of it carried a secret

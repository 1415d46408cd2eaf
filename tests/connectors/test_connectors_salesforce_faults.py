"""The Salesforce connector under the replica's fault knobs: every failure is sorted
into retry, stop-the-source, or quarantine, and no secret leaks on the way."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme

from connectors.batch import Batch
from connectors.errors import Retriable, SourceStopped
from connectors.policy import CallPolicy
from connectors.salesforce import Auth, SalesforceConnector
from connectors.salesforce.client import QueryRejected
from sandbox.knobs import Clock, Knobs
from sandbox.salesforce import DEFAULT_SESSION_ID, SalesforceState, create_app
from sandbox.server import RunningServer, running

T0 = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
ACCOUNTS = 3


@pytest.fixture
def org() -> SalesforceState:
    state = SalesforceState(Knobs(clock=Clock(T0)))
    pat = state.add_user("pat@agency.example", first_name="Pat", last_name="Producer",
                         email="pat@agency.example")
    for n in range(ACCOUNTS):
        state.add_account(f"Client {n}", owner_id=pat)
    return state


@pytest.fixture
def server(org: SalesforceState) -> Iterator[RunningServer]:
    with running(create_app(org), tls=True) as handle:
        yield handle


@pytest.fixture
def waits() -> list[float]:
    return []


def make(server: RunningServer, org: SalesforceState, waits: list[float], *,
         ca_bundle: str | None = "sandbox", timeout_seconds: float = 5,
         api_version: str = "60.0") -> SalesforceConnector:
    return SalesforceConnector(
        "sf-main", server.base_url, Auth("session", session_id=DEFAULT_SESSION_ID),
        ca_bundle=str(server.ca_path) if ca_bundle == "sandbox" else ca_bundle,
        api_version=api_version, timeout_seconds=timeout_seconds,
        policy=CallPolicy(sleep=waits.append), now=org.knobs.clock.now)


@pytest.fixture
def sf(server: RunningServer, org: SalesforceState,
       waits: list[float]) -> Iterator[SalesforceConnector]:
    connector = make(server, org, waits)
    yield connector
    connector.close()


def accounts(connector: SalesforceConnector) -> list[Batch]:
    return list(connector.pull("accounts", {}, False))


def names(batches: list[Batch]) -> list[str]:
    return sorted(r.raw["Name"] for b in batches for r in b.records)


def test_concurrency_limit_with_retry_after_is_waited_out_once(
        sf: SalesforceConnector, org: SalesforceState, waits: list[float]) -> None:
    """The replica answers a queued 429 as Salesforce does: 403 REQUEST_LIMIT_EXCEEDED
    (ConcurrentPerOrgLongTxn), here with Retry-After: 7."""
    org.knobs.fail_next(1, status=429, retry_after_seconds=7)
    batches = accounts(sf)
    assert waits == [7.0]
    assert len(names(batches)) == ACCOUNTS and batches[-1].api_calls == 2


def test_server_unavailable_and_500_are_retried_then_succeed(
        sf: SalesforceConnector, org: SalesforceState, waits: list[float]) -> None:
    org.knobs.fail_next(1, status=503)
    org.knobs.fail_next(1, status=500)
    batches = accounts(sf)
    assert len(waits) == 2 and len(names(batches)) == ACCOUNTS
    assert org.knobs.total_requests() == 3


def test_retries_are_bounded(sf: SalesforceConnector, org: SalesforceState,
                             waits: list[float]) -> None:
    org.knobs.fail_next(10, status=503)
    with pytest.raises(Retriable) as raised:
        accounts(sf)
    assert raised.value.status == 503 and org.knobs.total_requests() == 5


def test_a_truncated_page_is_fetched_again(sf: SalesforceConnector, org: SalesforceState,
                                           waits: list[float]) -> None:
    org.knobs.truncate_next(1)
    assert len(names(accounts(sf))) == ACCOUNTS and len(waits) == 1


def test_a_slow_answer_times_out_and_is_retried(server: RunningServer, org: SalesforceState,
                                                waits: list[float]) -> None:
    org.knobs.delay_next(1, seconds=1.5)
    sf = make(server, org, waits, timeout_seconds=0.3)
    batches = accounts(sf)
    sf.close()
    assert len(waits) == 1 and len(names(batches)) == ACCOUNTS


def test_revoked_session_stops_the_source_at_once_with_a_scrubbed_message(
        sf: SalesforceConnector, org: SalesforceState, waits: list[float],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    org.revoke_session(DEFAULT_SESSION_ID)
    with pytest.raises(SourceStopped) as raised:
        accounts(sf)
    message = str(raised.value)
    assert "401 INVALID_SESSION_ID" in message and message.endswith("refresh the session id")
    assert "sf-main" in message
    assert waits == [] and org.knobs.total_requests() == 1
    assert DEFAULT_SESSION_ID not in message and DEFAULT_SESSION_ID not in caplog.text
    assert raised.value.__suppress_context__  # the SDK error (URL, body) is not chained


def test_daily_request_limit_stops_the_source_without_retrying(
        sf: SalesforceConnector, org: SalesforceState, waits: list[float]) -> None:
    org.set_api_limit(100, used=100)
    batches = sf.pull("accounts", {"accounts": "2026-05-01T06:00:00Z"}, False)
    with pytest.raises(SourceStopped) as raised:
        next(batches)  # nothing yielded: sync keeps the stored cursor
    assert "API request limit reached (TotalRequests" in str(raised.value)
    assert waits == [] and org.knobs.total_requests() == 1


def test_a_malformed_record_is_quarantined_and_the_rest_map(
        sf: SalesforceConnector, org: SalesforceState) -> None:
    org.knobs.malform_next(1)
    (batch,) = accounts(sf)
    assert len(batch.records) == ACCOUNTS - 1
    (bad,) = batch.quarantined
    client_0 = next(r.id for r in org.records.values() if r.values.get("Name") == "Client 0")
    assert bad.error == "row has no Id" and bad.record_key == client_0  # attributes.url
    assert bad.payload["Name"] == "Client 0"
    # the cursor moves on, but an unmappable row makes the listing incomplete
    assert batch.cursor is not None and batch.complete is None


def test_a_configured_ca_bundle_wins_over_the_environment(
        server: RunningServer, org: SalesforceState, waits: list[float], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = tmp_path / "unrelated-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(wrong))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(wrong))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(wrong))
    careful = make(server, org, waits)
    assert len(names(accounts(careful))) == ACCOUNTS
    careful.close()
    trusting_env = make(server, org, waits, ca_bundle=None)
    with pytest.raises(SourceStopped) as raised:
        accounts(trusting_env)
    trusting_env.close()
    assert "TLS verification" in str(raised.value) and "ca_bundle" in str(raised.value)
    assert waits == []


def test_rejected_soql_is_a_loud_bug_not_a_retry(sf: SalesforceConnector,
                                                 org: SalesforceState,
                                                 waits: list[float]) -> None:
    with pytest.raises(QueryRejected) as raised:
        sf.client.query_page("SELECT Nope FROM Account", include_deleted=True)
    assert "400 INVALID_FIELD" in str(raised.value) and "Nope" in str(raised.value)
    with pytest.raises(QueryRejected, match="MALFORMED_QUERY"):
        sf.client.query_page("SELECT Id FROM Account WHERE Name LIKE 'C%'",
                             include_deleted=False)
    assert waits == [] and org.knobs.total_requests() == 2


def test_an_unsupported_api_version_stops_the_source(
        server: RunningServer, org: SalesforceState, waits: list[float]) -> None:
    sf = make(server, org, waits, api_version="99.0")
    with pytest.raises(SourceStopped, match=r"404 NOT_FOUND.*api_version"):
        accounts(sf)
    sf.close()


def test_password_and_jwt_kinds_use_the_sdk_login_options_and_log_in_lazily() -> None:
    """Not run against the replica: simple-salesforce logs in at
    https://{domain}.salesforce.com, which no local replica can answer."""
    password = Auth("password", username="pat@agency.example", password="hunter2-secret",
                    security_token="tok-secret", domain="test")
    assert password.sdk_kwargs("https://acme.my.salesforce.com") == {
        "username": "pat@agency.example", "password": "hunter2-secret",
        "security_token": "tok-secret", "domain": "test"}
    jwt = Auth("jwt", username="pat@agency.example", consumer_key="3MVG9",
               private_key_file="/etc/baton/sf.key", domain="acme.my")
    assert "instance_url" not in jwt.sdk_kwargs("https://acme.my.salesforce.com")
    connector = SalesforceConnector("sf", "https://acme.my.salesforce.com", password)
    assert connector.client._sf is None  # building a connector touches no network
    assert connector.client.scrub("login hunter2-secret tok-secret") == "login *** ***"
    with pytest.raises(ValueError, match="use session, password or jwt"):
        Auth("oauth").sdk_kwargs("https://acme.my.salesforce.com")

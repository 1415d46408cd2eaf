"""simple-salesforce, the official-SDK stand-in named in DESIGN, against the replica over HTTPS.

How a client must trust the replica's CA: simple-salesforce sends every call
through the `requests.Session` it is given and never passes `verify` itself,
so `requests` fills the per-request `verify` from REQUESTS_CA_BUNDLE /
CURL_CA_BUNDLE *before* falling back to `session.verify`. With those set (this
machine sets them, as do many corporate ones) `session.verify = ca_path` is
silently ignored. `session.trust_env = False` makes `session.verify` win (and
also stops environment proxies from capturing loopback traffic); the tests
below prove both halves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceExpiredSession, SalesforceMalformedRequest

from sandbox.knobs import Clock, Knobs
from sandbox.salesforce import DEFAULT_SESSION_ID, SalesforceState, create_app
from sandbox.server import RunningServer, running

T0 = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
PAGE = {"Sforce-Query-Options": "batchSize=200"}
ACCOUNTS = 450


@pytest.fixture(scope="module")
def org() -> SalesforceState:
    state = SalesforceState(Knobs(clock=Clock(T0)))
    owner = state.add_user("pat@agency.example", first_name="Pat", last_name="Producer",
                           email="pat@agency.example")
    for n in range(ACCOUNTS):
        account = state.add_account(f"Client {n:03d}", owner_id=owner)
        if n % 90 == 0:
            state.add_opportunity(f"Deal {n}", stage="Closed Won", close_date=date(2026, 4, 1),
                                  owner_id=owner, account_id=account, amount=1000.0 * n)
    return state


@pytest.fixture(scope="module")
def server(org: SalesforceState) -> Iterator[RunningServer]:
    with running(create_app(org), tls=True) as handle:
        yield handle


def trusting_session(ca_path: Path | None) -> requests.Session:
    session = requests.Session()
    session.verify = str(ca_path)
    session.trust_env = False  # else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override verify
    return session


@pytest.fixture
def sf(server: RunningServer) -> Iterator[Salesforce]:
    """Closes its connections afterwards: uvicorn's shutdown waits for keep-alive ones."""
    client = Salesforce(instance_url=server.base_url, session_id=DEFAULT_SESSION_ID,
                        version="60.0", session=trusting_session(server.ca_path))
    yield client
    client.session.close()


def test_ca_bundle_environment_variables_override_session_verify_unless_trust_env_is_off(
        server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", requests.certs.where())
    naive = requests.Session()
    naive.verify = str(server.ca_path)
    fooled = Salesforce(instance_url=server.base_url, session_id=DEFAULT_SESSION_ID,
                        version="60.0", session=naive)
    with pytest.raises(requests.exceptions.SSLError):
        fooled.limits()
    careful = Salesforce(instance_url=server.base_url, session_id=DEFAULT_SESSION_ID,
                         version="60.0", session=trusting_session(server.ca_path))
    assert careful.limits()["DailyApiRequests"]["Max"] == 15000
    careful.session.close()


def test_query_all_follows_every_page(sf: Salesforce) -> None:
    result = sf.query_all("SELECT Id, Name FROM Account ORDER BY Name", headers=PAGE)
    names = [r["Name"] for r in result["records"]]
    assert names == [f"Client {n:03d}" for n in range(ACCOUNTS)]
    assert sf.api_usage["api-usage"].total == 15000


def test_query_and_query_more_by_url(sf: Salesforce) -> None:
    first = sf.query("SELECT Id FROM Account", headers=PAGE)
    assert (first["totalSize"], first["done"], len(first["records"])) == (ACCOUNTS, False, 200)
    seen = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True, headers=PAGE)
        seen += [r["Id"] for r in page["records"]]
    assert len(set(seen)) == ACCOUNTS


def test_query_all_iter_includes_deleted_rows_with_query_all(
        sf: Salesforce, org: SalesforceState) -> None:
    owner = org.rows("User", include_deleted=False)[0].id
    doomed = org.add_account("Cancelled client", owner_id=owner)
    org.delete(doomed)
    soql = "SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true"
    assert list(sf.query_all_iter(soql, headers=PAGE)) == []
    rows = list(sf.query_all_iter(soql, include_deleted=True, headers=PAGE))
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(doomed, True)]
    org.undelete(doomed)


def test_sobject_deleted_and_updated_windows(sf: Salesforce, org: SalesforceState) -> None:
    org.knobs.clock.advance(timedelta(hours=1))
    deal = org.rows("Opportunity", include_deleted=False)[0].id
    org.update(deal, Amount=5.0)
    gone = org.rows("Opportunity", include_deleted=False)[1].id
    org.delete(gone)
    org.knobs.clock.advance(timedelta(minutes=5))
    start, end = T0 + timedelta(minutes=30), T0 + timedelta(days=1)
    assert sf.Opportunity.updated(start, end)["ids"] == [deal]
    deleted = sf.Opportunity.deleted(start, end)["deletedRecords"]
    assert [d["id"] for d in deleted] == [gone]


def test_limits(sf: Salesforce, org: SalesforceState) -> None:
    body = sf.limits()
    assert body["DailyApiRequests"]["Remaining"] == 15000 - org.api_usage


def test_bad_session_raises_expired_session(server: RunningServer) -> None:
    sf = Salesforce(instance_url=server.base_url, session_id="not-a-session", version="60.0",
                    session=trusting_session(server.ca_path))
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.query("SELECT Id FROM Account")
    sf.session.close()
    assert raised.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_unsupported_soql_raises_malformed_request(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query("SELECT Id FROM Account WHERE Name LIKE 'Client%'")
    assert raised.value.content[0]["errorCode"] == "MALFORMED_QUERY"

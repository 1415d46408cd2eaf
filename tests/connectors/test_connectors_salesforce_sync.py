"""The Salesforce connector with the real simple-salesforce over HTTPS against the replica:
full listings, incremental pulls, deletions, cursor expiry and paging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy.engine import Engine

from connectors.batch import Batch, Scope
from connectors.policy import CallPolicy
from connectors.salesforce import Auth, SalesforceConnector
from model import Account, Identity, RecordState, Task
from sandbox.knobs import Clock, Knobs
from sandbox.org import sample_org
from sandbox.salesforce import DEFAULT_SESSION_ID, SalesforceState, create_app
from sandbox.seed import SALESFORCE_SESSION, new_replicas, pin_clocks, seed
from sandbox.server import RunningServer, running
from tests.link_helpers import stored_urls

T0 = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def org() -> SalesforceState:
    return SalesforceState(Knobs(clock=Clock(T0)))


@pytest.fixture
def server(org: SalesforceState) -> Iterator[RunningServer]:
    with running(create_app(org), tls=True) as handle:
        yield handle


def connector_for(server: RunningServer, state: SalesforceState,
                  session_id: str = DEFAULT_SESSION_ID) -> SalesforceConnector:
    """The connector's clock is the replica's, so signposts and stamps agree."""
    return SalesforceConnector("sf", server.base_url, Auth("session", session_id=session_id),
                               ca_bundle=str(server.ca_path), timeout_seconds=5,
                               policy=CallPolicy(sleep=lambda _: None),
                               now=state.knobs.clock.now)


@pytest.fixture
def sf(server: RunningServer, org: SalesforceState) -> Iterator[SalesforceConnector]:
    connector = connector_for(server, org)
    yield connector
    connector.close()


def sent_queries(connector: SalesforceConnector) -> list[str]:
    """SOQL of every request the connector really sent (observed on its session)."""
    sent: list[str] = []

    def hook(response: requests.Response, *args: object, **kwargs: object) -> None:
        sent.extend(parse_qs(urlsplit(response.url).query).get("q", []))
    connector.client.session.hooks["response"].append(hook)
    return sent


def pull(connector: SalesforceConnector, stream: str, cursor: str | None = None,
         full: bool = False) -> list[Batch]:
    return list(connector.pull(stream, {stream: cursor} if cursor else {}, full))


def ids(batches: list[Batch]) -> list[str]:
    return [r.external_id for b in batches for r in b.records]


def owner(org: SalesforceState) -> str:
    return org.add_user("pat@agency.example", first_name="Pat", last_name="Producer",
                        email="pat@agency.example")


def test_first_sync_of_the_sample_org_lists_every_stream_completely() -> None:
    now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    replicas = new_replicas()
    pin_clocks(replicas, now)
    seeded = seed(sample_org(now), replicas)
    planted = {tool_ids["salesforce"] for tool_ids in seeded.ids.values()
               if "salesforce" in tool_ids}
    with running(create_app(replicas.salesforce), tls=True) as server:
        sf = connector_for(server, replicas.salesforce, SALESFORCE_SESSION)
        pulled = {s: pull(sf, s) for s in sf.streams()}
        sf.close()
    seen = {i.external_id for b in pulled["users"] for i in b.identities}
    seen |= {r.external_id for bs in pulled.values() for b in bs for r in b.records}
    assert seen == planted
    inactive = [i for b in pulled["users"] for i in b.identities if not i.active]
    assert [i.email for i in inactive] == ["felix@fernweh.example"]
    assert pulled["users"][-1].complete is None  # users are never deleted: no scope
    for stream, kind in [("accounts", "account"), ("contacts", "contact"),
                         ("opportunities", "deal"), ("events", "event"), ("tasks", "task")]:
        assert pulled[stream][-1].complete == Scope(kind)
        assert pulled[stream][-1].cursor == "2026-05-04T09:00:00Z"
    assert sum(b.api_calls for bs in pulled.values() for b in bs) == 6
    task = pulled["tasks"][0]
    assert task.assignees == {task.records[0].external_id: [task.records[0].raw["OwnerId"]]}


def test_incremental_pull_sends_the_lookback_cursor_and_returns_only_the_change(
        sf: SalesforceConnector, org: SalesforceState) -> None:
    pat = owner(org)
    first, second = org.add_account("First", owner_id=pat), org.add_account("Second", owner_id=pat)
    org.knobs.clock.advance(timedelta(hours=2))
    cursor = pull(sf, "accounts")[-1].cursor
    assert cursor == "2026-05-01T08:00:00Z"  # a quiet object's cursor: signpost - 1 h
    org.knobs.clock.advance(timedelta(hours=1))
    org.update(second, Name="Second, renamed")
    queries = sent_queries(sf)
    batches = pull(sf, "accounts", cursor)
    assert queries == ["SELECT Id, IsDeleted, SystemModstamp, Name, OwnerId, Description "
                       "FROM Account WHERE SystemModstamp >= 2026-05-01T07:55:00Z "
                       "ORDER BY SystemModstamp, Id"]
    assert ids(batches) == [second] and first not in ids(batches)
    assert batches[-1].complete is None
    assert batches[-1].cursor == "2026-05-01T10:00:00Z"


def test_deletion_becomes_a_tombstone_and_cascades_like_salesforce(
        sf: SalesforceConnector, org: SalesforceState) -> None:
    pat = owner(org)
    client = org.add_account("Client", owner_id=pat)
    contact = org.add_contact("Lee", owner_id=pat, account_id=client)
    kept = org.add_account("Kept", owner_id=pat)
    org.knobs.clock.advance(timedelta(hours=2))  # so the boundary rows do not repeat
    cursors = {s: pull(sf, s)[-1].cursor for s in ("accounts", "contacts")}
    org.knobs.clock.advance(timedelta(hours=1))
    org.delete(client)
    accounts, contacts = pull(sf, "accounts", cursors["accounts"]), pull(
        sf, "contacts", cursors["contacts"])
    assert [t for b in accounts for t in b.tombstones] == [("account", client)]
    assert [t for b in contacts for t in b.tombstones] == [("contact", contact)]
    assert kept not in ids(accounts) and ids(accounts) == [] and ids(contacts) == []


def test_cursor_older_than_the_recycle_bin_relists_and_only_the_listing_decides(
        sf: SalesforceConnector, org: SalesforceState) -> None:
    pat = owner(org)
    live = org.add_account("Live", owner_id=pat)
    purged = org.add_account("Purged", owner_id=pat)
    binned = org.add_account("Binned", owner_id=pat)
    cursor = pull(sf, "accounts")[-1].cursor
    org.knobs.clock.advance(timedelta(hours=1))
    org.delete(purged)
    org.knobs.clock.advance(timedelta(days=16))  # purged leaves the recycle bin for good
    org.delete(binned)
    queries = sent_queries(sf)
    batches = pull(sf, "accounts", cursor)
    assert "WHERE" not in queries[0]
    assert batches[-1].complete == Scope("account")
    assert ids(batches) == [live]
    assert [t for b in batches for t in b.tombstones] == [("account", binned)]
    stored = {live, purged, binned}
    unseen = stored - set(ids(batches)) - {i for b in batches for _, i in b.tombstones}
    assert unseen == {purged}  # what sync tombstones through the complete scope


def test_full_pull_ignores_a_fresh_cursor(sf: SalesforceConnector, org: SalesforceState) -> None:
    account = org.add_account("Only", owner_id=owner(org))
    cursor = pull(sf, "accounts")[-1].cursor
    batches = pull(sf, "accounts", cursor, full=True)
    assert ids(batches) == [account] and batches[-1].complete == Scope("account")


def test_cursor_never_passes_the_sync_start(server: RunningServer,
                                            org: SalesforceState) -> None:
    """The replica's clock runs ahead of the connector's: rows stamped after the
    signpost are kept, but the cursor stops at the signpost (they repeat next run)."""
    org.add_account("From the future", owner_id=owner(org))
    behind = SalesforceConnector("sf", server.base_url, Auth("session", DEFAULT_SESSION_ID),
                                 ca_bundle=str(server.ca_path),
                                 now=lambda: T0 - timedelta(minutes=30))
    batches = pull(behind, "accounts")
    behind.close()
    assert len(ids(batches)) == 1 and batches[-1].cursor == "2026-05-01T06:30:00Z"


def test_users_are_identities_and_deactivation_is_seen(sf: SalesforceConnector,
                                                       org: SalesforceState) -> None:
    pat = owner(org)
    cursor = pull(sf, "users")[-1].cursor
    org.knobs.clock.advance(timedelta(hours=1))
    org.update(pat, IsActive=False)
    batches = pull(sf, "users", cursor)
    (identity,) = [i for b in batches for i in b.identities]
    assert isinstance(identity, Identity)
    assert (identity.external_id, identity.active, identity.display_name) == (
        pat, False, "Pat Producer")
    assert [r for b in batches for r in b.records] == []


def test_closed_task_is_completed_with_its_owner_as_assignee(sf: SalesforceConnector,
                                                             org: SalesforceState) -> None:
    pat = owner(org)
    client = org.add_account("Client", owner_id=pat)
    deal = org.add_opportunity("Gala", stage="Closed Won", close_date=date(2026, 6, 1),
                               owner_id=pat, account_id=client)
    task = org.add_task("Send contract", owner_id=pat, status="Completed",
                        activity_date=date(2026, 5, 8), what_id=deal)
    (batch,) = pull(sf, "tasks")
    (record,) = batch.records
    assert isinstance(record, Task)
    assert (record.external_id, record.state, record.due_on, record.due_at) == (
        task, RecordState.completed, date(2026, 5, 8), None)
    assert (record.deal_external_id, record.account_external_id) == (deal, client)
    assert batch.assignees == {task: [pat]}


@pytest.fixture
def big_org(org: SalesforceState) -> SalesforceState:
    pat = owner(org)
    for n in range(2100):  # > one 2000-row batch
        org.add_account(f"Client {n:04d}", owner_id=pat)
    return org


def test_a_full_listing_follows_every_page_and_stores_its_cursor_only_at_the_end(
        sf: SalesforceConnector, big_org: SalesforceState) -> None:
    batches = pull(sf, "accounts")
    assert [len(b.records) for b in batches] == [2000, 100]
    assert [b.cursor for b in batches] == [None, "2026-05-01T07:00:00Z"]
    assert [b.complete for b in batches] == [None, Scope("account")]
    assert [b.api_calls for b in batches] == [1, 1]
    assert len(set(ids(batches))) == 2100


def test_an_expired_query_locator_resumes_from_the_highest_stamp_seen(
        sf: SalesforceConnector, big_org: SalesforceState) -> None:
    queries = sent_queries(sf)
    batches = sf.pull("accounts", {}, False)
    first = next(batches)
    big_org.knobs.clock.advance(timedelta(minutes=16))  # the locator idles out
    rest = list(batches)
    assert len(first.records) == 2000
    assert len(queries) == 2 and "WHERE SystemModstamp >= 2026-05-01T07:00:00Z" in queries[1]
    assert set(ids([first, *rest])) == {a.id for a in big_org.rows("Account",
                                                                    include_deleted=False)}
    assert rest[-1].complete == Scope("account")


def test_records_carry_deep_links_and_raw_payloads(sf: SalesforceConnector,
                                                  org: SalesforceState) -> None:
    account = org.add_account("Linked", owner_id=owner(org))
    (batch,) = pull(sf, "accounts")
    (record,) = batch.records
    assert isinstance(record, Account)
    assert record.url == f"{sf.ctx.instance_url}/lightning/r/Account/{account}/view"
    assert record.raw["attributes"]["type"] == "Account"
    assert record.remote_updated_at == T0


def test_descriptions_of_deals_accounts_and_activities_reach_link_detection(
        sf: SalesforceConnector, org: SalesforceState, engine: Engine) -> None:
    """Every record that can hold a pasted URL is selected with its `Description`, and the
    stored row gives it to link detection (deals and accounts have no column for it)."""
    pat = owner(org)
    card, task = "https://trello.com/c/AbCd1234", "https://app.asana.com/0/0/1211440849237760/f"
    client = org.add_account("Client", owner_id=pat, description=f"Board: {card}")
    deal = org.add_opportunity("Gala", stage="Prospecting", close_date=date(2026, 6, 1),
                               owner_id=pat, account_id=client, description=f"Plan: {task}")
    call = org.add_task("Call", owner_id=pat, what_id=deal, description=f"see {card}.")
    stored = [r for stream in ("accounts", "opportunities", "tasks")
              for b in pull(sf, stream) for r in b.records]
    found = stored_urls(engine, *stored)
    assert {ref: list(urls) for ref, urls in found.items()} == {
        ("account", "sf", client): [card], ("deal", "sf", deal): [task],
        ("task", "sf", call): [card]}

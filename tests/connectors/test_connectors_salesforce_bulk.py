"""Full Salesforce listings through Bulk API 2.0 query jobs, against the replica over HTTPS:
the same records as REST, the threshold, tombstones, quarantine, retries, failures, and
the database after a full sync through either path."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from baton.config import BatonConfig
from baton.connect import build_connector
from baton.database import make_engine
from baton.sources import SalesforceSource
from connectors.batch import Batch, Scope
from connectors.errors import ConnectorError, SourceStopped
from connectors.policy import CallPolicy
from connectors.salesforce import Auth, SalesforceConnector
from connectors.salesforce.bulk import FIELD_TYPES, BulkJobFailed, json_row, read_page
from connectors.salesforce.mapping import parse_datetime
from connectors.salesforce.streams import STREAMS
from model import RunStatus
from sandbox.knobs import Clock, Knobs
from sandbox.run import RunningSandbox
from sandbox.salesforce import DEFAULT_SESSION_ID, SalesforceState, create_app
from sandbox.salesforce.bulk import csv_value
from sandbox.salesforce.schema import lookup_object, wire_value
from sandbox.seed import SALESFORCE_SESSION
from sandbox.server import RunningServer, running
from tests.conftest import both_backends
from tests.sync.sync_helpers import NOW, snapshot, sync, write_config

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples" / "salesforce"
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
CREATE_JOB = "POST /services/data/v{version}/jobs/query"


@pytest.fixture
def org() -> SalesforceState:
    state = SalesforceState(Knobs(clock=Clock(T0)))
    pat = state.add_user("pat@agency.example", first_name="Pat", last_name="Producer",
                         email="pat@agency.example")
    client = state.add_account('Client, "Big"\nTwo lines', owner_id=pat)
    for n in range(3):
        state.add_account(f"Client {n}", owner_id=pat)
    lee = state.add_contact("Lee", owner_id=pat, account_id=client, email="lee@client.example")
    state.add_opportunity("Gala", stage="Closed Won", close_date=date(2026, 12, 1),
                          owner_id=pat, account_id=client, amount=15000.5)
    state.add_event("Kickoff", start=T0, end=T0 + timedelta(hours=1), owner_id=pat,
                    who_id=lee)
    state.add_event("Offsite", start=T0, end=T0 + timedelta(days=2), owner_id=pat,
                    is_all_day=True, what_id=client)
    state.add_task("Send brief", owner_id=pat, status="Completed",
                   activity_date=date(2026, 11, 3), what_id=client)
    state.knobs.clock.advance(timedelta(minutes=10))
    state.delete(state.add_account("Binned", owner_id=pat))
    state.knobs.clock.advance(timedelta(hours=2))
    return state


@pytest.fixture
def server(org: SalesforceState) -> Iterator[RunningServer]:
    with running(create_app(org), tls=True) as handle:
        yield handle


@pytest.fixture
def waits() -> list[float]:
    return []


def make(server: RunningServer, org: SalesforceState, waits: list[float],
         threshold: int | None) -> SalesforceConnector:
    return SalesforceConnector(
        "sf", server.base_url, Auth("session", session_id=DEFAULT_SESSION_ID),
        ca_bundle=str(server.ca_path), timeout_seconds=5, bulk_threshold_records=threshold,
        policy=CallPolicy(sleep=waits.append), now=org.knobs.clock.now)


@pytest.fixture
def rest(server: RunningServer, org: SalesforceState,
         waits: list[float]) -> Iterator[SalesforceConnector]:
    connector = make(server, org, waits, None)
    yield connector
    connector.close()


@pytest.fixture
def bulk(server: RunningServer, org: SalesforceState,
         waits: list[float]) -> Iterator[SalesforceConnector]:
    connector = make(server, org, waits, 0)
    yield connector
    connector.close()


def pull(connector: SalesforceConnector, stream: str, cursor: str | None = None) -> list[Batch]:
    return list(connector.pull(stream, {stream: cursor} if cursor else {}, False))


def listing(batches: list[Batch]) -> dict[str, Any]:
    """What sync takes from a pull, in an order-free form."""
    def dumped(items: list[Any]) -> list[str]:
        return sorted(json.dumps(i.model_dump(exclude={"synced_at", "first_seen_at",
                                                       "last_seen_at"}), default=str,
                                 sort_keys=True) for i in items)
    return {"records": dumped([r for b in batches for r in b.records]),
            "identities": dumped([i for b in batches for i in b.identities]),
            "tombstones": sorted(t for b in batches for t in b.tombstones),
            "assignees": {k: v for b in batches for k, v in b.assignees.items()},
            "quarantined": [q for b in batches for q in b.quarantined],
            "cursor": batches[-1].cursor, "complete": batches[-1].complete}


def jobs_created(org: SalesforceState) -> int:
    return org.knobs.counters[CREATE_JOB]


# -- the conversion -----------------------------------------------------------------------

def test_every_field_a_stream_selects_has_a_csv_type() -> None:
    selected = {f for stream in STREAMS for f in stream.fields}
    assert sorted(selected - set(FIELD_TYPES)) == []


@pytest.mark.parametrize(("field", "text", "expected"), [
    ("IsDeleted", "true", True), ("IsDeleted", "false", False), ("IsActive", "", None),
    ("SystemModstamp", "2026-11-01T10:00:00.000Z", "2026-11-01T10:00:00.000+0000"),
    ("StartDateTime", "2026-11-01T10:00:00Z", "2026-11-01T10:00:00.000+0000"),
    ("EndDateTime", "", None), ("CloseDate", "2026-12-01", "2026-12-01"),
    ("ActivityDate", "", None), ("Amount", "15000.5", 15000.5), ("Amount", "15000", 15000.0),
    ("Amount", "", None), ("DurationInMinutes", "1440", 1440), ("Name", "", None),
    ("Description", 'Say "hi",\nthen go', 'Say "hi",\nthen go'),
])
def test_csv_text_becomes_the_json_value_rest_sends(field: str, text: str,
                                                    expected: object) -> None:
    row = json_row({"Id": "001Sb0000000001AAA", field: text}, "Account", "60.0")
    assert row[field] == expected and type(row[field]) is type(expected)
    assert row["attributes"] == {
        "type": "Account", "url": "/services/data/v60.0/sobjects/Account/001Sb0000000001AAA"}


@pytest.mark.parametrize(("field", "text"), [
    ("IsDeleted", "TRUE"), ("IsDeleted", "1"), ("SystemModstamp", "2026-11-01 10:00:00"),
    ("SystemModstamp", "2026-11-01T10:00:00.000+0000"), ("Amount", "a lot"),
    ("DurationInMinutes", "90.5"),
])
def test_text_not_of_its_fields_type_is_refused(field: str, text: str) -> None:
    with pytest.raises(ValueError):
        json_row({"Id": "001Sb0000000001AAA", field: text}, "Account", "60.0")


@pytest.mark.parametrize(("values", "error", "key"), [
    (["001Sb0000000001AAA", "maybe"], "not a CSV boolean: 'maybe'", "001Sb0000000001AAA"),
    (["001Sb0000000001AAA"], "row has 1 values for 2 columns", "001Sb0000000001AAA"),
    (["001Sb0000000001AAA", "true", "x"], "row has 3 values for 2 columns",
     "001Sb0000000001AAA"),
    ([], "row has 0 values for 2 columns", None),
])
def test_a_row_that_does_not_read_is_set_aside_with_the_others_read(
        values: list[str], error: str, key: str | None) -> None:
    good = ["001Sb0000000002AAA", "false"]
    page = read_page(["Id", "IsDeleted"], [values, good], "Account", "60.0", str)
    assert [r["Id"] for r in page["records"]] == ["001Sb0000000002AAA"]
    (bad,) = page["quarantined"]
    assert bad.error == error
    assert bad.record_key == key if key else bad.record_key.startswith("sha256:")


KINDS = {f.name: f.kind for name in ("Account", "Opportunity", "Event", "Task", "User")
         for f in lookup_object(name).fields if f.name in FIELD_TYPES}  # type: ignore[union-attr]
VALUES = {
    "boolean": st.booleans(), "double": st.floats(-1e9, 1e9).map(lambda x: round(x, 2)),
    "currency": st.floats(-1e9, 1e9).map(lambda x: round(x, 2)), "int": st.integers(0, 10**6),
    "date": st.dates(), "id": st.just("001Sb0000000001AAA"),
    "reference": st.just("005Sb0000000001AAA"), "string": st.text(min_size=1),
    "picklist": st.sampled_from(["Closed Won", "Not Started"]),
    "datetime": st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1),
                             timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_value_the_replica_writes_as_csv_reads_back_as_its_rest_json(
        data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(sorted(KINDS)))
    kind = KINDS[field]
    value = data.draw(st.one_of(st.none(), VALUES[kind]))
    expected = wire_value(kind, value)
    got = json_row({field: csv_value(kind, value)}, "Account", "60.0")[field]
    assert got == expected
    if kind == "datetime" and value is not None:
        assert parse_datetime(got, field) == value


def test_the_documented_results_and_job_answers_read_as_the_client_expects() -> None:
    text = (SAMPLES / "jobs_query_results.documented.csv").read_text()
    rows = [json_row(r, "User", "60.0") for r in csv.DictReader(io.StringIO(text, newline=""))]
    assert [(r["Id"], r["Name"]) for r in rows][:1] == [("005R0000000UyrWIAS", "Jane Dunn")]
    assert len(rows) == 3
    created = json.loads((SAMPLES / "jobs_query_create.documented.json").read_text())
    assert isinstance(created["id"], str) and created["state"] == "UploadComplete"


# -- pulls --------------------------------------------------------------------------------

@pytest.mark.parametrize("stream", [s.name for s in STREAMS])
def test_a_bulk_full_listing_equals_the_rest_one(
        rest: SalesforceConnector, bulk: SalesforceConnector, org: SalesforceState,
        stream: str) -> None:
    by_rest = listing(pull(rest, stream))
    assert jobs_created(org) == 0
    by_bulk = listing(pull(bulk, stream))
    assert jobs_created(org) == 1
    assert by_bulk == by_rest
    assert by_rest["records"] or by_rest["identities"]


def test_recycle_bin_rows_become_tombstones_and_the_listing_is_complete(
        bulk: SalesforceConnector, org: SalesforceState, waits: list[float]) -> None:
    batches = pull(bulk, "accounts")
    binned = next(r.id for r in org.records.values() if r.values.get("Name") == "Binned")
    assert [t for b in batches for t in b.tombstones] == [("account", binned)]
    assert batches[-1].complete == Scope("account")
    assert batches[-1].cursor == "2026-11-01T11:10:00Z"  # signpost - QUIET_LAG, as REST
    assert all(b.cursor is None for b in batches[:-1])
    assert waits == [0.2]  # polled twice, one backoff wait in between
    assert sum(b.api_calls for b in batches) == 5  # REST page, create, 2 polls, 1 set


def test_the_threshold_is_on_the_size_of_the_listing(server: RunningServer,
                                                     org: SalesforceState) -> None:
    size = len(org.rows("Account", include_deleted=True))  # queryAll counts the bin
    for threshold, expected_jobs in ((size, 0), (size - 1, 1)):
        connector = make(server, org, [], threshold)
        pull(connector, "accounts")
        connector.close()
        assert jobs_created(org) == expected_jobs


def test_incremental_pulls_stay_on_rest_after_a_bulk_full_listing(
        bulk: SalesforceConnector, org: SalesforceState) -> None:
    cursor = pull(bulk, "accounts")[-1].cursor
    org.knobs.clock.advance(timedelta(hours=1))
    changed = next(r.id for r in org.records.values() if r.values.get("Name") == "Client 1")
    org.update(changed, Name="Client 1, renamed")
    batches = pull(bulk, "accounts", cursor)
    assert jobs_created(org) == 1
    assert [r.external_id for b in batches for r in b.records] == [changed]
    assert batches[-1].complete is None


def test_results_come_in_sets_and_batches_with_the_cursor_only_at_the_end(
        bulk: SalesforceConnector, org: SalesforceState,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("connectors.salesforce.bulk.RESULT_SET_RECORDS", 3)
    monkeypatch.setattr("connectors.salesforce.bulk.BATCH_RECORDS", 2)
    batches = pull(bulk, "accounts")
    assert [len(b.records) + len(b.tombstones) for b in batches] == [2, 1, 2]
    assert [b.cursor is not None for b in batches] == [False, False, True]
    assert org.knobs.counters["GET /services/data/v{version}/jobs/query/{job_id}/results"] == 2
    assert batches[-1].complete == Scope("account")


@pytest.mark.parametrize("form", ["default", "id_missing"])
def test_a_row_that_does_not_read_is_quarantined_and_the_listing_is_not_complete(
        bulk: SalesforceConnector, org: SalesforceState, form: Any) -> None:
    org.knobs.malform_next(1, path_contains="/results", form=form)
    batches = pull(bulk, "accounts")
    (bad,) = [q for b in batches for q in b.quarantined]
    assert batches[-1].complete is None
    assert len([r for b in batches for r in b.records]) == 3
    if form == "default":
        assert "not a CSV datetime" in bad.error and bad.record_key.startswith("001")
    else:
        assert bad.error == "row has no Id" and bad.record_key.startswith("sha256:")


def test_a_cut_off_results_set_and_a_busy_server_are_retried(
        bulk: SalesforceConnector, org: SalesforceState, waits: list[float]) -> None:
    org.knobs.truncate_next(1, path_contains="/results")
    org.knobs.fail_next(1, status=503, path_contains="/jobs/query")
    batches = pull(bulk, "accounts")
    assert batches[-1].complete == Scope("account")
    assert len([r for b in batches for r in b.records]) == 4
    assert org.knobs.counters["GET /services/data/v{version}/jobs/query/{job_id}/results"] == 2
    assert jobs_created(org) == 1  # the 503 refused the POST: sent again, created once


def test_a_job_creation_that_may_have_happened_is_not_sent_again(
        bulk: SalesforceConnector, org: SalesforceState) -> None:
    org.knobs.fail_next(1, status=500, path_contains="/jobs/query")
    with pytest.raises(ConnectorError, match="500"):
        pull(bulk, "accounts")
    assert org.knobs.total_requests() == 2  # the REST page and the one POST


def test_a_failed_job_fails_the_stream_with_its_error_message(
        bulk: SalesforceConnector, org: SalesforceState) -> None:
    org.knobs.fail_job_next(query_contains="FROM Account")
    with pytest.raises(BulkJobFailed) as raised:
        pull(bulk, "accounts")
    message = str(raised.value)
    assert message.startswith("sf: accounts: Bulk API query job 750")
    assert "Failed: Retried more than 15 times" in message


def test_a_revoked_session_stops_the_source_with_a_scrubbed_message(
        bulk: SalesforceConnector, org: SalesforceState,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    org.knobs.fail_next(1, status=401, path_contains="/jobs/query")
    with pytest.raises(SourceStopped) as raised:
        pull(bulk, "accounts")
    message = str(raised.value)
    assert "POST jobs/query /services/data/v60.0/jobs/query answered 401" in message
    assert DEFAULT_SESSION_ID not in message and DEFAULT_SESSION_ID not in caplog.text
    assert raised.value.__suppress_context__  # the SDK error (URL, body) is not chained


# -- configuration and sync --------------------------------------------------------------

def with_threshold(config: BatonConfig, threshold: int | None) -> BatonConfig:
    sources = [s.model_copy(update={"bulk_threshold_records": threshold})
               if isinstance(s, SalesforceSource) else s for s in config.sources]
    return config.model_copy(update={"sources": sources})


def test_the_threshold_is_configured_per_source(sandbox: RunningSandbox,
                                                tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path, f"sqlite:///{tmp_path}/baton.db")
    (source,) = [s for s in config.sources if isinstance(s, SalesforceSource)]
    assert source.bulk_threshold_records == 100_000
    for threshold in (0, None):
        connector = build_connector(with_threshold(config, threshold).sources[
            config.sources.index(source)], T0)
        assert isinstance(connector, SalesforceConnector)
        assert connector.bulk.threshold == threshold
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        source.model_validate({**source.model_dump(), "bulk_threshold_records": -1})


@both_backends
def test_a_full_sync_through_bulk_leaves_the_database_as_rest_does(
        sandbox: RunningSandbox, tmp_path: Path, engine: Engine) -> None:
    config = write_config(sandbox, tmp_path, "sqlite:///unused.db")
    jobs = sandbox.replicas.salesforce.knobs.counters
    outcome, code = sync(with_threshold(config, None), engine, NOW,
                         sources=["salesforce"], full=True)
    assert code == 0 and jobs[CREATE_JOB] == 0
    by_rest = snapshot(engine)
    outcome, code = sync(with_threshold(config, 0), engine, NOW,
                         sources=["salesforce"], full=True)
    assert code == 0 and jobs[CREATE_JOB] == len(STREAMS)
    assert snapshot(engine) == by_rest
    (result,) = outcome.results
    assert [s.deleted for s in result.streams] == [0] * len(STREAMS)
    outcome, code = sync(with_threshold(config, 0), engine, NOW,
                         sources=["salesforce"])
    assert code == 0 and jobs[CREATE_JOB] == len(STREAMS)  # incremental: REST only


def test_a_first_sync_through_bulk_stores_what_a_first_sync_through_rest_stores(
        sandbox: RunningSandbox, tmp_path: Path) -> None:
    stored = {}
    for threshold in (None, 0):
        url = f"sqlite:///{tmp_path}/baton-{threshold}.db"
        config = with_threshold(write_config(sandbox, tmp_path, url), threshold)
        engine = make_engine(url)
        assert sync(config, engine, NOW, sources=["salesforce"])[1] == 0
        stored[threshold] = snapshot(engine)
        engine.dispose()
    assert stored[0] == stored[None] and stored[0]["account"]


def test_a_failed_job_fails_that_stream_only_and_the_others_commit(
        sandbox: RunningSandbox, tmp_path: Path, engine: Engine) -> None:
    config = with_threshold(write_config(sandbox, tmp_path, "sqlite:///unused.db"), 0)
    sandbox.replicas.salesforce.knobs.fail_job_next(query_contains="FROM Contact")
    outcome, code = sync(config, engine, NOW, sources=["salesforce"])
    (result,) = outcome.results
    statuses = {s.stream: s.status for s in result.streams}
    assert code == 1 and result.status is RunStatus.partial
    assert statuses.pop("contacts") is RunStatus.failed
    assert set(statuses.values()) == {RunStatus.ok}
    failed = next(s for s in result.streams if s.stream == "contacts")
    assert failed.error is not None and "Retried more than 15 times" in failed.error
    assert SALESFORCE_SESSION not in str(outcome.results)
    assert snapshot(engine)["account"] and not snapshot(engine)["contact"]

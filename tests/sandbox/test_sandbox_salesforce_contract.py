"""The Salesforce replica answers in the shapes of the recorded/documented samples.

In-process (Starlette's test client) for speed; the SDK tests cover real HTTPS.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.knobs import Clock, Knobs
from sandbox.salesforce import DEFAULT_SESSION_ID, SalesforceState, create_app
from sandbox.salesforce.schema import checksum, lookup_object

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples" / "salesforce"
AUTH = {"Authorization": f"Bearer {DEFAULT_SESSION_ID}"}
T0 = datetime(2026, 5, 1, 7, 25, 37, tzinfo=UTC)
ERROR_SHAPE = [{"message": "", "errorCode": ""}]


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def same_shape(replica: object, real: object, path: str = "$") -> list[str]:
    """Differences in structure: keys, value types, nesting. A null on either side
    matches anything (the samples have nulls where the replica has data and back)."""
    if replica is None or real is None:
        return []
    if isinstance(real, dict):
        if not isinstance(replica, dict):
            return [f"{path}: object expected"]
        extra = sorted(set(replica) - set(real))
        problems = [f"{path}: keys the real API lacks: {extra}"] if extra else []
        missing = sorted(set(real) - set(replica))
        problems += [f"{path}: missing keys {missing}"] if missing else []
        return problems + [p for k in set(real) & set(replica)
                           for p in same_shape(replica[k], real[k], f"{path}.{k}")]
    if isinstance(real, list):
        if not isinstance(replica, list):
            return [f"{path}: array expected"]
        return [p for item in replica[:3] for p in same_shape(item, real[0], f"{path}[]")] \
            if real else []
    numeric = (int, float)
    if isinstance(real, bool) or isinstance(replica, bool):
        return [] if type(real) is type(replica) else [f"{path}: bool vs {replica!r}"]
    if isinstance(real, numeric) and isinstance(replica, numeric):
        return []
    return [] if type(real) is type(replica) else [f"{path}: {real!r} vs {replica!r}"]


def restrict(record: dict[str, object], keys: set[str]) -> dict[str, object]:
    return {k: v for k, v in record.items() if k in keys or k == "attributes"}


@pytest.fixture
def org() -> SalesforceState:
    state = SalesforceState(Knobs(clock=Clock(T0)))
    admin = state.add_user("ann@agency.example", first_name="Ann", last_name="Admin",
                           email="ann@agency.example", profile="System Administrator")
    acme = state.add_account("Acme Events", owner_id=admin, industry="Media")
    state.add_contact("Gonzalez", first_name="Rose", email="rose@acme.example",
                      account_id=acme, owner_id=admin)
    state.add_opportunity("Acme Gala", stage="Closed Won", close_date=date(2026, 3, 8),
                          owner_id=admin, account_id=acme, amount=15000)
    state.add_opportunity("Acme Expo", stage="Qualification", close_date=date(2026, 6, 1),
                          owner_id=admin, account_id=acme)
    return state


@pytest.fixture
def owner(org: SalesforceState) -> str:
    return org.rows("User", include_deleted=False)[0].id


@pytest.fixture
def client(org: SalesforceState) -> TestClient:
    return TestClient(create_app(org))


def soql(client: TestClient, q: str, *, all_rows: bool = False, version: str = "59.0",
         headers: dict[str, str] | None = None) -> dict[str, Any]:
    endpoint = "queryAll" if all_rows else "query"
    response = client.get(f"/services/data/v{version}/{endpoint}", params={"q": q},
                          headers={**AUTH, **(headers or {})})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("name", ["query_users.json", "query_contacts.json",
                                  "query_opportunities.json", "queryAll_accounts.json"])
def test_query_responses_have_the_samples_structure(client: TestClient, name: str) -> None:
    real = sample(name)
    real_record = real["records"][0]
    sobject = real_record["attributes"]["type"]
    described = lookup_object(sobject)
    assert described is not None
    known = [k if described.field(k) else f"{k}.Name" for k in real_record
             if described.field(k) or described.relationship(k)]
    replica = soql(client, f"SELECT {', '.join(known)} FROM {sobject} ORDER BY SystemModstamp",
                   all_rows=name.startswith("queryAll"))
    assert replica["records"], name
    shown = {k.split(".")[0] for k in known}
    for record in replica["records"]:
        assert same_shape(record, restrict(real_record, shown)) == []
        assert list(record)[1:] == [k for k in real_record if k in shown]
    assert same_shape({k: v for k, v in replica.items() if k != "records"},
                      {k: v for k, v in real.items() if k != "records"}) == []


def test_records_carry_attributes_and_wire_formats_like_the_samples(client: TestClient) -> None:
    record = soql(client, "SELECT Id, CloseDate, SystemModstamp, Amount FROM Opportunity "
                          "WHERE Amount != null")["records"][0]
    assert record["attributes"] == {
        "type": "Opportunity", "url": f"/services/data/v59.0/sobjects/Opportunity/{record['Id']}"}
    assert re.fullmatch(r"006[0-9A-Za-z]{15}", record["Id"])
    assert record["Id"][15:] == checksum(record["Id"][:15])
    assert record["SystemModstamp"] == "2026-05-01T07:25:37.000+0000"
    assert record["CloseDate"] == "2026-03-08"


def test_samples_ids_checksum_the_way_the_replica_computes_it() -> None:
    for record in sample("query_users.json")["records"]:
        assert record["Id"][15:] == checksum(record["Id"][:15])


def test_paging_matches_the_page_and_last_page_samples(client: TestClient,
                                                       org: SalesforceState, owner: str) -> None:
    for n in range(449):
        org.add_account(f"Account {n:03d}", owner_id=owner)
    first = soql(client, "SELECT Id, Name FROM Account", headers={
        "Sforce-Query-Options": "batchSize=200"})
    real_first = sample("query_accounts_page1_done_false.json")
    keys = {"Id", "Name"}
    assert list(first) == list(real_first)
    assert (first["totalSize"], first["done"], len(first["records"])) == (450, False, 200)
    assert re.fullmatch(r"/services/data/v59\.0/query/0r8xx[0-9A-Za-z]{13}-200",
                        first["nextRecordsUrl"])
    assert same_shape(first["records"][0], restrict(
        real_first["records"][0], keys)) == []
    second = client.get(first["nextRecordsUrl"], headers={
        **AUTH, "Sforce-Query-Options": "batchSize=200"}).json()
    last = client.get(second["nextRecordsUrl"].replace("/query/", "/queryAll/"),
                      headers=AUTH).json()
    real_last = sample("query_more_last_page.json")
    assert list(last) == list(real_last)
    assert (last["done"], len(last["records"])) == (True, 50)
    names = [r["Name"] for page in (first, second, last) for r in page["records"]]
    assert len(set(names)) == 450


def test_batch_size_defaults_to_2000_and_is_kept_within_200_to_2000(
        client: TestClient, org: SalesforceState, owner: str) -> None:
    for n in range(2100):
        org.add_account(f"Bulk {n}", owner_id=owner)
    assert len(soql(client, "SELECT Id FROM Account")["records"]) == 2000
    tiny = soql(client, "SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(tiny["records"]) == 200
    capped = soql(client, "SELECT Id FROM Account LIMIT 300")
    assert (capped["totalSize"], capped["done"]) == (300, True)


def test_query_hides_deleted_rows_and_query_all_shows_them_until_purged(
        client: TestClient, org: SalesforceState) -> None:
    acme = soql(client, "SELECT Id FROM Account WHERE Name = 'ACME events'")["records"][0]["Id"]
    org.knobs.clock.advance(timedelta(hours=1))
    org.delete(acme)
    q = "SELECT Id, IsDeleted, SystemModstamp FROM Opportunity WHERE SystemModstamp > " \
        "2026-05-01T08:00:00Z"
    assert soql(client, q)["totalSize"] == 0
    cascade = soql(client, q, all_rows=True)["records"]
    assert [r["IsDeleted"] for r in cascade] == [True, True]
    assert cascade[0]["SystemModstamp"] == "2026-05-01T08:25:37.000+0000"
    assert soql(client, "SELECT Id FROM Account WHERE IsDeleted = true")["totalSize"] == 0
    org.knobs.clock.advance(timedelta(days=15))
    assert soql(client, q, all_rows=True)["totalSize"] == 0


def test_closed_won_and_updates_set_derived_fields_and_bump_modstamps(
        client: TestClient, org: SalesforceState) -> None:
    expo = soql(client, "SELECT Id, IsClosed, IsWon FROM Opportunity WHERE Name = 'Acme Expo'")
    assert expo["records"][0]["IsClosed"] is False
    org.knobs.clock.advance(timedelta(minutes=5, microseconds=123456))
    org.update(expo["records"][0]["Id"], StageName="Closed Won")
    after = soql(client, "SELECT IsClosed, IsWon, LastModifiedDate, SystemModstamp, CreatedDate "
                         "FROM Opportunity WHERE SystemModstamp >= 2026-05-01T07:30:37.000+0000")
    assert after["records"][0] | {"attributes": None} == {
        "attributes": None, "IsClosed": True, "IsWon": True,
        "LastModifiedDate": "2026-05-01T07:30:37.000+0000",
        "SystemModstamp": "2026-05-01T07:30:37.000+0000",
        "CreatedDate": "2026-05-01T07:25:37.000+0000"}


def test_relationship_fields_nest_like_profile_name_in_the_users_sample(
        client: TestClient) -> None:
    record = soql(client, "SELECT Name, Account.Name, Owner.Profile.Name, Account.Owner.Email "
                          "FROM Contact")["records"][0]
    assert record["Account"]["Name"] == "Acme Events"
    assert record["Account"]["Owner"]["Email"] == "ann@agency.example"
    assert record["Owner"]["Profile"]["attributes"]["type"] == "Profile"
    assert record["Owner"]["Profile"]["Name"] == "System Administrator"
    nobody = soql(client, "SELECT Account.Name FROM Opportunity WHERE AccountId = null")
    assert nobody["totalSize"] == 0


@pytest.mark.parametrize(("q", "status", "code"), [
    ("SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b'", 400, "MALFORMED_QUERY"),
    ("SELECT Id FROM Account OFFSET 5", 400, "MALFORMED_QUERY"),
    ("SELECT Id, Nmae FROM Account", 400, "INVALID_FIELD"),
    ("SELECT Id, Owner.Nmae FROM Account", 400, "INVALID_FIELD"),
    ("SELECT Id, Boss.Name FROM Account", 400, "INVALID_FIELD"),
    ("SELECT IsDeleted FROM User", 400, "INVALID_FIELD"),
    ("SELECT Id FROM Acount", 400, "INVALID_TYPE"),
    ("SELECT Id FROM Account WHERE SystemModstamp > '2026-01-01T00:00:00Z'", 400,
     "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Name = 5", 400, "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE IsDeleted > false", 400, "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Account WHERE OwnerId = 'nope'", 400, "INVALID_QUERY_FILTER_OPERATOR"),
])
def test_bad_soql_gets_salesforce_error_arrays(client: TestClient, q: str, status: int,
                                               code: str) -> None:
    response = client.get("/services/data/v60.0/query", params={"q": q}, headers=AUTH)
    assert response.status_code == status
    assert same_shape(response.json(), ERROR_SHAPE) == []
    assert response.json()[0]["errorCode"] == code
    assert "ERROR at Row:1:Column:" in response.json()[0]["message"]


def test_missing_query_string_is_malformed(client: TestClient) -> None:
    response = client.get("/services/data/v60.0/query/", headers=AUTH)
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, "MALFORMED_QUERY")


def test_stale_or_unknown_query_locator_is_invalid(client: TestClient,
                                                   org: SalesforceState, owner: str) -> None:
    for n in range(250):
        org.add_account(f"A{n}", owner_id=owner)
    first = soql(client, "SELECT Id FROM Account",
                 headers={"Sforce-Query-Options": "batchSize=200"})
    bogus = client.get("/services/data/v59.0/query/0r8xxNOPE-200", headers=AUTH)
    assert bogus.json() == [{"message": "invalid query locator",
                             "errorCode": "INVALID_QUERY_LOCATOR"}]
    org.knobs.clock.advance(timedelta(minutes=16))
    stale = client.get(first["nextRecordsUrl"], headers=AUTH)
    assert (stale.status_code, stale.json()[0]["errorCode"]) == (400, "INVALID_QUERY_LOCATOR")


def test_get_deleted_and_updated_match_the_documented_shapes(
        client: TestClient, org: SalesforceState) -> None:
    acme = soql(client, "SELECT Id FROM Account")["records"][0]["Id"]
    org.knobs.clock.advance(timedelta(hours=2))
    org.delete(acme)
    org.knobs.clock.advance(timedelta(hours=2))
    window = {"start": "2026-05-01T07:00:30+00:00", "end": "2026-05-02T00:00:00+00:00"}
    base = "/services/data/v60.0/sobjects/Account"
    gone = client.get(f"{base}/deleted/", params=window, headers=AUTH).json()
    assert same_shape(gone, sample("sobject_deleted.documented.json")) == []
    assert gone["deletedRecords"] == [{"id": acme, "deletedDate": "2026-05-01T09:25:37.000+0000"}]
    assert gone["latestDateCovered"] == "2026-05-01T11:25:00.000+0000"  # now, to the minute
    assert gone["earliestDateAvailable"] == "2026-05-01T07:25:00.000+0000"
    changed = client.get(f"{base.replace('Account', 'Opportunity')}/updated", params=window,
                         headers=AUTH).json()
    assert same_shape(changed, sample("sobject_updated.documented.json")) == []
    assert changed["ids"] == []  # both opportunities were cascaded into the recycle bin
    contacts = client.get(f"{base.replace('Account', 'User')}/updated", params=window,
                          headers=AUTH).json()
    assert len(contacts["ids"]) == 1


@pytest.mark.parametrize(("start", "end", "code"), [
    ("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z", "INVALID_REPLICATION_DATE"),
    ("2026-05-01T07:00:10Z", "2026-05-01T07:00:50Z", "INVALID_REPLICATION_DATE"),
    ("yesterday", "2026-05-01T00:00:00Z", "INVALID_REPLICATION_DATE"),
    (None, "2026-05-01T00:00:00Z", "MISSING_ARGUMENT"),
])
def test_replication_windows_are_checked_like_the_real_api(
        client: TestClient, start: str | None, end: str, code: str) -> None:
    params = {"end": end} | ({"start": start} if start else {})
    response = client.get("/services/data/v60.0/sobjects/Account/deleted/", params=params,
                          headers=AUTH)
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, code)


def test_deleted_rows_purged_after_15_days_leave_get_deleted(
        client: TestClient, org: SalesforceState) -> None:
    acme = soql(client, "SELECT Id FROM Account")["records"][0]["Id"]
    org.delete(acme)
    org.knobs.clock.advance(timedelta(days=16))
    window = {"start": "2026-05-01T00:00:00Z", "end": "2026-05-17T12:00:00Z"}
    gone = client.get("/services/data/v60.0/sobjects/Account/deleted", params=window,
                      headers=AUTH).json()
    assert gone["deletedRecords"] == []
    assert gone["earliestDateAvailable"] == "2026-05-01T07:25:00.000+0000"


def test_limits_has_the_samples_shape_and_tracks_usage(client: TestClient,
                                                      org: SalesforceState) -> None:
    response = client.get("/services/data/v60.0/limits/", headers=AUTH)
    body = response.json()
    assert same_shape(body, {k: v for k, v in sample("limits.json").items()
                             if k in body}) == []
    assert set(body) <= set(sample("limits.json"))
    assert body["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - org.api_usage}
    assert response.headers["Sforce-Limit-Info"] == f"api-usage={org.api_usage}/15000"


def test_versions_list_needs_no_session(client: TestClient) -> None:
    versions = client.get("/services/data/").json()
    assert {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"} in versions
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in versions
    assert client.get("/services/data").json() == versions


def test_missing_or_bad_session_is_401_invalid_session_id(client: TestClient,
                                                          org: SalesforceState) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": DEFAULT_SESSION_ID}):
        response = client.get("/services/data/v60.0/limits", headers=headers)
        assert response.status_code == 401
        assert response.json() == [{"message": "Session expired or invalid",
                                    "errorCode": "INVALID_SESSION_ID"}]
        assert "Sforce-Limit-Info" in response.headers
    org.revoke_session(DEFAULT_SESSION_ID)
    assert client.get("/services/data/v60.0/limits", headers=AUTH).status_code == 401


def test_exhausted_daily_limit_is_403_request_limit_exceeded(client: TestClient,
                                                             org: SalesforceState) -> None:
    org.set_api_limit(100, used=100)
    response = client.get("/services/data/v60.0/limits", headers=AUTH)
    assert response.status_code == 403
    assert response.json() == [{"message": "TotalRequests Limit exceeded.",
                                "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert response.headers["Sforce-Limit-Info"] == "api-usage=100/100"


@pytest.mark.parametrize("path", ["/services/data/v60.0/sobjects/Account/describe",
                                  "/services/data/v99.0/limits",
                                  "/services/data/v60.0/sobjects/Nope/deleted/",
                                  "/services/apexrest/anything"])
def test_unknown_routes_are_404_not_found(client: TestClient, path: str) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == 404
    assert response.json() == [{"message": "The requested resource does not exist",
                                "errorCode": "NOT_FOUND"}]
    assert response.headers["content-type"] == "application/json;charset=UTF-8"


@pytest.mark.parametrize(("status", "served", "code"), [
    (500, 500, "UNKNOWN_EXCEPTION"), (503, 503, "SERVER_UNAVAILABLE"),
    (429, 403, "REQUEST_LIMIT_EXCEEDED"), (401, 401, "INVALID_SESSION_ID"),
])
def test_status_faults_look_like_salesforce_errors(client: TestClient, org: SalesforceState,
                                                   status: int, served: int, code: str) -> None:
    org.knobs.fail_next(1, status=status, path_contains="/query")
    failed = client.get("/services/data/v60.0/query", params={"q": "SELECT Id FROM Account"},
                        headers=AUTH)
    assert (failed.status_code, failed.json()[0]["errorCode"]) == (served, code)
    assert "Sforce-Limit-Info" in failed.headers
    assert "Retry-After" not in failed.headers
    assert soql(client, "SELECT Id FROM Account")["totalSize"] == 1


def test_retry_after_is_only_sent_when_a_fault_asks_for_it(client: TestClient,
                                                           org: SalesforceState) -> None:
    org.knobs.fail_next(1, status=503, retry_after_seconds=7)
    response = client.get("/services/data/v60.0/limits", headers=AUTH)
    assert (response.status_code, response.headers["Retry-After"]) == (503, "7")


def test_malformed_fault_breaks_one_record(client: TestClient, org: SalesforceState) -> None:
    org.knobs.malform_next(1, path_contains="/query")
    broken = soql(client, "SELECT Id, Name FROM Opportunity ORDER BY Name")
    assert "Id" not in broken["records"][0] and "Id" in broken["records"][1]
    org.knobs.malform_next(1)
    no_id = soql(client, "SELECT Name, SystemModstamp FROM Account")
    assert no_id["records"][0]["SystemModstamp"] == "not-a-date"


def test_truncated_fault_cuts_the_body(client: TestClient, org: SalesforceState) -> None:
    org.knobs.truncate_next(1, path_contains="/queryAll")
    response = client.get("/services/data/v60.0/queryAll", params={"q": "SELECT Id FROM Account"},
                          headers=AUTH)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_state_route_mutates_the_org_over_http(client: TestClient, owner: str) -> None:
    created = client.post("/_sandbox/state", json={"op": "add_event", "args": {
        "subject": "Site visit", "start": "2026-05-04T09:00:00Z", "end": "2026-05-04T10:30:00Z",
        "owner_id": owner, "is_all_day": False}}).json()
    client.post("/_sandbox/state", json={"op": "update", "args": {
        "record_id": created["id"], "EndDateTime": "2026-05-04T11:00:00.000+0000"}})
    event = soql(client, "SELECT DurationInMinutes, ActivityDate FROM Event")["records"][0]
    assert (event["DurationInMinutes"], event["ActivityDate"]) == (120, "2026-05-04")
    refused = client.post("/_sandbox/state", json={"op": "delete", "args": {
        "record_id": owner}})
    assert refused.status_code == 400 and "cannot be deleted" in refused.json()["error"]

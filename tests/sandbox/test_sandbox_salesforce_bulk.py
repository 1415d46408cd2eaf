"""The replica's Bulk API 2.0 query jobs: shapes, job states, CSV sets and locators,
failures — in process, plus simple-salesforce's own bulk2 client over HTTPS."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from simple_salesforce import Salesforce

from sandbox.knobs import Clock, Knobs
from sandbox.salesforce import DEFAULT_SESSION_ID, SalesforceState, create_app
from sandbox.server import running

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples" / "salesforce"
AUTH = {"Authorization": f"Bearer {DEFAULT_SESSION_ID}"}
JOBS = "/services/data/v60.0/jobs/query"
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def org() -> SalesforceState:
    state = SalesforceState(Knobs(clock=Clock(T0)))
    ann = state.add_user("ann@agency.example", first_name="Ann", last_name="Admin",
                         email="ann@agency.example")
    acme = state.add_account('Acme, "Events"\nLtd', owner_id=ann, description=None)
    state.add_opportunity("Acme Gala", stage="Closed Won", close_date=date(2026, 3, 8),
                          owner_id=ann, account_id=acme, amount=15000)
    for n in range(4):
        state.add_account(f"Client {n}", owner_id=ann)
    state.knobs.clock.advance(timedelta(minutes=5))
    state.delete(state.add_account("Gone", owner_id=ann))
    return state


@pytest.fixture
def api(org: SalesforceState) -> TestClient:
    return TestClient(create_app(org), headers=AUTH)


def create(api: TestClient, soql: str, operation: str = "query", **extra: str) -> Any:
    answer = api.post(JOBS, json={"operation": operation, "query": soql, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def completed(api: TestClient, soql: str, operation: str = "query", **extra: str) -> str:
    job_id = create(api, soql, operation, **extra)["id"]
    states = [api.get(f"{JOBS}/{job_id}").json()["state"] for _ in range(2)]
    assert states == ["InProgress", "JobComplete"]
    return str(job_id)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_new_job_answers_with_the_documented_keys_and_moves_on_as_it_is_polled(
        api: TestClient) -> None:
    documented = json.loads((SAMPLES / "jobs_query_create.documented.json").read_text())
    job = create(api, "SELECT Id, Name FROM Account")
    assert set(job) == set(documented)
    assert (job["state"], job["object"], job["operation"], job["contentType"]) == (
        "UploadComplete", "Account", "query", "CSV")
    assert job["id"].startswith("750") and len(job["id"]) == 18
    assert job["createdDate"] == "2026-11-01T10:05:00.000+0000"
    first, second, third = (api.get(f"{JOBS}/{job['id']}").json() for _ in range(3))
    assert [first["state"], second["state"], third["state"]] == [
        "InProgress", "JobComplete", "JobComplete"]
    assert second["jobType"] == "V2Query" and second["numberRecordsProcessed"] == 5
    assert "errorMessage" not in second


def test_results_come_in_sets_each_with_its_header_until_the_locator_is_null(
        api: TestClient) -> None:
    job_id = completed(api, "SELECT Id, Name FROM Account")
    sets, locator = [], None
    while True:
        params = {"maxRecords": "2", **({"locator": locator} if locator else {})}
        answer = api.get(f"{JOBS}/{job_id}/results", params=params)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(
            "text/csv")
        assert answer.text.startswith('"Id","Name"\n')
        sets.append(rows_of(answer.text))
        assert answer.headers["Sforce-NumberOfRecords"] == str(len(sets[-1]))
        locator = answer.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert [len(s) for s in sets] == [2, 2, 1]
    names = [r["Name"] for s in sets for r in s]
    assert names == ['Acme, "Events"\nLtd', "Client 0", "Client 1", "Client 2", "Client 3"]
    again = api.get(f"{JOBS}/{job_id}/results", params={"maxRecords": "2", "locator": "Mg"})
    assert rows_of(again.text) == sets[1]  # a locator can be read again


def test_csv_values_take_the_bulk_forms_of_each_field_type(api: TestClient) -> None:
    job_id = completed(api, "SELECT Id, Name, Amount, IsWon, CloseDate, SystemModstamp, "
                            "Description, Owner.Email FROM Opportunity")
    answer = api.get(f"{JOBS}/{job_id}/results")
    assert answer.headers["Sforce-Locator"] == "null"
    header, line = answer.text.splitlines()
    assert header == ('"Id","Name","Amount","IsWon","CloseDate","SystemModstamp",'
                      '"Description","Owner.Email"')
    assert line.endswith('"Acme Gala","15000.0","true","2026-03-08",'
                         '"2026-11-01T10:00:00.000Z",,"ann@agency.example"')


def test_query_all_includes_the_recycle_bin_and_query_does_not(api: TestClient) -> None:
    listings = {}
    for operation in ("query", "queryAll"):
        job_id = completed(api, "SELECT Name, IsDeleted FROM Account", operation)
        listings[operation] = {r["Name"]: r["IsDeleted"]
                               for r in rows_of(api.get(f"{JOBS}/{job_id}/results").text)}
    assert "Gone" not in listings["query"]
    assert listings["queryAll"]["Gone"] == "true" and listings["queryAll"]["Client 0"] == "false"


def test_other_delimiters_and_line_endings_are_honoured(api: TestClient) -> None:
    job_id = completed(api, "SELECT Name, IsDeleted FROM Account", columnDelimiter="PIPE",
                       lineEnding="CRLF")
    text = api.get(f"{JOBS}/{job_id}/results").text
    assert text.startswith('"Name"|"IsDeleted"\r\n"Acme, ')


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Nope FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Nothing", "INVALID_TYPE"),
    ("SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b'", "MALFORMED_QUERY"),
])
def test_a_query_the_schema_refuses_is_refused_when_the_job_is_created(
        api: TestClient, soql: str, code: str) -> None:
    answer = api.post(JOBS, json={"operation": "query", "query": soql})
    assert answer.status_code == 400
    assert [e["errorCode"] for e in answer.json()] == [code]


@pytest.mark.parametrize("body", [
    {"operation": "upsert", "query": "SELECT Id FROM Account"},
    {"operation": "query"},
    {"operation": "query", "query": "SELECT Id FROM Account", "contentType": "JSON"},
    {"operation": "query", "query": "SELECT Id FROM Account", "lineEnding": "CR"},
])
def test_an_invalid_job_request_is_refused(api: TestClient, body: dict[str, str]) -> None:
    answer = api.post(JOBS, json=body)
    assert answer.status_code == 400 and answer.json()[0]["errorCode"] == "INVALIDJOB"


def test_a_job_can_fail_while_it_runs_and_then_has_no_results(
        api: TestClient, org: SalesforceState) -> None:
    org.knobs.fail_job_next(query_contains="FROM Contact")
    healthy = completed(api, "SELECT Id FROM Account")
    job_id = create(api, "SELECT Id FROM Contact")["id"]
    polled = [api.get(f"{JOBS}/{job_id}").json() for _ in range(2)]
    assert [p["state"] for p in polled] == ["InProgress", "Failed"]
    assert polled[1]["errorMessage"].startswith("Retried more than 15 times")
    refused = api.get(f"{JOBS}/{job_id}/results")
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "INVALIDJOB"
    assert api.get(f"{JOBS}/{healthy}/results").status_code == 200


def test_results_before_completion_unknown_jobs_and_bad_locators_are_errors(
        api: TestClient) -> None:
    job_id = create(api, "SELECT Id FROM Account")["id"]
    assert api.get(f"{JOBS}/{job_id}/results").status_code == 400
    assert api.get(f"{JOBS}/750Sb0000000000AAA").status_code == 404
    api.get(f"{JOBS}/{job_id}"), api.get(f"{JOBS}/{job_id}")
    for params in ({"locator": "not a locator"}, {"locator": "OTk5"}, {"maxRecords": "0"}):
        assert api.get(f"{JOBS}/{job_id}/results", params=params).status_code == 400
    assert api.delete(f"{JOBS}/{job_id}").status_code == 204
    assert api.get(f"{JOBS}/{job_id}").status_code == 404
    assert api.post("/services/data/v20.0/jobs/query", json={
        "operation": "query", "query": "SELECT Id FROM Account"}).status_code == 404


def test_jobs_need_a_session_and_count_against_the_daily_limit(
        org: SalesforceState) -> None:
    anonymous = TestClient(create_app(org))
    answer = anonymous.post(JOBS, json={"operation": "query", "query": "SELECT Id FROM User"})
    assert answer.status_code == 401 and answer.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    before = org.api_usage
    completed(TestClient(create_app(org), headers=AUTH), "SELECT Id FROM User")
    assert org.api_usage == before + 3


@pytest.fixture
def sdk(org: SalesforceState) -> Iterator[Salesforce]:
    with running(create_app(org), tls=True) as server:
        http = requests.Session()
        http.verify = str(server.ca_path)
        http.trust_env = False  # else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override verify
        yield Salesforce(instance_url=server.base_url, session_id=DEFAULT_SESSION_ID,
                         version="60.0", session=http)
        http.close()


def test_simple_salesforce_bulk2_reads_every_set(sdk: Salesforce) -> None:
    sets = list(sdk.bulk2.Account.query_all("SELECT Id, Name, IsDeleted FROM Account",
                                            max_records=2, wait=0))
    rows = [r for text in sets for r in rows_of(text)]
    assert len(sets) == 3 and len(rows) == 6
    assert {r["Name"]: r["IsDeleted"] for r in rows}["Gone"] == "true"

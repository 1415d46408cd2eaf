"""Contract tests for the People replica: shapes against the discovery document and the
recorded EXPIRED_SYNC_TOKEN body, every parameter and error of connections.list, and the
fault knobs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from discovery_schema import check_schema
from fastapi.testclient import TestClient

from sandbox.google_people import (
    PERSON_FIELDS,
    READ_SOURCE_TYPES,
    SORT_ORDERS,
    Organization,
    PeopleState,
    create_app,
)
from sandbox.knobs import Clock, Knobs

SPEC = json.loads((Path(__file__).parents[1] / "fixtures/api-specs/google/people.v1.json")
                  .read_text())
URL = "/v1/people/me/connections"
AUTH = {"Authorization": "Bearer sandbox-token"}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Structure (keys and JSON types) of the recorded 400 EXPIRED_SYNC_TOKEN body (shared
# api-samples, reference-only/google/people/error_400_EXPIRED_SYNC_TOKEN.json).
EXPIRED_SHAPE = {"error": {"code": "int", "message": "str", "status": "str",
                           "details": [{"@type": "str", "reason": "str", "domain": "str"}]}}


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def state() -> PeopleState:
    people = PeopleState(knobs=Knobs(clock=Clock(START)))
    people.add_contact("Ada", "Lovelace", emails=["ada@example.test", "ada@home.test"],
                       organizations=[Organization("Analytical Engines", "Producer", "Ops")])
    people.add_contact("Grace", "Hopper", emails=["grace@example.test"])
    people.add_contact("Alan", "Turing", organizations=[Organization("Bletchley")])
    return people


@pytest.fixture
def client(state: PeopleState) -> TestClient:
    return TestClient(create_app(state))


def get(client: TestClient, **params: Any) -> Any:
    return client.get(URL, params=params, headers=AUTH)


def full_sync_token(client: TestClient) -> str:
    return get(client, personFields="names", requestSyncToken="true").json()["nextSyncToken"]


def test_accepted_parameter_values_are_the_discovery_docs():
    params = SPEC["resources"]["people"]["resources"]["connections"]["methods"]["list"][
        "parameters"]
    assert tuple(params["sortOrder"]["enum"]) == SORT_ORDERS
    assert tuple(params["sources"]["enum"]) == READ_SOURCE_TYPES
    documented = params["personFields"]["description"].split("Valid values are:")[1]
    assert {value.strip() for value in documented.split("*") if value.strip()} == PERSON_FIELDS


def test_every_emitted_field_and_enum_is_in_the_discovery_doc(client, state):
    token = full_sync_token(client)
    state.update_contact(state.add_contact("New", "Person"), given_name="Newer")
    state.delete_contact(next(iter(state.contacts)))
    fields = "names,emailAddresses,organizations,metadata"
    response_schema = {"$ref": "ListConnectionsResponse"}
    full = get(client, personFields=fields, requestSyncToken="true").json()
    changed = get(client, personFields=fields, requestSyncToken="true", syncToken=token).json()
    check_schema(full, response_schema, SPEC)
    check_schema(changed, response_schema, SPEC)
    assert {p["metadata"].get("deleted", False) for p in changed["connections"]} == {True, False}


def test_person_carries_resource_name_etag_sources_and_primary_email(client):
    ada = get(client, personFields="names,emailAddresses,organizations,metadata")\
        .json()["connections"][0]
    assert ada["resourceName"].startswith("people/c") and ada["etag"]
    assert ada["metadata"]["sources"][0]["type"] == "CONTACT"
    assert ada["names"][0]["displayName"] == "Ada Lovelace"
    first, second = ada["emailAddresses"]
    assert first["metadata"]["primary"] is True and "primary" not in second["metadata"]
    assert ada["organizations"][0] == {**ada["organizations"][0], "name": "Analytical Engines",
                                       "title": "Producer", "department": "Ops"}


def test_person_fields_mask_returns_only_the_requested_fields(client):
    people = get(client, personFields="emailAddresses").json()["connections"]
    assert [set(p) for p in people] == [{"resourceName", "etag", "emailAddresses"},
                                        {"resourceName", "etag", "emailAddresses"},
                                        {"resourceName", "etag"}]


@pytest.mark.parametrize(("params", "message"), [
    ({}, "personFields mask is required"),
    ({"personFields": "names,nope"}, 'Invalid personFields mask path: "nope"'),
    ({"personFields": "names", "pageSize": "1001"}, "invalid argument"),
    ({"personFields": "names", "pageSize": "-1"}, "invalid argument"),
    ({"personFields": "names", "pageSize": "ten"}, "Invalid value at 'page_size'"),
    ({"personFields": "names", "sortOrder": "BY_MOOD"}, "Invalid value at 'sort_order'"),
    ({"personFields": "names", "sources": "READ_SOURCE_TYPE_X"}, "Invalid value at 'sources'"),
    ({"personFields": "names", "requestSyncToken": "yes"}, "request_sync_token"),
    ({"personFields": "names", "pageToken": "garbage"}, "invalid argument"),
    ({"personFields": "names", "syncToken": "garbage"}, "invalid argument"),
])
def test_bad_parameters_are_400_invalid_argument(client, params, message):
    response = get(client, **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and error["code"] == 400
    assert message in error["message"] and "errors" not in error


def test_only_people_me_has_connections(client):
    response = client.get("/v1/people/c123/connections", params={"personFields": "names"},
                          headers=AUTH)
    assert response.status_code == 400


def test_page_size_paging_and_totals(client):
    first = get(client, personFields="names", pageSize="2").json()
    assert len(first["connections"]) == 2 and first["totalItems"] == first["totalPeople"] == 3
    rest = get(client, personFields="names", pageSize="2",
               pageToken=first["nextPageToken"]).json()
    assert len(rest["connections"]) == 1 and "nextPageToken" not in rest
    assert get(client, personFields="names", pageSize="1000").status_code == 200


def test_page_token_needs_the_same_other_parameters(client):
    token = get(client, personFields="names", pageSize="1").json()["nextPageToken"]
    assert get(client, personFields="names", pageSize="1", pageToken=token).status_code == 200
    mismatched = get(client, personFields="emailAddresses", pageSize="1", pageToken=token)
    assert mismatched.status_code == 400


@pytest.mark.parametrize(("order", "expected"), [
    ("FIRST_NAME_ASCENDING", ["Ada", "Alan", "Grace"]),
    ("LAST_NAME_ASCENDING", ["Grace", "Ada", "Alan"]),
    ("LAST_MODIFIED_ASCENDING", ["Ada", "Grace", "Alan"]),
    ("LAST_MODIFIED_DESCENDING", ["Alan", "Grace", "Ada"]),
])
def test_sort_orders(client, order, expected):
    people = get(client, personFields="names", sortOrder=order).json()["connections"]
    assert [p["names"][0]["givenName"] for p in people] == expected


def test_sources_without_contacts_list_nothing(client):
    body = get(client, personFields="names", sources="READ_SOURCE_TYPE_PROFILE").json()
    assert body == {}


def test_next_sync_token_only_on_the_last_page_and_only_when_requested(client):
    first = get(client, personFields="names", pageSize="2", requestSyncToken="true").json()
    assert "nextSyncToken" not in first
    last = get(client, personFields="names", pageSize="2", requestSyncToken="true",
               pageToken=first["nextPageToken"]).json()
    assert "nextSyncToken" in last
    assert "nextSyncToken" not in get(client, personFields="names").json()


def test_incremental_sync_returns_changes_and_deleted_tombstones(client, state):
    token = full_sync_token(client)
    ada, grace, _ = list(state.contacts)
    state.update_contact(ada, emails=["ada@new.test"])
    state.delete_contact(grace)
    body = get(client, personFields="emailAddresses", requestSyncToken="true",
               syncToken=token).json()
    changed = {p["resourceName"]: p for p in body["connections"]}
    assert changed[ada]["emailAddresses"][0]["value"] == "ada@new.test"
    assert changed[grace]["metadata"]["deleted"] is True
    assert set(changed[grace]) == {"resourceName", "etag", "metadata"}
    again = get(client, personFields="emailAddresses", requestSyncToken="true",
                syncToken=body["nextSyncToken"]).json()
    assert set(again) == {"nextSyncToken"}


def test_deleted_contacts_leave_the_full_listing(client, state):
    state.delete_contact(next(iter(state.contacts)))
    assert len(get(client, personFields="names").json()["connections"]) == 2


def test_expired_sync_token_is_400_with_the_recorded_shape(client, state):
    token = full_sync_token(client)
    state.expire_sync_tokens()
    response = get(client, personFields="names", requestSyncToken="true", syncToken=token)
    assert response.status_code == 400
    body = response.json()
    assert shape(body) == EXPIRED_SHAPE
    assert body["error"]["details"][0]["reason"] == "EXPIRED_SYNC_TOKEN"
    assert body["error"]["details"][0]["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert "nextSyncToken" in get(client, personFields="names", requestSyncToken="true").json()


def test_sync_tokens_expire_seven_days_after_the_full_sync(client, state):
    token = full_sync_token(client)
    state.knobs.clock.advance(timedelta(days=6))
    token = get(client, personFields="names", requestSyncToken="true",
                syncToken=token).json()["nextSyncToken"]
    state.knobs.clock.advance(timedelta(days=1, seconds=1))
    expired = get(client, personFields="names", requestSyncToken="true", syncToken=token)
    assert expired.json()["error"]["details"][0]["reason"] == "EXPIRED_SYNC_TOKEN"


def test_missing_and_invalid_credentials_are_401(state):
    client = TestClient(create_app(state, authorize=lambda r: r.headers.get("authorization")
                                   == "Bearer good"))
    missing = client.get(URL, params={"personFields": "names"})
    assert missing.status_code == 401
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"
    assert missing.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="https://accounts.google.com/"'
    invalid = client.get(URL, params={"personFields": "names"}, headers=AUTH)
    assert invalid.status_code == 401 and "invalid authentication" in invalid.text
    good = client.get(URL, params={"personFields": "names"},
                      headers={"Authorization": "Bearer good"})
    assert good.status_code == 200


def test_default_token_check_wants_a_non_empty_bearer(client):
    for header in ("Basic abc", "Bearer ", "Bearer"):
        response = client.get(URL, params={"personFields": "names"},
                              headers={"Authorization": header})
        assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/people/me/friends"),
                                              ("POST", URL), ("GET", "/v2/whatever")])
def test_unknown_routes_get_googles_html_404(client, method, path):
    response = client.request(method, path, headers=AUTH)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f"<code>{path}</code> was not found" in response.text


def test_status_fault_uses_the_google_envelope_and_retry_after(client, state):
    state.knobs.fail_next(1, 429, retry_after_seconds=7, path_contains="/connections")
    response = get(client, personFields="names")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert get(client, personFields="names").status_code == 200


def test_malformed_fault_drops_one_resource_name(client, state):
    state.knobs.malform_next(1, path_contains="/connections")
    people = get(client, personFields="names").json()["connections"]
    assert "resourceName" not in people[0] and "resourceName" in people[1]
    assert all("resourceName" in p for p in get(client, personFields="names")
               .json()["connections"])


def test_truncated_fault_cuts_the_body(client, state):
    state.knobs.truncate_next(1, path_contains="/connections")
    response = get(client, personFields="names")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert get(client, personFields="names").json()["connections"]


def test_requests_are_counted_by_route(client, state):
    get(client, personFields="names")
    assert state.knobs.counters["GET /v1/people/{person_id}/connections"] == 1

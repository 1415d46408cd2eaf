"""The official client (google-api-python-client, static discovery document) against the
People replica over real HTTP, with one root URL as baton's connector will use it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from sandbox.google_people import PeopleState, create_app
from sandbox.server import running

FIELDS = "names,emailAddresses,organizations,metadata"


@pytest.fixture
def state() -> PeopleState:
    people = PeopleState()
    for i in range(10):
        people.add_contact(f"Given{i:02d}", f"Family{i:02d}", emails=[f"p{i}@example.test"])
    return people


@pytest.fixture
def people(state: PeopleState) -> Iterator[Any]:
    with running(create_app(state)) as server:
        yield build("people", "v1", credentials=Credentials(token="sandbox-token"),
                    client_options={"api_endpoint": server.base_url}, static_discovery=True)


def list_all(people: Any, **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every connection across pages, and the raw pages."""
    connections = people.people().connections()
    request = connections.list(resourceName="people/me", personFields=FIELDS, **params)
    pages = []
    while request is not None:
        page = request.execute()
        pages.append(page)
        request = connections.list_next(request, page)
    return [p for page in pages for p in page.get("connections", [])], pages


def test_list_next_pages_through_every_connection(people, state):
    found, pages = list_all(people, pageSize=3)
    assert len(pages) == 4
    assert [p["resourceName"] for p in found] == list(state.contacts)
    assert found[9]["emailAddresses"][0]["value"] == "p9@example.test"


def test_full_then_incremental_sync(people, state):
    _, pages = list_all(people, pageSize=4, requestSyncToken=True)
    token = pages[-1]["nextSyncToken"]
    assert all("nextSyncToken" not in page for page in pages[:-1])
    first, second, *_ = state.contacts
    state.update_contact(first, organizations=[])
    state.update_contact(first, given_name="Renamed")
    state.delete_contact(second)
    added = state.add_contact("Newcomer", emails=["new@example.test"])
    changed, pages = list_all(people, pageSize=2, requestSyncToken=True, syncToken=token)
    by_name = {p["resourceName"]: p for p in changed}
    assert list(by_name) == [first, second, added]
    assert by_name[first]["names"][0]["givenName"] == "Renamed"
    assert by_name[second]["metadata"]["deleted"] is True
    nothing, pages = list_all(people, requestSyncToken=True, syncToken=pages[-1]["nextSyncToken"])
    assert nothing == [] and pages[-1]["nextSyncToken"]


def test_expired_sync_token_surfaces_as_http_error_400(people, state):
    _, pages = list_all(people, requestSyncToken=True)
    state.expire_sync_tokens()
    with pytest.raises(HttpError) as raised:
        list_all(people, requestSyncToken=True, syncToken=pages[-1]["nextSyncToken"])
    assert raised.value.resp.status == 400
    error = json.loads(raised.value.content)["error"]
    assert [d["reason"] for d in error["details"]] == ["EXPIRED_SYNC_TOKEN"]
    assert raised.value.error_details == error["details"]


def test_missing_person_fields_is_an_http_error(people):
    with pytest.raises(HttpError) as raised:
        people.people().connections().list(resourceName="people/me").execute()
    assert raised.value.resp.status == 400
    assert "personFields mask is required" in raised.value.reason

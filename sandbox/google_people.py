"""Offline replica of the Google People API subset baton reads: `people.connections.list`.

What is reproduced, and why it matters to a connector:
- `personFields` is required (400 when missing, as real) and is a field mask: only the
  requested person fields come back, so a mapper that forgets to ask for a field sees it
  missing here too.
- Paging with `pageSize` (1..1000, default 100) and `pageToken`; a page token only works with
  the same other parameters as the first call, as the discovery document demands.
- Incremental sync: `requestSyncToken=true` puts `nextSyncToken` on the LAST page only; a
  `syncToken` returns only connections changed since, deleted ones as a bare person with
  `metadata.deleted: true`. Tokens expire 7 days after the full sync that started the chain
  (discovery doc) or when a test calls `expire_sync_tokens()`; expiry is HTTP 400 with an
  `ErrorInfo` detail whose reason is `EXPIRED_SYNC_TOKEN` (not Calendar's 410).
- Bodies follow proto3 JSON: empty lists, `false` and `0` are omitted, not sent.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import JSONResponse, Response

from sandbox import google_common
from sandbox.google_frontend import (
    Authorize,
    amend_error,
    auth_failure,
    bearer_present,
    decode_token,
    encode_token,
    install_not_found_page,
    json_or_truncated,
)
from sandbox.knobs import Knobs, KnobsMiddleware, admin_router

PERSON_FIELDS = frozenset({
    "addresses", "ageRanges", "biographies", "birthdays", "calendarUrls", "clientData",
    "coverPhotos", "emailAddresses", "events", "externalIds", "genders", "imClients",
    "interests", "locales", "locations", "memberships", "metadata", "miscKeywords", "names",
    "nicknames", "occupations", "organizations", "phoneNumbers", "photos", "relations",
    "sipAddresses", "skills", "urls", "userDefined",
})
SORT_ORDERS = ("LAST_MODIFIED_ASCENDING", "LAST_MODIFIED_DESCENDING",
               "FIRST_NAME_ASCENDING", "LAST_NAME_ASCENDING")
READ_SOURCE_TYPES = ("READ_SOURCE_TYPE_UNSPECIFIED", "READ_SOURCE_TYPE_PROFILE",
                     "READ_SOURCE_TYPE_CONTACT", "READ_SOURCE_TYPE_DOMAIN_CONTACT",
                     "READ_SOURCE_TYPE_OTHER_CONTACT")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
SYNC_TOKEN_LIFETIME = timedelta(days=7)
PERSON_ID_BASE = 10**18  # real contact ids are ~19 decimal digits; the source id is their hex
FIELD_MASK_DOCS = "https://developers.google.com/people/api/rest/v1/people/get"
INVALID_ARGUMENT = "Request contains an invalid argument."
EXPIRED_MESSAGE = "Sync token is expired. Clear local cache and retry call without the sync token."


@dataclass(frozen=True)
class Organization:
    name: str
    title: str = ""
    department: str = ""


@dataclass
class Contact:
    number: int
    given_name: str
    family_name: str
    emails: list[str]
    organizations: list[Organization]
    updated_at: datetime
    change_seq: int
    version: int = 1
    deleted: bool = False

    @property
    def person_id(self) -> int:
        return PERSON_ID_BASE + self.number * 104_729

    @property
    def resource_name(self) -> str:
        return f"people/c{self.person_id}"


@dataclass
class PeopleState:
    """The signed-in user's contacts. Every change bumps a change sequence that sync tokens
    point into; deleted contacts stay as tombstones so incremental syncs can report them."""

    knobs: Knobs = field(default_factory=Knobs)
    contacts: dict[str, Contact] = field(default_factory=dict)
    change_seq: int = 0
    tokens_valid_from_seq: int = 0

    def add_contact(self, given_name: str, family_name: str = "", *,
                    emails: Sequence[str] = (),
                    organizations: Sequence[Organization] = ()) -> str:
        """Create a contact and return its resourceName (`people/c...`); the first email
        is the primary one."""
        self.change_seq += 1
        contact = Contact(len(self.contacts) + 1, given_name, family_name, list(emails),
                          list(organizations), self.knobs.clock.now(), self.change_seq)
        self.contacts[contact.resource_name] = contact
        return contact.resource_name

    def update_contact(self, resource_name: str, *, given_name: str | None = None,
                       family_name: str | None = None, emails: Sequence[str] | None = None,
                       organizations: Sequence[Organization] | None = None) -> None:
        contact = self._live(resource_name)
        if given_name is not None:
            contact.given_name = given_name
        if family_name is not None:
            contact.family_name = family_name
        if emails is not None:
            contact.emails = list(emails)
        if organizations is not None:
            contact.organizations = list(organizations)
        self._touch(contact)

    def delete_contact(self, resource_name: str) -> None:
        contact = self._live(resource_name)
        contact.deleted = True
        self._touch(contact)

    def expire_sync_tokens(self) -> None:
        """Every sync token issued so far answers EXPIRED_SYNC_TOKEN from now on."""
        self.tokens_valid_from_seq = self.change_seq + 1

    def _live(self, resource_name: str) -> Contact:
        contact = self.contacts.get(resource_name)
        if contact is None or contact.deleted:
            raise KeyError(f"no live contact {resource_name}")
        return contact

    def _touch(self, contact: Contact) -> None:
        self.change_seq += 1
        contact.change_seq = self.change_seq
        contact.version += 1
        contact.updated_at = self.knobs.clock.now()


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class SyncWindow:
    """Which changes a listing covers: after `since_seq` (None = full listing) up to
    `until_seq`; `origin` is when the full sync that started this token chain ran."""

    since_seq: int | None
    until_seq: int
    origin: float


# ---------------------------------------------------------------- rendering


def _iso_millis(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _etag(prefix: str, contact: Contact) -> str:
    digest = zlib.crc32(f"{contact.person_id}:{contact.version}".encode()).to_bytes(4, "big")
    return prefix + base64.b64encode(digest + contact.person_id.to_bytes(8, "big")).decode()


def _field_meta(contact: Contact, primary: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if primary:
        meta = {"primary": True, "sourcePrimary": True}
    meta["source"] = {"type": "CONTACT", "id": format(contact.person_id, "x")}
    return meta


def _names(contact: Contact) -> list[dict[str, Any]]:
    full = " ".join(part for part in (contact.given_name, contact.family_name) if part)
    if not full:
        return []
    name: dict[str, Any] = {"metadata": _field_meta(contact, True), "displayName": full}
    if contact.family_name:
        name["familyName"] = contact.family_name
    if contact.given_name:
        name["givenName"] = contact.given_name
    last_first = ", ".join(p for p in (contact.family_name, contact.given_name) if p)
    name["displayNameLastFirst"] = last_first
    name["unstructuredName"] = full
    return [name]


def _emails(contact: Contact) -> list[dict[str, Any]]:
    return [{"metadata": _field_meta(contact, i == 0), "value": email}
            for i, email in enumerate(contact.emails)]


def _organizations(contact: Contact) -> list[dict[str, Any]]:
    rendered = []
    for i, org in enumerate(contact.organizations):
        item: dict[str, Any] = {"metadata": _field_meta(contact, i == 0), "name": org.name}
        if org.title:
            item["title"] = org.title
        if org.department:
            item["department"] = org.department
        rendered.append(item)
    return rendered


def _source(contact: Contact) -> dict[str, Any]:
    return {"type": "CONTACT", "id": format(contact.person_id, "x"),
            "etag": _etag("#", contact), "updateTime": _iso_millis(contact.updated_at)}


def render_person(contact: Contact, fields: frozenset[str]) -> dict[str, Any]:
    """A person as connections.list returns it: resourceName and etag always, the rest only
    when named in personFields; a deleted one is a bare tombstone flagged in its metadata."""
    person: dict[str, Any] = {"resourceName": contact.resource_name,
                              "etag": _etag("%", contact)}
    if contact.deleted:
        person["metadata"] = {"sources": [{"type": "CONTACT",
                                           "id": format(contact.person_id, "x")}],
                              "deleted": True}
        return person
    if "metadata" in fields:
        person["metadata"] = {"sources": [_source(contact)], "objectType": "PERSON"}
    renderers = (("names", _names), ("emailAddresses", _emails),
                 ("organizations", _organizations))
    for name, render in renderers:
        values = render(contact) if name in fields else []
        if values:
            person[name] = values
    return person


# ---------------------------------------------------------------- request handling


class BadRequest(Exception):
    """A 400 to answer with; `details` follow google.rpc conventions."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


def _invalid_value(param: str, proto_type: str, value: str) -> BadRequest:
    message = f"Invalid value at '{param}' ({proto_type}), \"{value}\""
    violation = {"@type": "type.googleapis.com/google.rpc.BadRequest",
                 "fieldViolations": [{"field": param, "description": message}]}
    return BadRequest(message, [violation])


def _bool_param(request: Request, name: str, proto_name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise _invalid_value(proto_name, "TYPE_BOOL", raw)
    return raw.lower() == "true"


def _person_fields(request: Request) -> frozenset[str]:
    raw = request.query_params.get("personFields", "")
    paths = [p.strip() for p in raw.split(",") if p.strip()]
    if not paths:
        raise BadRequest("personFields mask is required. Please specify one or more valid "
                         f"paths. Valid paths are documented at {FIELD_MASK_DOCS}.")
    for path in paths:
        if path not in PERSON_FIELDS:
            raise BadRequest(f'Invalid personFields mask path: "{path}". Valid paths are '
                             f"documented at {FIELD_MASK_DOCS}.")
    return frozenset(paths)


def _page_size(request: Request) -> int:
    raw = request.query_params.get("pageSize", "0")
    try:
        size = int(raw)
    except ValueError:
        raise _invalid_value("page_size", "TYPE_INT32", raw) from None
    if size < 0 or size > MAX_PAGE_SIZE:
        raise BadRequest(INVALID_ARGUMENT)
    return size or DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class ListParams:
    fields: frozenset[str]
    page_size: int
    sort_order: str
    sources: tuple[str, ...]
    request_sync_token: bool
    sync_token: str | None
    page_token: str | None

    def fingerprint(self) -> str:
        """What must not change between the pages of one listing."""
        key = json.dumps([sorted(self.fields), self.sort_order, self.sources,
                          self.request_sync_token, self.sync_token])
        return format(zlib.crc32(key.encode()), "08x")


def parse_list_params(request: Request) -> ListParams:
    query = request.query_params
    sort_order = query.get("sortOrder", SORT_ORDERS[0])
    if sort_order not in SORT_ORDERS:
        raise _invalid_value("sort_order", "type.googleapis.com/google.people.v1."
                             "ListConnectionsRequest.SortOrder", sort_order)
    sources = tuple(query.getlist("sources"))
    for source in sources:
        if source not in READ_SOURCE_TYPES:
            raise _invalid_value("sources", "type.googleapis.com/google.people.v1."
                                 "ReadSourceType", source)
    return ListParams(_person_fields(request), _page_size(request), sort_order, sources,
                      _bool_param(request, "requestSyncToken", "request_sync_token"),
                      query.get("syncToken") or None, query.get("pageToken") or None)


class ExpiredSyncToken(Exception):
    pass


def sync_window(state: PeopleState, params: ListParams) -> tuple[SyncWindow, int]:
    """The change window and offset this request lists, from its sync and page tokens."""
    now = state.knobs.clock.now().timestamp()
    since_seq, origin = None, now
    if params.sync_token is not None:
        sync = decode_token(params.sync_token)
        if sync is None or not {"seq", "origin"} <= sync.keys():
            raise BadRequest(INVALID_ARGUMENT)
        expired = (sync["seq"] < state.tokens_valid_from_seq
                   or now - sync["origin"] > SYNC_TOKEN_LIFETIME.total_seconds())
        if expired:
            raise ExpiredSyncToken
        since_seq, origin = sync["seq"], sync["origin"]
    if params.page_token is None:
        return SyncWindow(since_seq, state.change_seq, origin), 0
    page = decode_token(params.page_token)
    if page is None or page.get("fp") != params.fingerprint():
        raise BadRequest(INVALID_ARGUMENT)
    return SyncWindow(since_seq, page["until"], page["origin"]), page["offset"]


def _sort_key(sort_order: str) -> Callable[[Contact], tuple[Any, ...]]:
    if sort_order == "FIRST_NAME_ASCENDING":
        return lambda c: (c.given_name.casefold(), c.family_name.casefold(), c.number)
    if sort_order == "LAST_NAME_ASCENDING":
        return lambda c: (c.family_name.casefold(), c.given_name.casefold(), c.number)
    return lambda c: (c.change_seq, c.number)


def select_contacts(state: PeopleState, params: ListParams, window: SyncWindow) -> list[Contact]:
    if params.sources and "READ_SOURCE_TYPE_CONTACT" not in params.sources:
        return []
    if window.since_seq is None:
        chosen = [c for c in state.contacts.values() if not c.deleted]
    else:
        chosen = [c for c in state.contacts.values()
                  if window.since_seq < c.change_seq <= window.until_seq]
    chosen.sort(key=_sort_key(params.sort_order),
                reverse=params.sort_order == "LAST_MODIFIED_DESCENDING")
    return chosen


def list_connections(state: PeopleState, params: ListParams, path: str) -> dict[str, Any]:
    window, offset = sync_window(state, params)
    chosen = select_contacts(state, params, window)
    page = chosen[offset:offset + params.page_size]
    body: dict[str, Any] = {}
    people = [render_person(c, params.fields) for c in page]
    fault = state.knobs.take("malformed", path) if people else None
    if fault is not None:
        people[0] = fault.broken(people[0], "resourceName")
    if people:
        body["connections"] = people
    end = offset + len(page)
    if end < len(chosen):
        body["nextPageToken"] = encode_token({"offset": end, "until": window.until_seq,
                                              "origin": window.origin,
                                              "fp": params.fingerprint()})
    elif params.request_sync_token:
        body["nextSyncToken"] = encode_token({"seq": window.until_seq,
                                              "origin": window.origin})
    if window.since_seq is None and chosen:
        body["totalPeople"] = body["totalItems"] = len(chosen)
    return body


def router(state: PeopleState, authorize: Authorize) -> APIRouter:
    api = APIRouter()

    @api.get("/v1/people/{person_id}/connections")
    def connections(person_id: str, request: Request) -> Response:
        if (denied := auth_failure(request, authorize, old_style=False)) is not None:
            return denied
        try:
            if person_id != "me":
                raise BadRequest(INVALID_ARGUMENT)
            body = list_connections(state, parse_list_params(request), request.url.path)
        except BadRequest as bad:
            return amend_error(google_common.google_error(
                400, bad.message, "badRequest", include_errors=False), details=bad.details)
        except ExpiredSyncToken:
            return expired_sync_token_error()
        return json_or_truncated(state.knobs, body, request.url.path)

    return api


def expired_sync_token_error() -> JSONResponse:
    """Status INVALID_ARGUMENT as in a captured body (synthetic mocks elsewhere say
    FAILED_PRECONDITION): clients must key on the ErrorInfo reason, not the status."""
    response = google_common.google_error(400, EXPIRED_MESSAGE, "EXPIRED_SYNC_TOKEN",
                                          status="INVALID_ARGUMENT", include_errors=False)
    return amend_error(response, details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                           "reason": "EXPIRED_SYNC_TOKEN",
                                           "domain": "people.googleapis.com"}])


def create_app(state: PeopleState, authorize: Authorize | None = None) -> KnobsMiddleware:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router(state, authorize or bearer_present))
    app.include_router(admin_router(state.knobs))
    install_not_found_page(app)
    return KnobsMiddleware(app, state.knobs, google_common.render_fault)

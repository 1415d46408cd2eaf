"""Salesforce query rows → unified-model objects: pure functions, no I/O.

Every mapper takes one row exactly as the REST API sends it (with its
`attributes` block; see tests/fixtures/api-samples/salesforce) and either
returns a model object or raises `RecordInvalid`, which sends the row to
quarantine. Fields the connector always selects may still be missing in a
recorded sample (the samples select fewer fields), so only what a record
cannot exist without is required: the Id, and the name of accounts and deals.

Salesforce datetimes look like `2024-01-01T00:00:00.000+0000` (UTC, no colon in
the offset); dates are `2024-01-01` and stay `date`s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.errors import RecordInvalid
from model import Account, Contact, Deal, Event, EventKind, Identity, RecordState, Task

CONTACT_PREFIX = "003"
ACCOUNT_PREFIX = "001"
OPPORTUNITY_PREFIX = "006"
MINUTES_PER_DAY = 24 * 60
# Only used when a row lacks IsClosed/IsWon (a sample that did not select them):
# the two closed stages every new org has. The connector itself always selects
# the flags, because stage names are configurable per org.
DEFAULT_CLOSED_STAGES = {"Closed Won": (True, True), "Closed Lost": (True, False)}


@dataclass(frozen=True)
class MapContext:
    """What a mapper needs besides the row: where it came from and how to link to it."""

    source: str
    instance_url: str

    def url(self, sobject: str, record_id: str) -> str:
        """The Lightning deep link a coordinator can open."""
        return f"{self.instance_url.rstrip('/')}/lightning/r/{sobject}/{record_id}/view"


def parse_datetime(value: object, field: str) -> datetime | None:
    """`2024-01-01T00:00:00.000+0000` (or `Z`, or without milliseconds) → aware UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordInvalid(f"{field} is not a datetime string")
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    raise RecordInvalid(f"{field} is not a Salesforce datetime: {value[:40]!r}")


def parse_date(value: object, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordInvalid(f"{field} is not a date string")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise RecordInvalid(f"{field} is not a date: {value[:40]!r}") from error


def record_id(raw: dict[str, Any]) -> str:
    value = raw.get("Id")
    if not isinstance(value, str) or not value:
        raise RecordInvalid("row has no Id")
    return value


def sobject_of(raw: dict[str, Any], default: str) -> str:
    attributes = raw.get("attributes")
    kind = attributes.get("type") if isinstance(attributes, dict) else None
    return kind if isinstance(kind, str) and kind else default


def remote_updated_at(raw: dict[str, Any]) -> datetime | None:
    """SystemModstamp (what the cursor follows), else LastModifiedDate."""
    for field in ("SystemModstamp", "LastModifiedDate"):
        if raw.get(field) is not None:
            return parse_datetime(raw[field], field)
    return None


def _text(raw: dict[str, Any], field: str) -> str | None:
    value = raw.get(field)
    return value if isinstance(value, str) and value else None


def _required_text(raw: dict[str, Any], field: str) -> str:
    value = _text(raw, field)
    if value is None:
        raise RecordInvalid(f"row has no {field}")
    return value


def person_name(raw: dict[str, Any]) -> str:
    """`Name` is compound and read-only; samples that skip it still have the parts."""
    name = _text(raw, "Name")
    if name:
        return name
    return " ".join(p for p in (_text(raw, "FirstName"), _text(raw, "LastName")) if p)


def _common(raw: dict[str, Any], ctx: MapContext, sobject: str) -> dict[str, Any]:
    """The columns every synced record shares. A row that reached a mapper is
    live: deleted rows (`IsDeleted: true`) become tombstones before mapping."""
    external_id = record_id(raw)
    return {"source": ctx.source, "external_id": external_id,
            "url": ctx.url(sobject_of(raw, sobject), external_id), "raw": dict(raw),
            "remote_updated_at": remote_updated_at(raw), "state": RecordState.active}


def map_user(raw: dict[str, Any], ctx: MapContext) -> Identity:
    """A User is an identity, not a record: users are deactivated, never deleted."""
    is_active = raw.get("IsActive")
    return Identity(source=ctx.source, external_id=record_id(raw), email=_text(raw, "Email"),
                    username=_text(raw, "Username"), display_name=person_name(raw) or None,
                    active=is_active is not False, raw=dict(raw))


def map_account(raw: dict[str, Any], ctx: MapContext) -> Account:
    return Account(**_common(raw, ctx, "Account"), name=_required_text(raw, "Name"),
                   owner_external_id=_text(raw, "OwnerId"))


def map_contact(raw: dict[str, Any], ctx: MapContext) -> Contact:
    return Contact(**_common(raw, ctx, "Contact"), name=person_name(raw),
                   email=_text(raw, "Email"), account_external_id=_text(raw, "AccountId"),
                   owner_external_id=_text(raw, "OwnerId"))


def _deal_flags(raw: dict[str, Any]) -> tuple[bool, bool]:
    if "IsClosed" in raw:
        return bool(raw["IsClosed"]), bool(raw.get("IsWon"))
    return DEFAULT_CLOSED_STAGES.get(str(raw.get("StageName")), (False, False))


def map_opportunity(raw: dict[str, Any], ctx: MapContext) -> Deal:
    is_closed, is_won = _deal_flags(raw)
    amount = raw.get("Amount")
    if amount is not None and not isinstance(amount, int | float):
        raise RecordInvalid("Amount is not a number")
    return Deal(**_common(raw, ctx, "Opportunity"), name=_required_text(raw, "Name"),
                account_external_id=_text(raw, "AccountId"), stage=_text(raw, "StageName") or "",
                is_closed=is_closed, is_won=is_won,
                close_on=parse_date(raw.get("CloseDate"), "CloseDate"),
                amount=None if amount is None else float(amount),
                owner_external_id=_text(raw, "OwnerId"))


@dataclass(frozen=True)
class Related:
    """The contact, account and deal an activity is about (WhoId / WhatId / AccountId).

    WhoId may be a Lead (00Q) and WhatId any object; only ids of the kinds
    baton stores are kept, recognised by their key prefix.
    """

    contact: str | None
    account: str | None
    deal: str | None


def related(raw: dict[str, Any]) -> Related:
    who, what = _text(raw, "WhoId"), _text(raw, "WhatId")
    account = _text(raw, "AccountId")
    if account is None and what and what.startswith(ACCOUNT_PREFIX):
        account = what
    return Related(contact=who if who and who.startswith(CONTACT_PREFIX) else None,
                   account=account,
                   deal=what if what and what.startswith(OPPORTUNITY_PREFIX) else None)


def all_day_dates(raw: dict[str, Any]) -> tuple[date, date]:
    """An all-day event's first day and EXCLUSIVE end day.

    Salesforce keeps all-day events as dates at midnight UTC: ActivityDate is
    the first day and DurationInMinutes counts whole days (1440 per day), so
    the exclusive end is start + days. Without a duration, EndDateTime's date
    is read as the event's last day (inclusive), as Salesforce stores it.
    """
    start = (parse_date(raw.get("ActivityDate"), "ActivityDate")
             or _date_of(raw, "StartDateTime"))
    if start is None:
        raise RecordInvalid("all-day event has neither ActivityDate nor StartDateTime")
    minutes = raw.get("DurationInMinutes")
    if isinstance(minutes, int | float) and not isinstance(minutes, bool):
        return start, start + timedelta(days=max(1, math.ceil(minutes / MINUTES_PER_DAY)))
    last = _date_of(raw, "EndDateTime") or start
    return start, max(last, start) + timedelta(days=1)


def _date_of(raw: dict[str, Any], field: str) -> date | None:
    value = parse_datetime(raw.get(field), field)
    return value.date() if value else None


def map_event(raw: dict[str, Any], ctx: MapContext) -> Event:
    links = related(raw)
    times: dict[str, Any]
    if raw.get("IsAllDayEvent"):
        start_date, end_date = all_day_dates(raw)
        times = {"start_date": start_date, "end_date": end_date}
    else:
        start_at = parse_datetime(raw.get("StartDateTime"), "StartDateTime")
        end_at = parse_datetime(raw.get("EndDateTime"), "EndDateTime")
        if start_at is None or end_at is None:
            raise RecordInvalid("timed event lacks StartDateTime or EndDateTime")
        times = {"start_at": start_at, "end_at": end_at}
    return Event(**_common(raw, ctx, "Event"), **times, title=_text(raw, "Subject") or "",
                 description=_text(raw, "Description"), kind=EventKind.meeting,
                 owner_external_id=_text(raw, "OwnerId"), contact_external_id=links.contact,
                 account_external_id=links.account, deal_external_id=links.deal)


def map_task(raw: dict[str, Any], ctx: MapContext) -> Task:
    """Closed tasks are `completed`. Salesforce's ActivityDate is a date (due
    that day in the owner's timezone), so it is `due_on`, never `due_at`."""
    links = related(raw)
    common = _common(raw, ctx, "Task")
    if raw.get("IsClosed"):
        common["state"] = RecordState.completed
    return Task(**common, title=_text(raw, "Subject") or "",
                description=_text(raw, "Description"),
                due_on=parse_date(raw.get("ActivityDate"), "ActivityDate"),
                contact_external_id=links.contact, account_external_id=links.account,
                deal_external_id=links.deal)


def task_assignees(raw: dict[str, Any]) -> list[str]:
    """A Salesforce task has exactly one owner (a user or a queue)."""
    owner = _text(raw, "OwnerId")
    return [owner] if owner else []

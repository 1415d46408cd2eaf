"""Salesforce mapping on the recorded samples (the samples win over our beliefs), plus
variants derived from them where no recording exists (events, tasks, deleted rows)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import RecordInvalid
from connectors.salesforce.mapping import (
    MapContext,
    map_account,
    map_contact,
    map_event,
    map_opportunity,
    map_task,
    map_user,
    task_assignees,
)
from model import RecordState

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples" / "salesforce"
CTX = MapContext(source="sf", instance_url="https://acme.my.salesforce.com/")


def rows(name: str) -> list[dict[str, Any]]:
    return json.loads((SAMPLES / name).read_text())["records"]


def single(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def test_every_user_in_the_sample_maps_to_an_identity() -> None:
    identities = [map_user(r, CTX) for r in rows("query_users.json")]
    assert len(identities) == 8
    nango = identities[-1]
    assert (nango.source, nango.external_id, nango.email, nango.username) == (
        "sf", "005dM00000awSFJQA2", "api@nango.dev", "api.bf5463dc8155@agentforce.com")
    assert nango.display_name == "Nango API" and nango.active is True
    assert nango.raw["Profile"]["Name"] == "System Administrator"
    by_id = {i.external_id: i for i in identities}
    assert by_id["005dM00000aYaE6QAK"].display_name == "Platform Integration User"  # no first


def test_a_user_fetched_by_id_maps_with_its_compound_name() -> None:
    identity = map_user(single("sobject_user_get.json"), CTX)
    assert (identity.external_id, identity.display_name, identity.email, identity.active) == (
        "005dM00000aYaE3QAK", "Integration User", "noreply@example.com", True)


def test_inactive_user_is_an_inactive_identity() -> None:
    raw = {**rows("query_users.json")[0], "IsActive": False}
    assert map_user(raw, CTX).active is False


def test_every_contact_maps_with_name_email_account_and_utc_stamp() -> None:
    contacts = [map_contact(r, CTX) for r in rows("query_contacts.json")]
    assert len(contacts) == 213
    rose = contacts[0]
    assert (rose.external_id, rose.name, rose.email, rose.account_external_id) == (
        "003dM00001vWOXJQA4", "Rose Gonzalez", "rose@edge.com", "001dM00003jU9GxQAK")
    assert rose.owner_external_id is None  # the sample did not select OwnerId
    assert rose.remote_updated_at == datetime(2026, 5, 1, 7, 25, 37, tzinfo=UTC)
    assert rose.url == "https://acme.my.salesforce.com/lightning/r/Contact/003dM00001vWOXJQA4/view"
    assert rose.state is RecordState.active and rose.raw["MailingCity"] is None


def test_every_opportunity_maps_to_a_deal() -> None:
    deals = [map_opportunity(r, CTX) for r in rows("query_opportunities.json")]
    assert len(deals) == 31
    first = deals[0]
    assert (first.name, first.stage, first.close_on, first.amount, first.owner_external_id) == (
        "Dickenson Mobile Generators", "Qualification", date(2026, 3, 8), 15000.0,
        "005dM00000aYf0qQAC")
    assert (first.is_closed, first.is_won) == (False, False)
    won = next(d for d in deals if d.external_id == "006dM00000Mw7VvQAJ")
    assert won.stage == "Closed Won" and (won.is_closed, won.is_won) == (True, True)
    assert isinstance(won.close_on, date) and not isinstance(won.close_on, datetime)


def test_opportunity_flags_come_from_salesforce_when_selected() -> None:
    raw = {**rows("query_opportunities.json")[0], "StageName": "Lost to rival",
           "IsClosed": True, "IsWon": False, "AccountId": "001dM00003jU9GxQAK"}
    deal = map_opportunity(raw, CTX)
    assert (deal.is_closed, deal.is_won, deal.account_external_id) == (
        True, False, "001dM00003jU9GxQAK")


@pytest.mark.parametrize("sample", ["queryAll_accounts.json",
                                    "query_accounts_page1_done_false.json",
                                    "query_more_last_page.json"])
def test_every_account_sample_maps(sample: str) -> None:
    records = rows(sample)
    accounts = [map_account(r, CTX) for r in records]
    assert [a.external_id for a in accounts] == [r["Id"] for r in records]
    assert all(a.name and a.url and a.url.endswith(f"/{a.external_id}/view") for a in accounts)
    for account in accounts:
        stamp = account.remote_updated_at
        assert stamp is None or stamp.tzinfo is UTC


def test_account_without_systemmodstamp_falls_back_to_last_modified() -> None:
    account = map_account(rows("query_accounts_page1_done_false.json")[0], CTX)
    assert account.remote_updated_at is not None and account.remote_updated_at.tzinfo is UTC


def test_an_account_fetched_by_id_maps_with_its_owner() -> None:
    account = map_account(single("sobject_account_get.json"), CTX)
    assert (account.name, account.owner_external_id) == ("Edge Communications",
                                                        "005dM00000aYf0qQAC")


def event_row(**fields: Any) -> dict[str, Any]:
    """No Event was recorded: the attributes/stamp shape of the Account sample, with
    Event fields as the replica's schema (and Salesforce's object reference) name them."""
    base = single("sobject_account_get.json")
    row = {"attributes": {"type": "Event", "url": "/services/data/v60.0/sobjects/Event/"
                          "00UdM00000AbCdEUAV"},
           "Id": "00UdM00000AbCdEUAV", "IsDeleted": False, "SystemModstamp":
           base["SystemModstamp"], "Subject": "Kick-off", "Description": None,
           "OwnerId": "005dM00000aYf0qQAC", "WhoId": None, "WhatId": None, "AccountId": None,
           "IsAllDayEvent": False, "StartDateTime": "2026-05-12T08:30:00.000+0000",
           "EndDateTime": "2026-05-12T09:30:00.000+0000", "ActivityDate": "2026-05-12",
           "DurationInMinutes": 60}
    row.update(fields)
    return row


def test_timed_event_maps_to_utc_instants_and_its_links() -> None:
    event = map_event(event_row(WhoId="003dM00001vWOXJQA4", WhatId="006dM00000Mw7VtQAJ",
                                AccountId="001dM00003jU9GxQAK"), CTX)
    assert (event.start_at, event.end_at) == (datetime(2026, 5, 12, 8, 30, tzinfo=UTC),
                                              datetime(2026, 5, 12, 9, 30, tzinfo=UTC))
    assert event.start_date is None and event.kind.value == "meeting"
    assert (event.contact_external_id, event.deal_external_id, event.account_external_id) == (
        "003dM00001vWOXJQA4", "006dM00000Mw7VtQAJ", "001dM00003jU9GxQAK")
    assert event.owner_external_id == "005dM00000aYf0qQAC" and event.title == "Kick-off"


def test_all_day_event_has_dates_with_an_exclusive_end() -> None:
    two_days = event_row(IsAllDayEvent=True, StartDateTime="2026-05-12T00:00:00.000+0000",
                         EndDateTime="2026-05-13T00:00:00.000+0000", DurationInMinutes=2880)
    event = map_event(two_days, CTX)
    assert (event.start_date, event.end_date) == (date(2026, 5, 12), date(2026, 5, 14))
    assert event.start_at is None and event.end_at is None
    no_duration = {k: v for k, v in two_days.items() if k != "DurationInMinutes"}
    assert map_event(no_duration, CTX).end_date == date(2026, 5, 14)


def test_a_lead_or_other_object_is_not_taken_for_a_contact_or_deal() -> None:
    event = map_event(event_row(WhoId="00QdM00000LeAdQAA", WhatId="001dM00003jU9GxQAK"), CTX)
    assert event.contact_external_id is None and event.deal_external_id is None
    assert event.account_external_id == "001dM00003jU9GxQAK"


def task_row(**fields: Any) -> dict[str, Any]:
    row = event_row(attributes={"type": "Task", "url": "/services/data/v60.0/sobjects/Task/"
                                "00TdM00000AbCdEUAV"}, Id="00TdM00000AbCdEUAV",
                    Subject="Send contract", Status="Not Started", IsClosed=False)
    for field in ("StartDateTime", "EndDateTime", "IsAllDayEvent", "DurationInMinutes"):
        del row[field]
    row.update(fields)
    return row


def test_task_due_date_stays_a_date_and_closed_means_completed() -> None:
    open_task = map_task(task_row(), CTX)
    assert open_task.due_on == date(2026, 5, 12) and open_task.due_at is None
    assert open_task.state is RecordState.active
    assert open_task.url == "https://acme.my.salesforce.com/lightning/r/Task/00TdM00000AbCdEUAV/view"
    done = map_task(task_row(Status="Completed", IsClosed=True), CTX)
    assert done.state is RecordState.completed
    assert task_assignees(task_row()) == ["005dM00000aYf0qQAC"]
    assert task_assignees(task_row(OwnerId=None)) == []


@pytest.mark.parametrize(("mapper", "raw", "problem"), [
    (map_account, {"attributes": {"type": "Account"}, "Name": "No id"}, "row has no Id"),
    (map_account, {"Id": "001dM00003jU9GxQAK", "Name": None}, "row has no Name"),
    (map_contact, {"Id": "003dM00001vWOXJQA4", "SystemModstamp": "yesterday"},
     "SystemModstamp is not a Salesforce datetime"),
    (map_opportunity, {"Id": "006dM00000Mw7VtQAJ", "Name": "X", "CloseDate": "soon"},
     "CloseDate is not a date"),
    (map_event, {"Id": "00UdM00000AbCdEUAV", "IsAllDayEvent": False}, "timed event lacks"),
])
def test_unmappable_rows_raise_record_invalid(mapper: Any, raw: dict[str, Any],
                                              problem: str) -> None:
    with pytest.raises(RecordInvalid, match=problem):
        mapper(raw, CTX)

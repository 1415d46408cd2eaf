"""In-memory org behind the replica, with the plain Python API tests drive it by.

Timestamps come from `knobs.clock`, truncated to whole seconds because
Salesforce stores SystemModstamp and friends at second precision (every
sample shows `.000`). Deleting moves a record to the recycle bin (IsDeleted
true, SystemModstamp bumped, so `queryAll ... WHERE SystemModstamp > cursor`
sees the deletion); after 15 days it is purged for good and neither
`queryAll` nor `sobjects/X/deleted/` shows it any more.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sandbox.knobs import Knobs
from sandbox.salesforce.schema import (
    OBJECTS,
    OPPORTUNITY_STAGES,
    TASK_STATUSES,
    FieldValue,
    make_id,
)

DEFAULT_SESSION_ID = "00DSb0000000001!sandbox.session.token"
DEFAULT_DAILY_API_LIMIT = 15000
RECYCLE_BIN_DAYS = 15
DEFAULT_PROFILES = ("System Administrator", "Standard User")


@dataclass
class StoredRecord:
    sobject: str
    values: dict[str, FieldValue]
    deleted_at: datetime | None = None

    @property
    def id(self) -> str:
        return str(self.values["Id"])


@dataclass
class SalesforceState:
    knobs: Knobs = field(default_factory=Knobs)
    sessions: set[str] = field(default_factory=lambda: {DEFAULT_SESSION_ID})
    daily_api_limit: int = DEFAULT_DAILY_API_LIMIT
    api_usage: int = 0
    records: dict[str, StoredRecord] = field(default_factory=dict)
    purged_until: dict[str, datetime] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    _sequence: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.org_created_at = self.now()
        for name in DEFAULT_PROFILES:
            self.profiles[name] = self._insert("Profile", {"Name": name})

    # -- clock, sessions, limits -------------------------------------------------------

    def now(self) -> datetime:
        return self.knobs.clock.now().replace(microsecond=0)

    def add_session(self, session_id: str) -> None:
        self.sessions.add(session_id)

    def revoke_session(self, session_id: str) -> None:
        """An expired or revoked token: the next call gets 401 INVALID_SESSION_ID."""
        self.sessions.discard(session_id)

    def set_api_limit(self, daily_limit: int, used: int | None = None) -> None:
        """`used >= daily_limit` makes every call fail with REQUEST_LIMIT_EXCEEDED."""
        self.daily_api_limit = daily_limit
        if used is not None:
            self.api_usage = used

    # -- creation ------------------------------------------------------------------------

    def _insert(self, sobject: str, values: dict[str, FieldValue]) -> str:
        with self.lock:
            self._sequence += 1
            record_id = make_id(OBJECTS[sobject.lower()].key_prefix, 4_000_000 + self._sequence)
            stamp = self.now()
            row: dict[str, FieldValue] = {f.name: None for f in OBJECTS[sobject.lower()].fields}
            row.update(Id=record_id, CreatedDate=stamp, LastModifiedDate=stamp,
                       SystemModstamp=stamp)
            if "IsDeleted" in row:
                row["IsDeleted"] = False
            row.update(values)
            self.records[record_id] = StoredRecord(sobject, row)
            self._derive(self.records[record_id])
            return record_id

    def add_user(self, username: str, *, last_name: str, email: str,
                 first_name: str | None = None, is_active: bool = True,
                 profile: str = "Standard User", time_zone: str = "America/Los_Angeles",
                 title: str | None = None, department: str | None = None) -> str:
        if profile not in self.profiles:
            raise ValueError(f"unknown profile {profile!r}; have {sorted(self.profiles)}")
        return self._insert("User", {
            "Username": username, "Email": email, "FirstName": first_name,
            "LastName": last_name, "IsActive": is_active, "ProfileId": self.profiles[profile],
            "TimeZoneSidKey": time_zone, "UserType": "Standard", "Title": title,
            "Department": department})

    def add_account(self, name: str, *, owner_id: str, type_: str | None = None,
                    industry: str | None = None, website: str | None = None,
                    phone: str | None = None, description: str | None = None) -> str:
        self._require(owner_id, "User")
        return self._insert("Account", {
            "Name": name, "OwnerId": owner_id, "Type": type_, "Industry": industry,
            "Website": website, "Phone": phone, "Description": description})

    def add_contact(self, last_name: str, *, owner_id: str, first_name: str | None = None,
                    email: str | None = None, account_id: str | None = None,
                    phone: str | None = None, title: str | None = None) -> str:
        self._require(owner_id, "User")
        self._require(account_id, "Account")
        return self._insert("Contact", {
            "LastName": last_name, "FirstName": first_name, "Email": email,
            "AccountId": account_id, "OwnerId": owner_id, "Phone": phone, "Title": title})

    def add_opportunity(self, name: str, *, stage: str, close_date: date, owner_id: str,
                        account_id: str | None = None, amount: float | None = None,
                        description: str | None = None) -> str:
        self._require(owner_id, "User")
        self._require(account_id, "Account")
        return self._insert("Opportunity", {
            "Name": name, "StageName": stage, "CloseDate": close_date, "OwnerId": owner_id,
            "AccountId": account_id, "Amount": amount, "Description": description})

    def add_event(self, subject: str, *, start: datetime, end: datetime, owner_id: str,
                  is_all_day: bool = False, who_id: str | None = None,
                  what_id: str | None = None, location: str | None = None,
                  description: str | None = None) -> str:
        """All-day events are stored as midnight-UTC dates, as Salesforce does."""
        self._require(owner_id, "User")
        return self._insert("Event", {
            "Subject": subject, "StartDateTime": start, "EndDateTime": end,
            "IsAllDayEvent": is_all_day, "OwnerId": owner_id, "WhoId": who_id,
            "WhatId": what_id, "Location": location, "Description": description})

    def add_task(self, subject: str, *, owner_id: str, status: str = "Not Started",
                 activity_date: date | None = None, priority: str = "Normal",
                 who_id: str | None = None, what_id: str | None = None,
                 description: str | None = None) -> str:
        self._require(owner_id, "User")
        return self._insert("Task", {
            "Subject": subject, "OwnerId": owner_id, "Status": status,
            "ActivityDate": activity_date, "Priority": priority, "WhoId": who_id,
            "WhatId": what_id, "Description": description})

    def _require(self, record_id: str | None, sobject: str) -> None:
        if record_id is None:
            return
        record = self.records.get(record_id)
        if record is None or record.sobject != sobject or record.deleted_at is not None:
            raise ValueError(f"{record_id!r} is not a live {sobject}")

    # -- derived fields ------------------------------------------------------------------

    def _derive(self, record: StoredRecord) -> None:
        """Read-only fields Salesforce computes from others on every save."""
        row = record.values
        if record.sobject in ("User", "Contact"):
            row["Name"] = " ".join(str(p) for p in (row["FirstName"], row["LastName"]) if p)
        if record.sobject == "Opportunity":
            if row["StageName"] not in OPPORTUNITY_STAGES:
                raise ValueError(f"unknown stage {row['StageName']!r}")
            row["IsClosed"], row["IsWon"] = OPPORTUNITY_STAGES[str(row["StageName"])]
        if record.sobject == "Task":
            if row["Status"] not in TASK_STATUSES:
                raise ValueError(f"unknown task status {row['Status']!r}")
            row["IsClosed"] = TASK_STATUSES[str(row["Status"])]
        if record.sobject == "Event":
            self._derive_event(row)
        if record.sobject in ("Event", "Task"):
            row["AccountId"] = self._activity_account(row)

    @staticmethod
    def _derive_event(row: dict[str, FieldValue]) -> None:
        start, end = row["StartDateTime"], row["EndDateTime"]
        if not isinstance(start, datetime) or not isinstance(end, datetime) or end < start:
            raise ValueError("an event needs aware start <= end datetimes")
        row["ActivityDate"] = start.date()
        row["ActivityDateTime"] = None if row["IsAllDayEvent"] else start
        row["DurationInMinutes"] = int((end - start).total_seconds() // 60)

    def _activity_account(self, row: dict[str, FieldValue]) -> FieldValue:
        """An activity's AccountId: the What if it is (or belongs to) an account, else
        the Who contact's account."""
        for key in ("WhatId", "WhoId"):
            related = self.records.get(str(row[key])) if row[key] else None
            if related is None:
                continue
            if related.sobject == "Account":
                return related.id
            if related.values.get("AccountId"):
                return related.values["AccountId"]
        return None

    # -- changes -------------------------------------------------------------------------

    def update(self, record_id: str, **values: FieldValue) -> None:
        """Set fields by API name; LastModifiedDate and SystemModstamp move to now."""
        with self.lock:
            record = self._live(record_id)
            unknown = [k for k in values if k not in record.values or k == "Id"]
            if unknown:
                raise ValueError(f"{record.sobject} has no updatable field(s) {unknown}")
            record.values.update(values)
            self._derive(record)
            record.values["LastModifiedDate"] = record.values["SystemModstamp"] = self.now()

    def delete(self, record_id: str) -> None:
        """To the recycle bin, cascading as Salesforce does from an account to its
        contacts and opportunities, and from any record to activities on it."""
        with self.lock:
            record = self._live(record_id)
            if not OBJECTS[record.sobject.lower()].deletable:
                raise ValueError(f"{record.sobject} records cannot be deleted (deactivate)")
            stamp = self.now()
            for victim in [record, *self._dependants(record_id)]:
                victim.deleted_at = stamp
                victim.values["IsDeleted"] = True
                victim.values["SystemModstamp"] = stamp

    def _dependants(self, record_id: str) -> list[StoredRecord]:
        direct = [r for r in self.records.values() if r.deleted_at is None and (
            (r.sobject in ("Contact", "Opportunity") and r.values.get("AccountId") == record_id)
            or (r.sobject in ("Event", "Task") and record_id in (r.values["WhatId"],
                                                                 r.values["WhoId"])))]
        nested = [d for child in direct if child.sobject != "Event"
                  for d in self._dependants(child.id)]
        return list({r.id: r for r in direct + nested}.values())

    def undelete(self, record_id: str) -> None:
        with self.lock:
            self.purge_expired()
            record = self.records.get(record_id)
            if record is None or record.deleted_at is None:
                raise ValueError(f"{record_id!r} is not in the recycle bin")
            record.deleted_at = None
            record.values["IsDeleted"] = False
            record.values["SystemModstamp"] = self.now()

    def _live(self, record_id: str) -> StoredRecord:
        record = self.records.get(record_id)
        if record is None or record.deleted_at is not None:
            raise ValueError(f"no live record {record_id!r}")
        return record

    def purge_expired(self) -> None:
        """Empty the recycle bin of rows deleted more than 15 days ago."""
        with self.lock:
            cutoff = self.now() - timedelta(days=RECYCLE_BIN_DAYS)
            for record in [r for r in self.records.values()
                           if r.deleted_at is not None and r.deleted_at <= cutoff]:
                del self.records[record.id]
                previous = self.purged_until.get(record.sobject, record.deleted_at)
                self.purged_until[record.sobject] = max(previous, record.deleted_at)

    # -- reads ---------------------------------------------------------------------------

    def rows(self, sobject: str, *, include_deleted: bool) -> list[StoredRecord]:
        """Rows in creation order; recycle-bin rows only for queryAll."""
        with self.lock:
            self.purge_expired()
            return [r for r in self.records.values() if r.sobject == sobject
                    and (include_deleted or r.deleted_at is None)]

    def get(self, record_id: str) -> StoredRecord | None:
        record = self.records.get(record_id)
        if record is None and len(record_id) == 15:
            record = next((r for r in self.records.values() if r.id[:15] == record_id), None)
        return record

    def earliest_date_available(self, sobject: str) -> datetime:
        """getDeleted's `earliestDateAvailable`: the last purge, or the org's birth."""
        return self.purged_until.get(sobject, self.org_created_at)

"""The sObjects the replica serves: fields, relationships, ids and wire formats.

Only the objects and fields baton's connector reads are described; a field
that is not here is answered with INVALID_FIELD, exactly as the real API does
for a field that does not exist, so the list errs on the side of the samples
in tests/fixtures/api-samples/salesforce. Note that `User` has no `IsDeleted`
(users are deactivated, never deleted: see sobject_user_get.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

FieldKind = Literal["id", "reference", "string", "picklist", "boolean", "datetime", "date",
                    "double", "currency", "int"]
FieldValue = str | bool | float | int | datetime | date | None

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
POD = "Sb"  # the two "instance" characters after the key prefix in every id


@dataclass(frozen=True)
class FieldDef:
    name: str
    kind: FieldKind


@dataclass(frozen=True)
class RelationshipDef:
    name: str
    id_field: str
    target: str


@dataclass(frozen=True)
class ObjectDef:
    name: str
    key_prefix: str
    fields: tuple[FieldDef, ...]
    relationships: tuple[RelationshipDef, ...] = ()
    deletable: bool = True

    def field(self, name: str) -> FieldDef | None:
        """Field names are case-insensitive in SOQL; the answer uses the API name."""
        return next((f for f in self.fields if f.name.lower() == name.lower()), None)

    def relationship(self, name: str) -> RelationshipDef | None:
        return next((r for r in self.relationships if r.name.lower() == name.lower()), None)


def _fields(spec: str, *, deletable: bool = True) -> tuple[FieldDef, ...]:
    """`"Name:string IsActive:boolean"` plus the audit fields every object has."""
    audit = "Id:id CreatedDate:datetime LastModifiedDate:datetime SystemModstamp:datetime"
    if deletable:
        audit += " IsDeleted:boolean"
    pairs = (item.split(":") for item in f"{audit} {spec}".split())
    return tuple(FieldDef(name, kind) for name, kind in pairs)  # type: ignore[arg-type]


OWNER = RelationshipDef("Owner", "OwnerId", "User")
ACCOUNT = RelationshipDef("Account", "AccountId", "Account")
ACTIVITY_FIELDS = ("Subject:string ActivityDate:date Description:string WhoId:reference "
                   "WhatId:reference AccountId:reference OwnerId:reference")

OBJECTS: dict[str, ObjectDef] = {o.name.lower(): o for o in (
    ObjectDef("Profile", "00e", _fields("Name:string", deletable=False), deletable=False),
    ObjectDef("User", "005", _fields(
        "Username:string Email:string FirstName:string LastName:string Name:string "
        "IsActive:boolean ProfileId:reference TimeZoneSidKey:picklist UserType:picklist "
        "Title:string Department:string", deletable=False),
        (RelationshipDef("Profile", "ProfileId", "Profile"),), deletable=False),
    ObjectDef("Account", "001", _fields(
        "Name:string Type:picklist Industry:picklist Website:string Phone:string "
        "Description:string OwnerId:reference"), (OWNER,)),
    ObjectDef("Contact", "003", _fields(
        "AccountId:reference FirstName:string LastName:string Name:string Email:string "
        "Phone:string Title:string OwnerId:reference"), (ACCOUNT, OWNER)),
    ObjectDef("Opportunity", "006", _fields(
        "Name:string StageName:picklist IsClosed:boolean IsWon:boolean CloseDate:date "
        "OwnerId:reference AccountId:reference Amount:currency Description:string"),
        (ACCOUNT, OWNER)),
    ObjectDef("Event", "00U", _fields(
        f"{ACTIVITY_FIELDS} StartDateTime:datetime EndDateTime:datetime "
        "IsAllDayEvent:boolean ActivityDateTime:datetime DurationInMinutes:int "
        "Location:string"), (ACCOUNT, OWNER)),
    ObjectDef("Task", "00T", _fields(
        f"{ACTIVITY_FIELDS} Status:picklist Priority:picklist IsClosed:boolean"),
        (ACCOUNT, OWNER)),
)}

PREFIXES = {o.key_prefix: o for o in OBJECTS.values()}

# The default picklists of a new org; IsClosed/IsWon follow from the stage, as
# Salesforce derives them from the OpportunityStage / TaskStatus settings.
OPPORTUNITY_STAGES: dict[str, tuple[bool, bool]] = {
    "Prospecting": (False, False), "Qualification": (False, False),
    "Needs Analysis": (False, False), "Value Proposition": (False, False),
    "Id. Decision Makers": (False, False), "Perception Analysis": (False, False),
    "Proposal/Price Quote": (False, False), "Negotiation/Review": (False, False),
    "Closed Won": (True, True), "Closed Lost": (True, False),
}
TASK_STATUSES: dict[str, bool] = {
    "Not Started": False, "In Progress": False, "Completed": True,
    "Waiting on someone else": False, "Deferred": False,
}


def lookup_object(name: str) -> ObjectDef | None:
    return OBJECTS.get(name.lower())


def object_for_id(record_id: str) -> ObjectDef | None:
    return PREFIXES.get(record_id[:3])


def make_id(key_prefix: str, sequence: int) -> str:
    """An 18-character id: prefix, pod, a base-62 counter, and the case checksum.

    The three-letter suffix is Salesforce's real checksum (one letter per five
    characters, encoding which of them are upper case), so ids survive a
    client that validates or converts 15 <-> 18 characters.
    """
    digits = ""
    while sequence:
        sequence, remainder = divmod(sequence, 62)
        digits = BASE62[remainder] + digits
    short = f"{key_prefix}{POD}{digits.rjust(10, '0')}"
    return short + checksum(short)


def checksum(short_id: str) -> str:
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, char in enumerate(short_id[chunk * 5:chunk * 5 + 5])
                   if "A" <= char <= "Z")
        suffix += CHECKSUM_ALPHABET[bits]
    return suffix


def format_datetime(value: datetime) -> str:
    """Salesforce's wire format: milliseconds and a `+0000` zone without colon."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def wire_value(kind: FieldKind, value: FieldValue) -> object:
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, datetime):
        return format_datetime(value)
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if kind in ("double", "currency"):
        return float(value)  # type: ignore[arg-type]
    return value

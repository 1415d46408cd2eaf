"""The closed vocabularies of the unified model.

Lifecycle states are distinct and never collapsed: a closed Trello card is
`archived` (the board still shows it), a cancelled meeting is `cancelled`, and
only a record gone at the source is `deleted` (kept as a tombstone).
"""

from enum import StrEnum


class RecordState(StrEnum):
    active = "active"
    completed = "completed"
    archived = "archived"
    cancelled = "cancelled"
    deleted = "deleted"


class EventKind(StrEnum):
    meeting = "meeting"
    out_of_office = "out_of_office"
    focus = "focus"
    working_location = "working_location"
    other = "other"


class ResponseStatus(StrEnum):
    """Google's attendee `responseStatus` values; Salesforce maps onto them."""

    needs_action = "needsAction"
    declined = "declined"
    tentative = "tentative"
    accepted = "accepted"


class IdentityMethod(StrEnum):
    email = "email"
    config = "config"
    manual = "manual"
    name = "name"


class LinkMethod(StrEnum):
    url_in_description = "url_in_description"
    url_in_attachment = "url_in_attachment"
    custom_field = "custom_field"
    name_match = "name_match"
    manual = "manual"


class LinkStatus(StrEnum):
    active = "active"
    refuted = "refuted"


class RunStatus(StrEnum):
    running = "running"
    ok = "ok"
    partial = "partial"
    failed = "failed"
    skipped = "skipped"


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    critical = "critical"


class AlertStatus(StrEnum):
    """`pending`: firing, but not yet for the rule's `min_duration_minutes`; not shown
    as an alert until it is confirmed (flap damping). `retired`: its rule is no longer
    configured; kept as it was (acks, snoozes, notes, history) but not shown, counted
    or announced, and back in its former status once the rule is configured again."""

    pending = "pending"
    open = "open"
    acked = "acked"
    snoozed = "snoozed"
    resolved = "resolved"
    silenced = "silenced"
    retired = "retired"


class PersonOrigin(StrEnum):
    """Where a Person came from: config people override discovered ones."""

    config = "config"
    discovered = "discovered"

"""What coordinators do to alerts: ack, snooze until a time, resolve, each with a note.

One function for the HTML forms and the JSON API, so both record the same
`AlertEvent` through `rules.lifecycle` (who, when, why) and fail the same
way: `TransitionError` for a status that does not allow the action.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from model import Alert
from rules import lifecycle
from rules.lifecycle import TransitionError
from rules.timeutil import zone

MAX_NOTE_CHARS = 2000


class Action(StrEnum):
    ack = "ack"
    snooze = "snooze"
    resolve = "resolve"


def act(session: Session, alert_id: int, action: Action, actor: str, note: str | None,
        until: datetime | None, now: datetime) -> Alert:
    """Apply one action and commit; raises `TransitionError` and leaves nothing written."""
    note = (note or "").strip()[:MAX_NOTE_CHARS] or None
    try:
        if action is Action.ack:
            alert = lifecycle.ack(session, alert_id, actor, note, now)
        elif action is Action.snooze:
            if until is None:
                raise TransitionError("say until when to snooze")
            alert = lifecycle.snooze(session, alert_id, until, actor, note, now)
        else:
            alert = lifecycle.resolve(session, alert_id, actor, note, now)
    except TransitionError:
        session.rollback()
        raise
    session.commit()
    session.refresh(alert)
    return alert


def parse_until(text: str | None, timezone: str) -> datetime | None:
    """A `datetime-local` form value (no offset) is read in the installation's timezone;
    an ISO value with an offset is taken as given."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TransitionError(f'"{text}" is not a date and time such as 2026-12-01T09:00'
                              ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(timezone))

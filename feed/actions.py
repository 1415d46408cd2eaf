"""What coordinators do to alerts: ack, snooze until a time, resolve, each with a note.

One function for the HTML forms and the JSON API, so both record the same
`AlertEvent` through `rules.lifecycle` (who, when, why) and fail the same
way: `ActionInputError` for input that can never work (422: no snooze end, an
end in the past or beyond the horizon), `TransitionError` for a status that
does not allow the action (409).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from model import Alert
from rules import lifecycle
from rules.lifecycle import TransitionError
from rules.timeutil import zone

MAX_NOTE_CHARS = 2000
MAX_SNOOZE = timedelta(days=90)
"""A snooze is a pause, not a silence: anything longer is a rule or silence change, and an
unbounded end (year 9999) cannot even be shown in every timezone."""


class Action(StrEnum):
    ack = "ack"
    snooze = "snooze"
    resolve = "resolve"


class ActionInputError(ValueError):
    """The request itself is wrong, whatever the alert's status: answered 422."""


def act(session: Session, alert_id: int, action: Action, actor: str, note: str | None,
        until: datetime | None, now: datetime) -> Alert:
    """Apply one action and commit; raises `ActionInputError` or `TransitionError` and
    leaves nothing written."""
    note = (note or "").strip()[:MAX_NOTE_CHARS] or None
    try:
        if action is Action.ack:
            alert = lifecycle.ack(session, alert_id, actor, note, now)
        elif action is Action.snooze:
            alert = lifecycle.snooze(session, alert_id, check_snooze_end(until, now), actor,
                                     note, now)
        else:
            alert = lifecycle.resolve(session, alert_id, actor, note, now)
    except (ActionInputError, TransitionError):
        session.rollback()
        raise
    session.commit()
    session.refresh(alert)
    return alert


def check_snooze_end(until: datetime | None, now: datetime) -> datetime:
    """A snooze end with a UTC offset, after `now` and at most `MAX_SNOOZE` ahead."""
    if until is None:
        raise ActionInputError("say until when to snooze (`until`)")
    if until.tzinfo is None or until.utcoffset() is None:
        raise ActionInputError(f"the snooze end {until.isoformat()} needs a UTC offset, "
                               "e.g. 2026-12-01T09:00:00+01:00")
    if until <= now:
        raise ActionInputError("a snooze must end in the future")
    if until - now > MAX_SNOOZE:
        raise ActionInputError(f"a snooze may last at most {MAX_SNOOZE.days} days; "
                               "resolve the alert or change the rule instead")
    return until


def parse_until(text: str | None, timezone: str) -> datetime | None:
    """A `datetime-local` form value (no offset) is read in the installation's timezone;
    an ISO value with an offset is taken as given."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ActionInputError(f'"{text}" is not a date and time such as 2026-12-01T09:00'
                               ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(timezone))

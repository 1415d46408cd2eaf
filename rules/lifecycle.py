"""Findings become alerts: open, keep, resolve, reopen, with every transition recorded.

The lifecycle is split in two so a preview can show exactly what a run
would do: `plan` decides (pure; reads alerts, writes nothing) and `apply`
writes the decided steps with an `AlertEvent` for each status change. Both
work on plain rows in bulk (`rules.alertstore`), never an ORM object per
alert: the first evaluation of an organisation opens every alert it has.

Decisions, in the words of research/alerting-anchors.md §7:
- identity is the fingerprint, so a reworded finding updates its alert;
- a finding on a stale source is neither opened nor resolved: its alert is
  marked stale and frozen, so an outage never looks like a wave of fixes;
- a resolved alert firing again is reopened (same row, `reopen_count` + 1),
  except after a manual resolve with no newer sync (a false regression);
- with `min_duration_minutes`, a finding waits as *pending* and only opens
  if still firing when that time has passed, so flapping never opens;
- a silenced finding is kept (status silenced), not dropped or shown;
- an alert whose rule is no longer configured (dropped or renamed in the
  rules file) is *retired*, not resolved: its status, snooze, notes and
  history are kept, and when the rule is configured again it is restored to
  the status it had (same row) before this run's decision is taken, so
  editing rules never loses anyone's work.

A pending alert has status `pending`, with `snoozed_until` holding the end of
its wait; nothing shows it (feed, `baton alerts`) unless asked for by status.
A retired alert is shown, counted and announced nowhere either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from model import Alert, AlertEvent, AlertStatus
from rules.alertstore import ACTOR, AlertReader, StoredAlert, Writes
from rules.config import RulesConfig, Silence
from rules.findings import Firing

ACTIVE = (AlertStatus.open, AlertStatus.acked, AlertStatus.snoozed, AlertStatus.silenced)
UNLISTED = (AlertStatus.pending, AlertStatus.retired)
"""Statuses nobody is shown unless they ask for them by name."""


@dataclass(frozen=True)
class Step:
    """One decision about one fingerprint; `action` names what `apply` will do."""

    action: str
    fingerprint: str
    firing: Firing | None = None
    alert: StoredAlert | None = None
    note: str = ""
    restore: AlertStatus | None = None
    """A retired alert whose rule is back: `apply` first returns it to this status."""

    @property
    def kind(self) -> str:
        """What previews and summaries call it: bringing a retired alert back comes first."""
        return "restore" if self.restore is not None else self.action


@dataclass(frozen=True)
class State:
    """What plan reads besides findings: the alerts a run may change (every one not
    resolved, by fingerprint), source freshness, and a reader for the rest on demand."""

    alerts: dict[str, StoredAlert]
    stale_sources: frozenset[str]
    last_success: dict[str, datetime | None]
    reader: AlertReader


def load_state(session: Session, stale_sources: Iterable[str],
               last_success: dict[str, datetime | None]) -> State:
    session.flush()
    reader = AlertReader(session.connection())
    return State(reader.unresolved(), frozenset(stale_sources), last_success, reader)


def plan(state: State, firings: Iterable[Firing], config: RulesConfig, now: datetime,
         resolve_reason: Callable[[StoredAlert], str]) -> list[Step]:
    """Decide what happens to every firing and every stored alert; writes nothing."""
    unique: dict[str, Firing] = {}
    for firing in firings:
        unique.setdefault(firing.fingerprint, firing)
    found = state.reader.resolved([fp for fp in unique if fp not in state.alerts])
    found.update(state.alerts)
    rule_ids = {rule.id for rule in config.rules}
    quiet = [alert for fp, alert in sorted(state.alerts.items())
             if fp not in unique and alert.rule in rule_ids]
    state.reader.detail([*quiet, *(a for fp, a in found.items() if fp in unique and a.status in
                                   (AlertStatus.resolved, AlertStatus.retired))])
    steps: list[Step] = []
    for fp, firing in unique.items():
        alert = found.get(fp)
        restore = _restore_to(alert)
        step = _for_firing(state, firing, alert, restore, config, now)
        steps.append(replace(step, restore=restore) if restore else step)
    for fingerprint, alert in sorted(state.alerts.items()):
        if fingerprint in unique or alert.status is AlertStatus.resolved:
            continue
        if alert.rule not in rule_ids:
            if alert.status is not AlertStatus.retired:
                steps.append(Step("retire", fingerprint, None, alert,
                                  f'rule "{alert.rule}" is no longer configured'))
            continue
        restore = _restore_to(alert)
        step = _for_quiet_alert(state, alert, restore or alert.status, resolve_reason)
        steps.append(replace(step, restore=restore) if restore else step)
    return steps


def _restore_to(alert: StoredAlert | None) -> AlertStatus | None:
    """The status a retired alert had before its rule went away (its retire event says)."""
    if alert is None or alert.status is not AlertStatus.retired:
        return None
    event = alert.latest
    before = event.from_status if event is not None and event.action == "retire" else None
    return before or AlertStatus.open


def _for_firing(state: State, firing: Firing, alert: StoredAlert | None,
                restore: AlertStatus | None, config: RulesConfig, now: datetime) -> Step:
    fp = firing.fingerprint
    status = restore or (alert.status if alert is not None else None)
    rule = config.rule(firing.rule)
    wait = rule.min_duration if rule is not None else None
    silence = config.silence_for(firing, now)
    stale = sorted(firing.finding.sources & state.stale_sources)
    if stale:
        note = f"depends on stale source {', '.join(stale)}"
        return Step("stale" if alert else "held", fp, firing, alert, note)
    if alert is None:
        if silence is not None:
            return Step("silence", fp, firing, None, _silence_note(silence))
        return Step("pending" if wait else "open", fp, firing)
    if status is AlertStatus.resolved:
        if _false_regression(state, alert):
            return Step("held", fp, firing, alert, "manually resolved; no sync since")
        if silence is not None:
            return Step("silence", fp, firing, alert, _silence_note(silence))
        return Step("pending" if wait else "reopen", fp, firing, alert)
    if status is AlertStatus.pending:
        if alert.snoozed_until is not None and alert.snoozed_until > now:
            return Step("keep", fp, firing, alert)
        was_resolved = alert.resolved_at is not None
        return Step("reopen" if was_resolved else "confirm", fp, firing, alert)
    if silence is not None and status is not AlertStatus.silenced:
        return Step("silence", fp, firing, alert, _silence_note(silence))
    if status is AlertStatus.silenced and silence is None:
        return Step("unsilence", fp, firing, alert, "silence ended")
    if status is AlertStatus.snoozed and (alert.snoozed_until is None
                                          or alert.snoozed_until <= now):
        return Step("unsnooze", fp, firing, alert, "snooze ended; still firing")
    return Step("keep", fp, firing, alert)


def _for_quiet_alert(state: State, alert: StoredAlert, status: AlertStatus,
                     resolve_reason: Callable[[StoredAlert], str]) -> Step:
    fp = alert.fingerprint
    stale = sorted(set(alert.sources) & state.stale_sources)
    if stale:
        return Step("stale", fp, None, alert, f"depends on stale source {', '.join(stale)}")
    if status is AlertStatus.pending:
        return Step("drop_pending", fp, None, alert, "stopped firing before min_duration")
    return Step("resolve", fp, None, alert, resolve_reason(alert))


def _false_regression(state: State, alert: StoredAlert) -> bool:
    """A manual resolve holds until data newer than it arrives (Sentry #30371's lesson)."""
    event = alert.latest
    if event is None or event.action != "resolve" or event.actor == ACTOR:
        return False
    resolved = alert.resolved_at
    synced = [state.last_success.get(s) for s in alert.sources]
    return resolved is not None and any(t is None or t <= resolved for t in synced)


def _silence_note(silence: Silence) -> str:
    return f"silenced by {silence.author} until {silence.until.isoformat()}: {silence.reason}"


def apply(session: Session, steps: Iterable[Step], config: RulesConfig, now: datetime) -> None:
    """Write the planned steps in bulk (see `rules.alertstore`), after whatever the session
    still holds; the caller commits (which also expires any `Alert` objects it loaded)."""
    writes = Writes(now)
    for step in steps:
        if step.restore is not None and step.alert is not None:
            _transition(writes, step.alert, step.restore, "restore",
                        f'rule "{step.alert.rule}" is configured again')
        handler = _HANDLERS.get(step.action)
        if handler is not None:
            handler(writes, step, config)
    session.flush()
    writes.flush(session.connection())


def _transition(writes: Writes, alert: StoredAlert, to: AlertStatus, action: str,
                note: str | None = None) -> None:
    writes.event(alert, action, writes.status_of(alert), to, note)
    writes.set(alert, status=to)


def _open(writes: Writes, step: Step, config: RulesConfig) -> None:
    assert step.firing is not None
    writes.create(step.firing, AlertStatus.open)
    writes.event(step.fingerprint, "open", None, AlertStatus.open, step.note)


def _pending(writes: Writes, step: Step, config: RulesConfig) -> None:
    assert step.firing is not None
    rule = config.rule(step.firing.rule)
    wait = rule.min_duration if rule is not None else None
    note = f"waiting {wait} before opening (min_duration_minutes)"
    until = writes.now + wait if wait else writes.now
    if step.alert is None:
        writes.create(step.firing, AlertStatus.pending, until)
        writes.event(step.fingerprint, "pending", None, AlertStatus.pending, note)
        return
    writes.annotate(step.alert, step.firing)
    _transition(writes, step.alert, AlertStatus.pending, "pending", note)
    writes.set(step.alert, snoozed_until=until)


def _silence(writes: Writes, step: Step, config: RulesConfig) -> None:
    assert step.firing is not None
    if step.alert is None:
        writes.create(step.firing, AlertStatus.silenced)
        writes.event(step.fingerprint, "silence", None, AlertStatus.silenced, step.note)
        return
    writes.annotate(step.alert, step.firing)
    _transition(writes, step.alert, AlertStatus.silenced, "silence", step.note)


def _keep(writes: Writes, step: Step, config: RulesConfig) -> None:
    alert = step.alert
    assert alert is not None and step.firing is not None
    if alert.is_stale:
        status = writes.status_of(alert)
        writes.event(alert, "fresh", status, status, "its sources are fresh again")
    writes.annotate(alert, step.firing)


def _to_open(action: str) -> Callable[[Writes, Step, RulesConfig], None]:
    def handler(writes: Writes, step: Step, config: RulesConfig) -> None:
        alert = step.alert
        assert alert is not None and step.firing is not None
        if action == "reopen":
            writes.set(alert, reopen_count=alert.reopen_count + 1, resolved_at=None)
        writes.set(alert, snoozed_until=None)
        writes.annotate(alert, step.firing)
        _transition(writes, alert, AlertStatus.open, action, step.note)
    return handler


def _stale(writes: Writes, step: Step, config: RulesConfig) -> None:
    alert = step.alert
    if alert is not None and not alert.is_stale:
        status = writes.status_of(alert)
        writes.set(alert, is_stale=True)
        writes.event(alert, "stale", status, status, step.note)


def _resolve(writes: Writes, step: Step, config: RulesConfig) -> None:
    alert = step.alert
    assert alert is not None
    writes.set(alert, resolved_at=writes.now, snoozed_until=None, is_stale=False)
    _transition(writes, alert, AlertStatus.resolved, "resolve", step.note)


def _drop_pending(writes: Writes, step: Step, config: RulesConfig) -> None:
    """A pending alert that stops firing was never shown: forget it, or go back to resolved."""
    alert = step.alert
    assert alert is not None
    if alert.resolved_at is None:
        writes.delete(alert)
        return
    writes.set(alert, snoozed_until=None)
    _transition(writes, alert, AlertStatus.resolved, "pending_cleared", step.note)


def _retire(writes: Writes, step: Step, config: RulesConfig) -> None:
    """Put aside as it is (snooze, stale mark and all) so a restored rule finds it again."""
    assert step.alert is not None
    _transition(writes, step.alert, AlertStatus.retired, "retire", step.note)


_HANDLERS: dict[str, Callable[[Writes, Step, RulesConfig], None]] = {
    "open": _open, "pending": _pending, "silence": _silence, "keep": _keep,
    "confirm": _to_open("open"), "reopen": _to_open("reopen"),
    "unsnooze": _to_open("unsnooze"), "unsilence": _to_open("unsilence"),
    "stale": _stale, "resolve": _resolve, "drop_pending": _drop_pending, "retire": _retire,
}
"""`held` has no handler: the finding is left exactly as stored."""


def transition(session: Session, alert: Alert, to: AlertStatus, action: str, now: datetime,
               actor: str = ACTOR, note: str | None = None) -> None:
    """A person's change of status, recorded with who, when and why."""
    session.add(AlertEvent(alert_id=alert.id, at=now, actor=actor, action=action,
                           from_status=alert.status, to_status=to, note=note or None))
    alert.status = to
    session.add(alert)


class TransitionError(ValueError):
    """A person asked for a transition the alert's status does not allow."""


def _get(session: Session, alert_id: int, allowed: tuple[AlertStatus, ...], verb: str) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise TransitionError(f"no alert {alert_id}")
    if alert.status not in allowed:
        raise TransitionError(f"cannot {verb} alert {alert_id}: it is {alert.status.value}")
    return alert


def ack(session: Session, alert_id: int, actor: str, note: str | None, now: datetime) -> Alert:
    """Someone owns it now; it stays visible as acked and is not re-announced."""
    alert = _get(session, alert_id, (AlertStatus.open, AlertStatus.snoozed), "ack")
    alert.snoozed_until = None
    transition(session, alert, AlertStatus.acked, "ack", now, actor, note)
    return alert


def snooze(session: Session, alert_id: int, until: datetime, actor: str, note: str | None,
           now: datetime) -> Alert:
    """Hide until `until`; if it still fires then, it opens again by itself."""
    if until <= now:
        raise TransitionError("a snooze must end in the future")
    alert = _get(session, alert_id, (AlertStatus.open, AlertStatus.acked), "snooze")
    alert.snoozed_until = until
    transition(session, alert, AlertStatus.snoozed, "snooze", now, actor,
               f"until {until.isoformat()}" + (f": {note}" if note else ""))
    return alert


def resolve(session: Session, alert_id: int, actor: str, note: str | None,
            now: datetime) -> Alert:
    """Resolve by hand; it reopens only if still firing on data synced after now."""
    alert = _get(session, alert_id, ACTIVE, "resolve")
    alert.resolved_at, alert.snoozed_until = now, None
    transition(session, alert, AlertStatus.resolved, "resolve", now, actor, note)
    return alert

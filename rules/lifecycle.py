"""Findings become alerts: open, keep, resolve, reopen, with every transition recorded.

The lifecycle is split in two so a preview can show exactly what a run
would do: `plan` decides (pure; reads alerts, writes nothing) and `apply`
writes the decided steps with an `AlertEvent` for each status change.

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

from sqlalchemy import func
from sqlmodel import Session, col, select

from model import Alert, AlertEvent, AlertStatus
from rules.config import RulesConfig, Silence
from rules.findings import Firing

ACTOR = "baton"
ACTIVE = (AlertStatus.open, AlertStatus.acked, AlertStatus.snoozed, AlertStatus.silenced)
UNLISTED = (AlertStatus.pending, AlertStatus.retired)
"""Statuses nobody is shown unless they ask for them by name."""


@dataclass(frozen=True)
class Step:
    """One decision about one fingerprint; `action` names what `apply` will do."""

    action: str
    fingerprint: str
    firing: Firing | None = None
    alert: Alert | None = None
    note: str = ""
    restore: AlertStatus | None = None
    """A retired alert whose rule is back: `apply` first returns it to this status."""

    @property
    def kind(self) -> str:
        """What previews and summaries call it: bringing a retired alert back comes first."""
        return "restore" if self.restore is not None else self.action


@dataclass(frozen=True)
class State:
    """What plan reads besides findings: stored alerts and source freshness."""

    alerts: dict[str, Alert]
    latest: dict[int, AlertEvent]
    stale_sources: frozenset[str]
    last_success: dict[str, datetime | None]


def load_state(session: Session, stale_sources: Iterable[str],
               last_success: dict[str, datetime | None]) -> State:
    alerts = {a.fingerprint: a for a in session.exec(select(Alert)).all()}
    newest = select(func.max(AlertEvent.id)).group_by(col(AlertEvent.alert_id))
    latest = {e.alert_id: e for e in
              session.exec(select(AlertEvent).where(col(AlertEvent.id).in_(newest))).all()}
    return State(alerts, latest, frozenset(stale_sources), last_success)


def plan(state: State, firings: Iterable[Firing], config: RulesConfig, now: datetime,
         resolve_reason: Callable[[Alert], str]) -> list[Step]:
    """Decide what happens to every firing and every stored alert; writes nothing."""
    steps: list[Step] = []
    seen: set[str] = set()
    for firing in firings:
        if firing.fingerprint in seen:
            continue
        seen.add(firing.fingerprint)
        alert = state.alerts.get(firing.fingerprint)
        restore = _restore_to(state, alert)
        step = _for_firing(state, firing, alert, restore, config, now)
        steps.append(replace(step, restore=restore))
    rule_ids = {rule.id for rule in config.rules}
    for fingerprint, alert in sorted(state.alerts.items()):
        if fingerprint in seen or alert.status is AlertStatus.resolved:
            continue
        if alert.rule not in rule_ids:
            if alert.status is not AlertStatus.retired:
                steps.append(Step("retire", fingerprint, None, alert,
                                  f'rule "{alert.rule}" is no longer configured'))
            continue
        restore = _restore_to(state, alert)
        step = _for_quiet_alert(state, alert, restore or alert.status, resolve_reason)
        steps.append(replace(step, restore=restore))
    return steps


def _restore_to(state: State, alert: Alert | None) -> AlertStatus | None:
    """The status a retired alert had before its rule went away (its retire event says)."""
    if alert is None or alert.status is not AlertStatus.retired:
        return None
    event = state.latest.get(alert.id or -1)
    before = event.from_status if event is not None and event.action == "retire" else None
    return before or AlertStatus.open


def _for_firing(state: State, firing: Firing, alert: Alert | None,
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


def _for_quiet_alert(state: State, alert: Alert, status: AlertStatus,
                     resolve_reason: Callable[[Alert], str]) -> Step:
    fp = alert.fingerprint
    stale = sorted(set(alert.sources) & state.stale_sources)
    if stale:
        return Step("stale", fp, None, alert, f"depends on stale source {', '.join(stale)}")
    if status is AlertStatus.pending:
        return Step("drop_pending", fp, None, alert, "stopped firing before min_duration")
    return Step("resolve", fp, None, alert, resolve_reason(alert))


def _false_regression(state: State, alert: Alert) -> bool:
    """A manual resolve holds until data newer than it arrives (Sentry #30371's lesson)."""
    event = state.latest.get(alert.id or -1)
    if event is None or event.action != "resolve" or event.actor == ACTOR:
        return False
    resolved = alert.resolved_at
    synced = [state.last_success.get(s) for s in alert.sources]
    return resolved is not None and any(t is None or t <= resolved for t in synced)


def _silence_note(silence: Silence) -> str:
    return f"silenced by {silence.author} until {silence.until.isoformat()}: {silence.reason}"


def apply(session: Session, steps: Iterable[Step], config: RulesConfig, now: datetime) -> None:
    """Write the planned steps; the caller commits."""
    for step in steps:
        if step.restore is not None and step.alert is not None:
            transition(session, step.alert, step.restore, "restore", now,
                       note=f'rule "{step.alert.rule}" is configured again')
        handler = _HANDLERS.get(step.action)
        if handler is not None:
            handler(session, step, config, now)


def _new_alert(session: Session, step: Step, status: AlertStatus, now: datetime) -> Alert:
    assert step.firing is not None
    alert = Alert(rule=step.firing.rule, kind=step.firing.kind, fingerprint=step.fingerprint,
                  severity=step.firing.severity, title="", status=status, first_seen=now,
                  last_seen=now)
    _annotate(alert, step.firing, now)
    session.add(alert)
    session.flush()
    return alert


def _annotate(alert: Alert, firing: Firing, now: datetime) -> None:
    finding = firing.finding
    alert.severity, alert.title, alert.summary = firing.severity, finding.title, finding.summary
    alert.subjects = [s.to_dict() for s in finding.subjects]
    alert.evidence = [e.to_dict() for e in finding.evidence]
    alert.sources = sorted(finding.sources)
    alert.last_seen, alert.sources_fresh_at, alert.is_stale = now, now, False


def transition(session: Session, alert: Alert, to: AlertStatus, action: str, now: datetime,
               actor: str = ACTOR, note: str | None = None) -> None:
    """Change status and record who, when and why in one place."""
    session.add(AlertEvent(alert_id=alert.id, at=now, actor=actor, action=action,
                           from_status=alert.status, to_status=to, note=note or None))
    alert.status = to
    session.add(alert)


def _open(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    alert = _new_alert(session, step, AlertStatus.open, now)
    session.add(AlertEvent(alert_id=alert.id, at=now, actor=ACTOR, action="open",
                           to_status=AlertStatus.open, note=step.note or None))


def _pending(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    assert step.firing is not None
    rule = config.rule(step.firing.rule)
    wait = rule.min_duration if rule is not None else None
    note = f"waiting {wait} before opening (min_duration_minutes)"
    if step.alert is None:
        alert = _new_alert(session, step, AlertStatus.pending, now)
        session.add(AlertEvent(alert_id=alert.id, at=now, actor=ACTOR, action="pending",
                               to_status=AlertStatus.pending, note=note))
    else:
        alert = step.alert
        _annotate(alert, step.firing, now)
        transition(session, alert, AlertStatus.pending, "pending", now, note=note)
    alert.snoozed_until = now + wait if wait else now


def _silence(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    if step.alert is None:
        alert = _new_alert(session, step, AlertStatus.silenced, now)
        session.add(AlertEvent(alert_id=alert.id, at=now, actor=ACTOR, action="silence",
                               to_status=AlertStatus.silenced, note=step.note))
        return
    assert step.firing is not None
    _annotate(step.alert, step.firing, now)
    transition(session, step.alert, AlertStatus.silenced, "silence", now, note=step.note)


def _keep(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    alert = step.alert
    if alert is not None and step.firing is not None:
        if alert.is_stale:
            session.add(AlertEvent(alert_id=alert.id, at=now, actor=ACTOR, action="fresh",
                                   from_status=alert.status, to_status=alert.status,
                                   note="its sources are fresh again"))
        _annotate(alert, step.firing, now)
        session.add(alert)


def _to_open(action: str) -> Callable[[Session, Step, RulesConfig, datetime], None]:
    def handler(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
        alert = step.alert
        assert alert is not None and step.firing is not None
        if action == "reopen":
            alert.reopen_count += 1
            alert.resolved_at = None
        alert.snoozed_until = None
        _annotate(alert, step.firing, now)
        transition(session, alert, AlertStatus.open, action, now, note=step.note)
    return handler


def _stale(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    alert = step.alert
    if alert is not None and not alert.is_stale:
        alert.is_stale = True
        session.add(alert)
        session.add(AlertEvent(alert_id=alert.id, at=now, actor=ACTOR, action="stale",
                               from_status=alert.status, to_status=alert.status, note=step.note))


def _resolve(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    alert = step.alert
    assert alert is not None
    alert.resolved_at, alert.snoozed_until, alert.is_stale = now, None, False
    transition(session, alert, AlertStatus.resolved, "resolve", now, note=step.note)


def _drop_pending(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    """A pending alert that stops firing was never shown: forget it, or go back to resolved."""
    alert = step.alert
    assert alert is not None
    if alert.resolved_at is None:
        session.delete(alert)
        return
    alert.snoozed_until = None
    transition(session, alert, AlertStatus.resolved, "pending_cleared", now, note=step.note)


def _retire(session: Session, step: Step, config: RulesConfig, now: datetime) -> None:
    """Put aside as it is (snooze, stale mark and all) so a restored rule finds it again."""
    assert step.alert is not None
    transition(session, step.alert, AlertStatus.retired, "retire", now, note=step.note)


_HANDLERS: dict[str, Callable[[Session, Step, RulesConfig, datetime], None]] = {
    "open": _open, "pending": _pending, "silence": _silence, "keep": _keep,
    "confirm": _to_open("open"), "reopen": _to_open("reopen"),
    "unsnooze": _to_open("unsnooze"), "unsilence": _to_open("unsilence"),
    "stale": _stale, "resolve": _resolve, "drop_pending": _drop_pending, "retire": _retire,
}
"""`held` has no handler: the finding is left exactly as stored."""


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

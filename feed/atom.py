"""The Atom feed (RFC 4287) of alerts: quiet, stable, readable in any feed reader.

Entry ids are derived from the alert fingerprint, so they never change across
re-evaluations, reopenings or a move of the server. `updated` is the time of
the alert's latest recorded transition (open, ack, snooze, resolve, reopen,
stale/fresh), never of a routine re-evaluation: readers re-mark changed
entries unread, and a feed that changes on every sync trains people to
ignore it (research/alerting-anchors.md §7.7).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from feed.queries import AlertItem
from feed.render import safe_url
from model import AlertEvent

ATOM_NS = "http://www.w3.org/2005/Atom"
TAG_AUTHORITY = "tag:baton,2026"


def entry_id(fingerprint: str) -> str:
    return f"{TAG_AUTHORITY}:alert:{fingerprint}"


def changed_at(session: Session, alert_ids: Sequence[int]) -> dict[int, datetime]:
    """Each alert's latest transition time: the `updated` of its entry."""
    if not alert_ids:
        return {}
    rows = session.exec(select(AlertEvent.alert_id, func.max(AlertEvent.at))
                        .where(col(AlertEvent.alert_id).in_(alert_ids))
                        .group_by(col(AlertEvent.alert_id)))
    return {alert_id: _aware(at) for alert_id, at in rows}


def _aware(value: datetime) -> datetime:
    """`max()` bypasses the column type, so SQLite hands back a naive (UTC) value."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def build_feed(items: Sequence[AlertItem], updated: dict[int, datetime], *, feed_id: str,
               title: str, self_url: str, base_url: str, now: datetime) -> bytes:
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(_q("feed"))
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    times = [updated.get(i.alert.id or -1, i.alert.first_seen) for i in items]
    _text(feed, "updated", _iso(max(times) if times else now))
    author = ET.SubElement(feed, _q("author"))
    _text(author, "name", "baton")
    ET.SubElement(feed, _q("link"), rel="self", type="application/atom+xml", href=self_url)
    ET.SubElement(feed, _q("link"), rel="alternate", type="text/html", href=base_url + "/")
    _text(feed, "generator", "baton")
    for item, when in sorted(zip(items, times, strict=True), key=lambda p: p[1], reverse=True):
        _entry(feed, item, when, base_url)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ET.Element, item: AlertItem, updated: datetime, base_url: str) -> None:
    alert = item.alert
    entry = ET.SubElement(feed, _q("entry"))
    _text(entry, "id", entry_id(alert.fingerprint))
    state = "" if alert.status.value == "open" else f"[{alert.status.value.upper()}] "
    _text(entry, "title", f"{state}{alert.title}")
    _text(entry, "updated", _iso(updated))
    _text(entry, "published", _iso(alert.first_seen))
    ET.SubElement(entry, _q("link"), rel="alternate", type="text/html",
                  href=f"{base_url}/alerts/{alert.id}")
    for scheme, term in (("status", alert.status.value), ("severity", alert.severity.value),
                         ("rule", alert.rule)):
        ET.SubElement(entry, _q("category"), scheme=f"{TAG_AUTHORITY}:{scheme}", term=term)
    lines = [alert.summary] if alert.summary else []
    if item.people:
        lines.append("Who: " + ", ".join(p.label for p in item.people))
    for fact in alert.evidence:
        url = safe_url(fact.get("url"))
        lines.append(f"- {fact.get('fact', '')}" + (f" <{url}>" if url else ""))
    content = ET.SubElement(entry, _q("content"), type="text")
    content.text = "\n".join(lines)


def _q(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, _q(name))
    element.text = value
    return element


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")

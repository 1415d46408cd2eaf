"""What a pasted URL points at, as tool ids: every form each tool's URLs take.

A URL is reduced to keys — (namespace, id) pairs — that are looked up in an
index of stored records keyed the same way (see `record_keys`), so the form a
person pasted never matters, only the id in it:

- **Trello** `/c/<shortLink>[/<n>-<slug>]`, `/c/<card id>`, and `/b/…` for boards
  (a board is a project, never a card). A shortLink is case-sensitive and kept
  exactly; a 24-hex id is not, and is lowercased.
- **Asana** `/0/<project>/<task>[/f]`, `/0/0/<task>`, `/0/<parent>/<subtask>`,
  `/1/<workspace>/[project/<p>/]task/<t>[/comment/<c>]`, `/0/<p>` and
  `/1/<w>/project/<p>[/list/<view>]` for projects; forms whose task position is
  not known (`/0/inbox/…`, `/1/<w>/inbox/…`) offer every number as a task gid,
  which is safe because a gid is unique across all of Asana's objects.
- **Salesforce** Lightning `/lightning/r/[<Object>/]<id>/…` and `/one/one.app#/sObject/<id>`
  on any host, Classic `/<id>[/e]` and `…?id=<id>` (Visualforce) on Salesforce hosts or
  the hosts baton stores Salesforce records under, and REST `/sobjects/<Object>/<id>`. A
  15-character id and its 18-character form are the same record (`salesforce_id18`).
- **Google Calendar** `…/calendar/event?eid=<eid>` and `…/r/eventedit/<eid>`, where the
  eid is base64url of "<event id> <calendar>"; it points at every stored copy of the event.
- Anything else: the exact URL a record is stored under (Google Tasks links).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, unquote

from model.record_ids import salesforce_id18

Key = tuple[str, str]
ASANA_TASK, ASANA_PROJECT = "asana:task", "asana:project"
TRELLO_CARD, TRELLO_BOARD = "trello:card", "trello:board"
SALESFORCE = "salesforce:record"
GOOGLE_EVENT = "google:event"
EXACT_URL = "url"

URL_PARTS = re.compile(r"https?://(?P<netloc>[^/?#]*)(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?"
                       r"(?:#(?P<fragment>.*))?", re.IGNORECASE)
TRELLO_ID = re.compile(r"[0-9a-fA-F]{24}")
TRELLO_SHORT_LINK = re.compile(r"[A-Za-z0-9]{6,12}")
TRELLO_DOMAINS, ASANA_DOMAINS = (".trello.com",), (".asana.com",)
SALESFORCE_DOMAINS = (".salesforce.com", ".force.com", ".cloudforce.com", ".salesforce-setup.com")
GOOGLE_CALENDAR_HOSTS = frozenset({"www.google.com", "google.com", "calendar.google.com"})


def url_keys(url: str, salesforce_hosts: frozenset[str] = frozenset()) -> list[Key]:
    """The keys `url` may point at, best first; the exact URL always comes last."""
    parts = URL_PARTS.match(url)
    if parts is None:
        return [(EXACT_URL, url)]
    netloc, query = parts.group("netloc").lower(), parts.group("query") or ""
    host = netloc.rsplit("@", 1)[-1].split(":", 1)[0]
    segments = _segments(parts.group("path"))
    if _on(host, TRELLO_DOMAINS):
        keys = _trello(segments)
    elif _on(host, ASANA_DOMAINS):
        keys = _asana(segments)
    elif host in GOOGLE_CALENDAR_HOSTS:
        keys = _google_event(segments, query)
    else:
        classic = _on(host, SALESFORCE_DOMAINS) or netloc in salesforce_hosts
        keys = _salesforce(segments + _segments(parts.group("fragment") or ""), query,
                           classic=classic)
    return [*keys, (EXACT_URL, url)]


def record_keys(tool: str | None, kind: str, external_id: str, url: str | None) -> list[Key]:
    """The keys a stored record is found under: its tool's ids (a Trello shortLink is
    read from the record's own URL), else the exact URL it is stored under."""
    if tool == "asana" and kind in ("task", "project"):
        return [(ASANA_TASK if kind == "task" else ASANA_PROJECT, external_id)]
    if tool == "trello" and kind in ("task", "project"):
        namespace = TRELLO_CARD if kind == "task" else TRELLO_BOARD
        own = [k for k in url_keys(url) if k[0] == namespace] if url else []
        return [(namespace, external_id.lower()), *own]
    if tool == "salesforce":
        return [(SALESFORCE, salesforce_id18(external_id) or external_id)]
    if tool == "google" and kind == "event":
        return [(GOOGLE_EVENT, external_id.rsplit("/", 1)[-1])]
    return [(EXACT_URL, url)] if url else []


def _segments(path: str) -> list[str]:
    return [unquote(s) for s in path.split("/") if s]


def _on(host: str, domains: tuple[str, ...]) -> bool:
    """`host` is one of `domains` (given with a leading dot) or a subdomain of one."""
    return host.endswith(domains) or "." + host in domains


def _trello(segments: list[str]) -> list[Key]:
    if len(segments) < 2 or segments[0].lower() not in ("c", "b"):
        return []
    namespace = TRELLO_CARD if segments[0].lower() == "c" else TRELLO_BOARD
    ref = segments[1]
    if TRELLO_ID.fullmatch(ref):
        return [(namespace, ref.lower())]
    return [(namespace, ref)] if TRELLO_SHORT_LINK.fullmatch(ref) else []


def _gid(segment: str) -> bool:
    return segment.isascii() and segment.isdigit()


def _asana(segments: list[str]) -> list[Key]:
    if len(segments) >= 2 and segments[0] == "0":
        return _asana_v0(segments[1:])
    if len(segments) >= 3 and segments[0] == "1":
        return _asana_v1(segments[2:])
    return []


def _asana_v0(path: list[str]) -> list[Key]:
    """`/0/<container>/<task>…`: the container is a project, `0` or a parent task."""
    numbers = [s for s in path if _gid(s) and s != "0"]
    if not _gid(path[0]):  # inbox, search, home: task position unknown
        return [(ASANA_TASK, n) for n in reversed(numbers)]
    if len([s for s in path if _gid(s)]) == 1:
        return [(ASANA_PROJECT, path[0])] if path[0] != "0" else []
    return [(ASANA_TASK, numbers[-1])] if numbers else []


def _asana_v1(path: list[str]) -> list[Key]:
    """`/1/<workspace>/…` with named segments: `task/<t>`, `project/<p>`."""
    named = {path[i]: path[i + 1] for i in range(len(path) - 1) if _gid(path[i + 1])}
    if "task" in named:
        return [(ASANA_TASK, named["task"])]
    if "project" in named:
        return [(ASANA_PROJECT, named["project"])]
    return [(ASANA_TASK, s) for s in reversed(path) if _gid(s)]


def _salesforce(segments: list[str], query: str, *, classic: bool) -> list[Key]:
    """`segments` run on into the fragment: the older Lightning `/one/one.app#/sObject/<id>`."""
    candidates: list[str] = []
    if segments[:2] == ["lightning", "r"]:
        candidates = segments[2:4]
    elif "sobjects" in segments:
        candidates = segments[segments.index("sobjects") + 2:][:1]
    elif "sObject" in segments:
        candidates = segments[segments.index("sObject") + 1:][:1]
    elif classic:
        candidates = segments[:1] + [v for k, v in parse_qsl(query) if k.lower() == "id"]
    ids = (salesforce_id18(c) for c in candidates)
    return [(SALESFORCE, i) for i in ids if i]


def _google_event(segments: list[str], query: str) -> list[Key]:
    """`?eid=<eid>` (an event's `htmlLink`) or `/r/eventedit/<eid>` (the editor's address);
    an eid is base64url of "<event id> <calendar>"."""
    eids = [v for k, v in parse_qsl(query) if k == "eid"]
    eids += [segments[i + 1] for i in range(len(segments) - 1) if segments[i] == "eventedit"]
    keys = []
    for eid in eids:
        try:
            decoded = base64.urlsafe_b64decode(eid + "=" * (-len(eid) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if " " in decoded.strip():
            keys.append((GOOGLE_EVENT, decoded.split(" ", 1)[0]))
    return keys

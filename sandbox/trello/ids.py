"""Trello-shaped identifiers, short links, URL slugs and timestamps.

Trello ids are 24-hex MongoDB ObjectIds whose first 8 hex digits are the
creation time in unix seconds. Clients rely on that: `since` and `before` on
`/boards/{id}/actions` take either an action id or a date, and both are
compared as ObjectIds. So ids here are the replica clock's seconds followed by
a seed-derived "machine" part and a counter: deterministic, time-ordered and
strictly increasing within one state.
"""

from __future__ import annotations

import hashlib
import re
import string
from datetime import UTC, datetime

OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
SHORT_LINK = re.compile(r"^[0-9A-Za-z]{8}$")
BASE62 = string.digits + string.ascii_letters


class IdFactory:
    """Deterministic ObjectIds: `<unix seconds:8><seed hash:10><counter:6>`."""

    def __init__(self, seed: str) -> None:
        self._machine = hashlib.sha256(seed.encode()).hexdigest()[:10]
        self._counter = 0

    def next(self, when: datetime) -> str:
        self._counter += 1
        return f"{int(when.timestamp()):08x}{self._machine}{self._counter:06x}"


def boundary_id(when: datetime) -> str:
    """The smallest ObjectId of `when`'s second: how a date compares against ids."""
    return f"{int(when.timestamp()):08x}" + "0" * 16


def short_link(object_id: str) -> str:
    """An 8-character base62 link code (`trello.com/c/<shortLink>`), derived from the id."""
    number = int(hashlib.sha256(object_id.encode()).hexdigest(), 16)
    chars = []
    for _ in range(8):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return "".join(chars)


def slugify(name: str) -> str:
    """Trello's URL slug: punctuation dropped, spaces and slashes become one hyphen.

    Seen in the samples: "Manage your team's projects" -> "manage-your-teams-projects"
    and "https://www.loom.com/share/x?sid=y" -> "https-wwwloomcom-share-xsidy".
    """
    kept = re.sub(r"[^a-z0-9\s/-]", "", name.lower())
    return re.sub(r"[\s/-]+", "-", kept).strip("-")


def iso(when: datetime | None) -> str | None:
    """Trello's timestamp format: UTC, milliseconds, `Z` suffix."""
    if when is None:
        return None
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def id_bound(value: str) -> str | None:
    """`since`/`before` as an ObjectId bound: an id as given, a date as its second's id.

    Returns None when the value is neither, which the API answers with a 400.
    """
    if OBJECT_ID.match(value):
        return value.lower()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return boundary_id(parsed)

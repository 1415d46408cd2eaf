"""Browser sessions and CSRF: a server-side session row per signed-in browser.

The cookie carries a random secret (HttpOnly, SameSite=Lax); the database
keeps its hash, the user and a CSRF token that every form must echo back
(synchronizer token pattern). Keeping sessions server-side means no signing
key to configure or leak, and revoking a user ends their sessions at once.
A session ends after `idle` without a request or `lifetime` after sign-in,
whichever comes first: a browser left signed in on a shared machine does not
stay a way in for weeks.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, or_, select

from feed.users import hash_token, new_secret
from model import FeedSession, FeedUser

SESSION_COOKIE = "baton_session"
LOGIN_CSRF_COOKIE = "baton_login_csrf"
SEEN_EVERY = timedelta(minutes=1)
"""`last_seen_at` is written at most this often, not on every request."""


@dataclass(frozen=True)
class Viewer:
    """Who is asking, and the CSRF token their forms must carry (None for API tokens)."""

    user: FeedUser
    csrf_token: str | None

    @property
    def name(self) -> str:
        return self.user.name


def start_session(session: Session, user: FeedUser, now: datetime, lifetime: timedelta,
                  idle: timedelta) -> str:
    """Create a browser session; returns the cookie secret (stored only as a hash).
    Sessions that have ended, anybody's, are deleted on the way."""
    session.exec(delete(FeedSession).where(or_(col(FeedSession.expires_at) <= now,
                                               col(FeedSession.last_seen_at) <= now - idle)))
    secret = new_secret()
    session.add(FeedSession(user_id=user.id, token_hash=hash_token(secret),
                            csrf_token=secrets.token_urlsafe(24), created_at=now,
                            last_seen_at=now, expires_at=now + lifetime))
    return secret


def session_viewer(session: Session, secret: str, now: datetime, idle: timedelta
                   ) -> Viewer | None:
    """The viewer of a live session, marked as seen now (the caller commits); None once
    it has ended."""
    digest = hash_token(secret)
    row = session.exec(select(FeedSession).where(FeedSession.token_hash == digest)).first()
    if (row is None or row.expires_at <= now or row.last_seen_at <= now - idle
            or not secrets.compare_digest(row.token_hash, digest)):
        return None
    user = session.get(FeedUser, row.user_id)
    if user is None or user.revoked_at is not None:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        session.add(row)
    return Viewer(user, row.csrf_token)


def end_session(session: Session, secret: str) -> None:
    session.exec(delete(FeedSession).where(
        col(FeedSession.token_hash) == hash_token(secret)))


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and secrets.compare_digest(
        str(expected).encode(), str(given).encode())

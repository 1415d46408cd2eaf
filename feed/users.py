"""Feed users and their tokens: created from the CLI, checked on every request.

A token is 32 random bytes (URL-safe text) shown once; only its sha256 is
stored. Lookups go by hash (an indexed equality) and the final comparison
uses `secrets.compare_digest`, so timing says nothing about near misses.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from model import FeedSession, FeedToken, FeedUser


class Role(StrEnum):
    viewer = "viewer"
    coordinator = "coordinator"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Roles are ordered: an admin may do whatever a coordinator may, and so on."""
        return self.rank >= needed.rank


class TokenKind(StrEnum):
    login = "login"
    feed = "feed"


class UserError(ValueError):
    """A CLI-facing mistake: unknown user, duplicate name."""


@dataclass(frozen=True)
class IssuedToken:
    user: FeedUser
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def add_user(session: Session, name: str, role: Role, now: datetime,
             email: str | None = None) -> IssuedToken:
    """Create a user and their first login token; the caller shows the token once."""
    if session.exec(select(FeedUser).where(FeedUser.name == name)).first() is not None:
        raise UserError(f'user "{name}" exists; `baton users token {name}` issues a new token')
    user = FeedUser(name=name, email=email, role=role.value, created_at=now)
    session.add(user)
    session.flush()
    return IssuedToken(user, issue_token(session, user, TokenKind.login, now))


def find_user(session: Session, name: str) -> FeedUser:
    user = session.exec(select(FeedUser).where(FeedUser.name == name)).first()
    if user is None:
        raise UserError(f'no user "{name}"; `baton users list` shows who exists')
    return user


def issue_token(session: Session, user: FeedUser, kind: TokenKind, now: datetime) -> str:
    """A new token of `kind`; earlier tokens of that kind are revoked (one live at a time)."""
    revoke_tokens(session, user, now, kind)
    token = new_secret()
    session.add(FeedToken(user_id=user.id, kind=kind.value, token_hash=hash_token(token),
                          created_at=now))
    session.flush()
    return token


def revoke_tokens(session: Session, user: FeedUser, now: datetime,
                  kind: TokenKind | None = None) -> int:
    statement = select(FeedToken).where(FeedToken.user_id == user.id,
                                        col(FeedToken.revoked_at).is_(None))
    if kind is not None:
        statement = statement.where(FeedToken.kind == kind.value)
    tokens = list(session.exec(statement).all())
    for token in tokens:
        token.revoked_at = now
        session.add(token)
    return len(tokens)


def revoke_user(session: Session, name: str, now: datetime) -> FeedUser:
    """Lock a user out everywhere at once: tokens revoked, browser sessions ended."""
    user = find_user(session, name)
    user.revoked_at = now
    session.add(user)
    revoke_tokens(session, user, now)
    for browser in session.exec(select(FeedSession).where(FeedSession.user_id == user.id)):
        session.delete(browser)
    return user


def user_for_token(session: Session, token: str, kind: TokenKind, now: datetime
                   ) -> FeedUser | None:
    """The active user owning a live token of `kind`, or None."""
    digest = hash_token(token)
    row = session.exec(select(FeedToken).where(FeedToken.token_hash == digest)).first()
    if (row is None or row.kind != kind.value or row.revoked_at is not None
            or not secrets.compare_digest(row.token_hash, digest)):
        return None
    user = session.get(FeedUser, row.user_id)
    if user is None or user.revoked_at is not None:
        return None
    row.last_used_at = now
    session.add(row)
    return user


def list_users(session: Session) -> list[FeedUser]:
    return list(session.exec(select(FeedUser).order_by(col(FeedUser.name))).all())

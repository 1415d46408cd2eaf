"""Feed users and their tokens: created from the CLI, checked on every request.

A token is 32 random bytes (URL-safe text) shown once; only its sha256 is
stored. Lookups go by hash (an indexed equality) and the final comparison
uses `secrets.compare_digest`, so timing says nothing about near misses.

The kinds never stand in for one another: a sign-in token (`login`) is a
link an admin hands over, so it works once and for minutes only; scripts get
API tokens (`api`), several per user, each labelled and revocable on its own;
the Atom feed token (`feed`) only reads that user's feed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from model import FeedSession, FeedToken, FeedUser

SIGNIN_LIFETIME = timedelta(minutes=15)
MAX_SIGNIN_LIFETIME = timedelta(days=1)


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
    api = "api"
    feed = "feed"

    @property
    def one_live(self) -> bool:
        """A new sign-in link or feed URL replaces the last; API tokens accumulate."""
        return self is not TokenKind.api


class UserError(ValueError):
    """A CLI-facing mistake: unknown user or token, duplicate name, bad lifetime."""


@dataclass(frozen=True)
class IssuedToken:
    user: FeedUser
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def add_user(session: Session, name: str, role: Role, now: datetime,
             email: str | None = None, valid_for: timedelta = SIGNIN_LIFETIME) -> IssuedToken:
    """Create a user and their first sign-in token; the caller shows the token once."""
    if session.exec(select(FeedUser).where(FeedUser.name == name)).first() is not None:
        raise UserError(f'user "{name}" exists; `baton users token {name}` issues a new '
                        "sign-in token")
    user = FeedUser(name=name, email=email, role=role.value, created_at=now)
    session.add(user)
    session.flush()
    return IssuedToken(user, issue_signin(session, user, now, valid_for))


def find_user(session: Session, name: str) -> FeedUser:
    user = session.exec(select(FeedUser).where(FeedUser.name == name)).first()
    if user is None:
        raise UserError(f'no user "{name}"; `baton users list` shows who exists')
    return user


def issue_signin(session: Session, user: FeedUser, now: datetime,
                 valid_for: timedelta = SIGNIN_LIFETIME) -> str:
    """A single-use sign-in token valid for `valid_for` (at most a day)."""
    if not timedelta(0) < valid_for <= MAX_SIGNIN_LIFETIME:
        raise UserError(f"a sign-in token lives between 1 minute and "
                        f"{MAX_SIGNIN_LIFETIME.days * 24 * 60} minutes")
    return issue_token(session, user, TokenKind.login, now, expires_at=now + valid_for)


def issue_token(session: Session, user: FeedUser, kind: TokenKind, now: datetime, *,
                expires_at: datetime | None = None, label: str | None = None) -> str:
    """A new token of `kind`; for one-live kinds the earlier ones are revoked."""
    if kind.one_live:
        revoke_tokens(session, user, now, kind)
    token = new_secret()
    session.add(FeedToken(user_id=user.id, kind=kind.value, token_hash=hash_token(token),
                          label=label, created_at=now, expires_at=expires_at))
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


def revoke_token(session: Session, token_id: int, now: datetime) -> FeedToken:
    """Revoke one token by the id `baton users tokens` shows."""
    row = session.get(FeedToken, token_id)
    if row is None:
        raise UserError(f"no token {token_id}; `baton users tokens` lists them")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
    return row


def revoke_user(session: Session, name: str, now: datetime) -> FeedUser:
    """Lock a user out everywhere at once: tokens revoked, browser sessions ended."""
    user = find_user(session, name)
    user.revoked_at = now
    session.add(user)
    revoke_tokens(session, user, now)
    for browser in session.exec(select(FeedSession).where(FeedSession.user_id == user.id)):
        session.delete(browser)
    return user


def _live_token(session: Session, token: str, kind: TokenKind, now: datetime
                ) -> tuple[FeedToken, FeedUser] | None:
    digest = hash_token(token)
    row = session.exec(select(FeedToken).where(FeedToken.token_hash == digest)).first()
    if (row is None or row.kind != kind.value or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
            or not secrets.compare_digest(row.token_hash, digest)):
        return None
    user = session.get(FeedUser, row.user_id)
    if user is None or user.revoked_at is not None:
        return None
    return row, user


def user_for_token(session: Session, token: str, kind: TokenKind, now: datetime
                   ) -> FeedUser | None:
    """The active user owning a live API or feed token, or None."""
    if kind is TokenKind.login:
        raise ValueError("sign-in tokens are redeemed once, with redeem_signin")
    found = _live_token(session, token, kind, now)
    if found is None:
        return None
    row, user = found
    row.last_used_at = now
    session.add(row)
    return user


def redeem_signin(session: Session, token: str, now: datetime) -> FeedUser | None:
    """Spend a sign-in token: the user, once; None if unknown, expired, used or revoked.

    The spend is one conditional UPDATE, so two browsers racing with the same link
    cannot both get in."""
    found = _live_token(session, token, TokenKind.login, now)
    if found is None:
        return None
    row, user = found
    spent = session.execute(sa.update(FeedToken)
                            .where(col(FeedToken.id) == row.id,
                                   col(FeedToken.revoked_at).is_(None))
                            .values(last_used_at=now, revoked_at=now))
    return user if spent.rowcount == 1 else None  # type: ignore[attr-defined]


def token_state(row: FeedToken, now: datetime) -> str:
    """live, used (a redeemed sign-in token), revoked or expired."""
    if row.revoked_at is not None:
        spent = row.kind == TokenKind.login and row.last_used_at == row.revoked_at
        return "used" if spent else "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "live"


def list_tokens(session: Session, user: FeedUser | None = None
                ) -> list[tuple[FeedToken, FeedUser]]:
    """Tokens (never their secrets) with their owners, oldest first."""
    statement = select(FeedToken, FeedUser).where(col(FeedToken.user_id) == col(FeedUser.id))
    if user is not None:
        statement = statement.where(col(FeedToken.user_id) == user.id)
    return [(t, u) for t, u in session.exec(statement.order_by(col(FeedToken.id)))]


def list_users(session: Session) -> list[FeedUser]:
    return list(session.exec(select(FeedUser).order_by(col(FeedUser.name))).all())

"""Who may read and act in the feed: users, their tokens, their browser sessions.

Only hashes of tokens are stored (sha256 of a 256-bit random secret: a slow
hash buys nothing against a secret that long), so a copied database cannot
sign anyone in. A token is revoked by stamping `revoked_at`, never deleted,
so an audit can still tell which token did what. Three kinds, never
interchangeable: a `login` token is a sign-in link (single use, minutes long:
redeeming it stamps `last_used_at` and `revoked_at` together), an `api` token
authenticates scripts on the JSON API (several per user, each with a label,
revoked one by one), a `feed` token only reads that user's Atom feed, because
it travels in a URL that feed readers store and share.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.base import utc_field
from model.types import utc_now


class FeedUser(SQLModel, table=True):
    """A person allowed into the feed; `role` is viewer, coordinator or admin."""

    __tablename__ = "feed_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255, unique=True)
    email: str | None = Field(default=None, max_length=320)
    role: str = Field(max_length=16)
    created_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    revoked_at: datetime | None = utc_field()


class FeedToken(SQLModel, table=True):
    """A sign-in (`kind` login), API (`kind` api) or Atom feed (`kind` feed) token."""

    __tablename__ = "feed_token"
    __table_args__ = (sa.Index("ix_feed_token_user", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="feed_user.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    label: str | None = Field(default=None, max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    expires_at: datetime | None = utc_field()
    last_used_at: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()


class FeedSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a secret whose hash is `token_hash`.

    Sessions live server-side so signing out, revoking a user or a token ends
    them at once; `csrf_token` is the synchronizer token every form carries. A
    session ends at `expires_at` (absolute) or after a long enough pause since
    `last_seen_at` (idle), whichever comes first.
    """

    __tablename__ = "feed_session"
    __table_args__ = (sa.Index("ix_feed_session_user", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="feed_user.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    last_seen_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    expires_at: datetime = utc_field(nullable=False)

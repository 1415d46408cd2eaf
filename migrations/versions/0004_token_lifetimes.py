"""feed token lifetimes, labels and idle sessions

Sign-in tokens become single-use and short-lived, API tokens a kind of their own,
and sessions expire when idle. A `login` token issued before this revision never
expired and doubled as an API token (and sat in browser history as a `?token=`
URL), so every live one is revoked here: users get a fresh sign-in link
(`baton users token NAME`) and scripts an API token (`baton users token NAME --api`).
Open sessions count as last seen when they were created.

Revision ID: 0004
Revises: 0003_effort
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003_effort'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    token = sa.table('feed_token', sa.column('kind', sa.String),
                     sa.column('revoked_at', sa.DateTime(timezone=True)))
    op.execute(token.update().where(token.c.kind == 'login', token.c.revoked_at.is_(None))
               .values(revoked_at=datetime.now(UTC)))

    with op.batch_alter_table('feed_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True),
                                      nullable=True))
    browser = sa.table('feed_session', sa.column('created_at', sa.DateTime(timezone=True)),
                       sa.column('last_seen_at', sa.DateTime(timezone=True)))
    op.execute(browser.update().values(last_seen_at=browser.c.created_at))
    with op.batch_alter_table('feed_session', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('feed_session', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('label')

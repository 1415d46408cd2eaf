"""alert.digest: a hash of an alert's words, so evaluation rewrites only what changed

Revision ID: 0006_alertwrites
Revises: 0005
Create Date: 2026-12-03 09:30:00

Existing alerts start without one; the next evaluation that finds them again
writes their words once and fills it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_alertwrites'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('digest')

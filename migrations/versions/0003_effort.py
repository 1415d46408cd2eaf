"""task.estimate_from: which effort field a task's estimate came from

Revision ID: 0003_effort
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_effort'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('estimate_from', sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('task') as batch:
        batch.drop_column('estimate_from')

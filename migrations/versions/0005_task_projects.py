"""every project a task lives in (Asana multi-homing)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00

Existing Asana rows are backfilled from their stored payload (`raw["projects"]`
and `raw["memberships"]`), because sync only rewrites a row whose payload
changed: without the backfill a multi-homed task would look single-homed until
someone edited it in Asana.
"""
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASK = sa.table('task', sa.column('id', sa.Integer), sa.column('raw', sa.JSON),
                sa.column('project_external_ids', sa.JSON))
BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_external_ids', sa.JSON(), nullable=False,
                                      server_default='[]'))
    connection = op.get_bind()
    updates = list(_backfill(connection))
    for start in range(0, len(updates), BATCH):
        connection.execute(
            TASK.update().where(TASK.c.id == sa.bindparam('task_id'))
            .values(project_external_ids=sa.bindparam('gids')), updates[start:start + BATCH])


def _backfill(connection: Any) -> Iterator[dict[str, Any]]:
    """The project gids of every stored row whose payload names its projects (Asana's)."""
    query = sa.select(TASK.c.id, TASK.c.raw).where(
        sa.cast(TASK.c.raw, sa.Text).like('%"projects"%'))
    for task_id, raw in connection.execute(query):
        if not isinstance(raw, dict):
            continue
        gids: list[str] = []
        refs = [*(raw.get('projects') or []),
                *(m.get('project') for m in raw.get('memberships') or [] if isinstance(m, dict))]
        for ref in refs:
            gid = ref.get('gid') if isinstance(ref, dict) else None
            if isinstance(gid, str) and gid and gid not in gids:
                gids.append(gid)
        if gids:
            yield {'task_id': task_id, 'gids': gids}


def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('project_external_ids')

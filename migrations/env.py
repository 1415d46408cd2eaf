"""Alembic environment: runs on the connection baton hands over.

baton passes its own engine's connection in `config.attributes["connection"]`
so migrations see exactly the database the CLI was pointed at (no second URL
to keep in sync). Custom column types render as plain SQLAlchemy types so a
migration never imports model code that may change after it was written.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext

import model

TYPE_RENDERINGS = {
    "UTCDateTime": "sa.DateTime(timezone=True)",
}


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    if type_ != "type":
        return False
    name = type(obj).__name__
    if name in TYPE_RENDERINGS:
        return TYPE_RENDERINGS[name]
    if name == "AutoString":
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `baton db upgrade`, which supplies the database")
    context.configure(
        connection=connection,
        target_metadata=model.metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

"""Alembic environment: runs migrations on the URL that `syndicator.store.migrate` passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, event

from syndicator.store.engine import BUSY_TIMEOUT, sqlite_setup
from syndicator.store.tables import metadata

url = context.config.attributes["url"]
engine = create_engine(url)
if engine.dialect.name == "sqlite":
    busy_timeout = context.config.attributes.get("busy_timeout", BUSY_TIMEOUT)
    event.listen(engine, "connect", sqlite_setup(busy_timeout))
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=engine.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()

"""Schema migrations: Alembic, driven from code so `syndicator db upgrade` needs no ini file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.errors import StoreError, StoreUnavailable
from syndicator.store.engine import (
    BUSY_TIMEOUT,
    ensure_sqlite_dir,
    first_line,
    sqlite_pragmas,
    sync_url,
    unavailable,
)

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, busy_timeout: float = BUSY_TIMEOUT) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = sync_url(url)
    config.attributes["busy_timeout"] = busy_timeout  # read by migrations/env.py (SQLite)
    return config


def upgrade(url: str, revision: str = "head", *, busy_timeout: float = BUSY_TIMEOUT) -> None:
    """Bring the database at `url` to `revision` (idempotent). `StoreUnavailable` when the
    database does not answer (the service's start waits and tries again), `StoreError`
    when a migration fails."""
    ensure_sqlite_dir(url)
    try:
        command.upgrade(alembic_config(url, busy_timeout), revision)
    except SQLAlchemyError as exc:
        if unavailable(exc):
            raise StoreUnavailable(f"database unavailable: {first_line(exc)}") from exc
        raise StoreError(f"database migration failed: {exc}") from exc


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision` (for rolling back an upgrade)."""
    try:
        command.downgrade(alembic_config(url), revision)
    except SQLAlchemyError as exc:
        raise StoreError(f"database downgrade failed: {exc}") from exc


def head() -> str | None:
    """The newest migration this version of the code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def revision(engine: AsyncEngine) -> str | None:
    """The migration the database at `engine` is at (None: an empty database)."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def pending(url: str) -> bool:
    """Whether the database is behind the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_sync_engine(sync_url(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return current != head

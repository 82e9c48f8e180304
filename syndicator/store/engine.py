"""Database engines: one URL in the config, the right driver for async use and for Alembic.

Operators write ``sqlite:///path.db`` or ``postgresql://...``; the service talks to them
through aiosqlite or psycopg 3 (async), and Alembic through the sync drivers. SQLite runs in
WAL mode with foreign keys on and a busy timeout, so the feed server can read while a poll
writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from syndicator.errors import ConfigError

SQLITE_BUSY_MS = 10_000


def _url(url: str, *, use_async: bool) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite" if use_async else "sqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigError(f"database.url: unsupported database '{backend}'")


def sync_url(url: str) -> URL:
    """The URL Alembic and other synchronous tools use."""
    return _url(url, use_async=False)


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite file so a fresh checkout just works."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL, foreign keys and a busy timeout on every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    """The service's async engine for `url` (created once, by the composition root)."""
    ensure_sqlite_dir(url)
    async_url = _url(url, use_async=True)
    if async_url.get_backend_name() == "sqlite":
        engine = create_async_engine(async_url)
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(async_url, pool_pre_ping=True)

"""Readiness (I/O): the checks behind `/readyz`, built by the composition root.

Each check answers None when its part is ready, else one line saying why not:

    database     a connection answers `SELECT 1`, and `run` is done preparing it
    migrations   the database is at the newest migration this version knows
                 (`syndicator db upgrade` brings it there)
    scheduler    the poll scheduler runs (only where this process collects)

The feed server (`feeds.health`) runs them, each under a timeout, and answers 200 or 503
with the reasons; it knows nothing of the store. While `run` waits for a database that does
not answer at start (`App.prepare_when_available`), the server is already up: `database`
says why it is unreachable (or, if it answers but could not be prepared, `starting: ...`)
and `scheduler` is not running yet, so /readyz answers 503.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.errors import StoreError
from syndicator.store import migrate
from syndicator.store.engine import first_line

Check = Callable[[], Awaitable[str | None]]


def problem(exc: BaseException) -> str:
    """The first line of an error (a driver's message), short, without a traceback; for a
    `StoreError` translated from a driver's error, that error's."""
    if isinstance(exc, StoreError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return first_line(exc)


def database(engine: AsyncEngine, starting: Callable[[], str | None] | None = None) -> Check:
    """A connection answers; and, with `starting`, the service is done preparing it (a
    database may answer `SELECT 1` while it cannot be written: SQLite locked by another
    process, or migrated by another replica)."""

    async def check() -> str | None:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            return f"unreachable ({problem(exc)})"
        return starting() if starting is not None else None

    return check


def migrations(engine: AsyncEngine, head: str | None) -> Check:
    async def check() -> str | None:
        try:
            current = await migrate.revision(engine)
        except Exception as exc:
            return f"unknown ({problem(exc)})"
        if current == head:
            return None
        return (
            f"database at {current or 'no schema'}, this version needs {head}:"
            " run `syndicator db upgrade`"
        )

    return check


def scheduler(running: Callable[[], bool]) -> Check:
    async def check() -> str | None:
        return None if running() else "not running"

    return check

"""Readiness (I/O): the checks behind `/readyz`, built by the composition root.

Each check answers None when its part is ready, else one line saying why not:

    database     a connection answers `SELECT 1`
    migrations   the database is at the newest migration this version knows
                 (`syndicator db upgrade` brings it there)
    scheduler    the poll scheduler runs (only where this process collects)

The feed server (`feeds.health`) runs them, each under a timeout, and answers 200 or 503
with the reasons; it knows nothing of the store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.store import migrate

Check = Callable[[], Awaitable[str | None]]


def problem(exc: BaseException) -> str:
    """The first line of an error (a driver's message), short, without a traceback."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:200]


def database(engine: AsyncEngine) -> Check:
    async def check() -> str | None:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            return f"unreachable ({problem(exc)})"
        return None

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

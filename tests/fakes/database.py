"""A migrated store for tests, on any database URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine


@contextlib.asynccontextmanager
async def open_store(url: str) -> AsyncIterator[Store]:
    """A migrated store on `url`, its engine disposed afterwards."""
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        yield Store.on(engine)
    finally:
        await engine.dispose()

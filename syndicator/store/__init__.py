"""Store stage (I/O): SQLAlchemy tables, queries and Alembic migrations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.store.articles import Articles
from syndicator.store.outbox import Claimed, Outbox
from syndicator.store.registry import Registry


@dataclass(frozen=True)
class Store:
    """The three views of one database, sharing one engine."""

    engine: AsyncEngine
    registry: Registry
    articles: Articles
    outbox: Outbox

    @classmethod
    def on(cls, engine: AsyncEngine) -> Store:
        return cls(engine, Registry(engine), Articles(engine), Outbox(engine))


__all__ = ["Articles", "Claimed", "Outbox", "Registry", "Store"]

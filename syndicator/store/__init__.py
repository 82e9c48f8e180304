"""Store stage (I/O): SQLAlchemy tables, queries and Alembic migrations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.store.articles import Articles, Changed
from syndicator.store.audit import Audit
from syndicator.store.chats import Chats
from syndicator.store.claims import Claimed
from syndicator.store.corrections import Corrections
from syndicator.store.declare import Declarations
from syndicator.store.edits import Edits
from syndicator.store.outbox import Outbox
from syndicator.store.registry import Registry
from syndicator.store.reports import Reports
from syndicator.store.subscribers import Subscribers


@dataclass(frozen=True)
class Store:
    """The views of one database, sharing one engine."""

    engine: AsyncEngine
    registry: Registry
    articles: Articles
    outbox: Outbox
    chats: Chats
    corrections: Corrections
    reports: Reports
    # operators and subscribers (issue 7): changes with their audit entries
    edits: Edits
    subscribers: Subscribers
    audit: Audit
    declarations: Declarations

    @classmethod
    def on(cls, engine: AsyncEngine) -> Store:
        return cls(
            engine, Registry(engine), Articles(engine), Outbox(engine), Chats(engine),
            Corrections(engine), Reports(engine),
            edits=Edits(engine), subscribers=Subscribers(engine), audit=Audit(engine),
            declarations=Declarations(engine),
        )  # fmt: skip


__all__ = ["Articles", "Changed", "Claimed", "Outbox", "Registry", "Store"]

"""Store: the audit log, who changed what, when and from where (bot, CLI or file).

Every change to sources, channels, routes and subscriptions writes one entry in the same
transaction as the change itself (`write`), so the log never misses a change nor lists one
that was rolled back. Refused attempts (a stranger trying an operator command) are written
too, as `denied`. The newest entry's id doubles as a change signal: a running service
reloads its channels' options when it grows (a change made by the CLI in another process).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.model import Actor, AuditEntry
from syndicator.store import tables as t

a = t.audit_log.c


async def write(
    conn: AsyncConnection,
    by: Actor,
    action: str,
    target: str,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """One entry, inside the caller's transaction."""
    await conn.execute(
        insert(t.audit_log).values(
            at=now, actor=by.who[:128], via=by.via, action=action, target=target,
            detail=dict(detail or {}),
        )
    )  # fmt: skip


class Audit:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(
        self,
        by: Actor,
        action: str,
        target: str,
        now: datetime,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """One entry in its own transaction (refusals, sends that change nothing stored)."""
        async with self._engine.begin() as conn:
            await write(conn, by, action, target, now, detail)

    async def entries(
        self,
        *,
        actor: str | None = None,
        since: datetime | None = None,
        action: str | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """The newest entries first, filtered by actor, time and action (prefix: "channel")."""
        query = select(t.audit_log).order_by(a.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(a.actor == actor)
        if since is not None:
            query = query.where(a.at >= since)
        if action is not None:
            query = query.where((a.action == action) | a.action.startswith(f"{action}."))
        async with self._engine.connect() as conn:
            return [
                AuditEntry(r.at, r.actor, r.via, r.action, r.target, dict(r.detail or {}), r.id)
                for r in await conn.execute(query)
            ]

    async def latest(self) -> int:
        """The newest entry's id (0 when empty): it grows with every change."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.max(a.id)))).scalar() or 0)

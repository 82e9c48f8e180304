"""Store: delivery as operators see it, per channel (`syndicator deliveries`, `status`, metrics).

Read-only views of the outbox: how many deliveries of each channel are in each state, how
long the oldest pending one has waited, which chat the channel posts to now and whether it
is held or paused; and a listing of the deliveries in one state (the `unknown` ones are
the messages that may or may not be in their chat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.model import DeliveryKind, DeliveryState
from syndicator.store import tables as t
from syndicator.store.chats import effective_chat, paused, with_state

d = t.deliveries.c


@dataclass(frozen=True)
class ChannelReport:
    channel_id: str
    chat_id: str
    enabled: bool
    posts: dict[str, int] = field(default_factory=dict)  # by state
    edits: dict[str, int] = field(default_factory=dict)  # by state
    oldest_pending: datetime | None = None  # created_at of the longest-waiting pending post
    not_before: datetime | None = None
    paused_reason: str | None = None


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    channel_id: str
    kind: str
    state: str
    article_id: int
    title: str
    attempt: int
    error: str | None
    updated_at: datetime
    message_id: int | None


class Reports:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def channels(self) -> list[ChannelReport]:
        """Every channel, enabled ones first, with its delivery counts."""
        s = t.channel_state.c
        head = select(
            t.channels.c.id,
            t.channels.c.enabled,
            effective_chat().label("chat"),
            paused().label("paused"),
            s.not_before,
            s.paused_reason,
        ).select_from(with_state())
        counts = select(d.channel_id, d.kind, d.state, func.count()).group_by(
            d.channel_id, d.kind, d.state
        )
        oldest = (
            select(d.channel_id, func.min(d.created_at))
            .where(d.state == DeliveryState.PENDING.value, d.kind == DeliveryKind.POST.value)
            .group_by(d.channel_id)
        )
        async with self._engine.connect() as conn:
            channels = list(await conn.execute(head))
            by_kind: dict[tuple[str, str], dict[str, int]] = {}
            for channel_id, kind, state, n in await conn.execute(counts):
                by_kind.setdefault((channel_id, kind), {})[state] = int(n)
            waiting = {str(c): when for c, when in await conn.execute(oldest)}
        reports = [
            ChannelReport(
                channel_id=r.id,
                chat_id=r.chat,
                enabled=bool(r.enabled),
                posts=by_kind.get((r.id, DeliveryKind.POST.value), {}),
                edits=by_kind.get((r.id, DeliveryKind.EDIT.value), {}),
                oldest_pending=waiting.get(r.id),
                not_before=r.not_before,
                paused_reason=r.paused_reason if r.paused else None,
            )
            for r in channels
        ]
        return sorted(reports, key=lambda c: (not c.enabled, c.channel_id))

    async def articles_stored(self, *since: datetime) -> list[int]:
        """How many articles were stored (first fetched) after each of `since`."""
        fetched = t.articles.c.fetched_at
        query = select(*(func.count().filter(fetched > moment) for moment in since))
        async with self._engine.connect() as conn:
            row = (await conn.execute(query.select_from(t.articles))).one()
        return [int(n) for n in row]

    async def deliveries(
        self, state: DeliveryState, *, channel_id: str | None = None, limit: int = 50
    ) -> list[DeliveryRow]:
        """The newest deliveries in `state` (optionally of one channel)."""
        query = (
            select(
                d.id, d.channel_id, d.kind, d.state, d.article_id, t.articles.c.title, d.attempt,
                d.last_error, d.updated_at, d.telegram_message_id,
            )
            .join(t.articles, t.articles.c.id == d.article_id)
            .where(d.state == state.value)
            .order_by(d.updated_at.desc(), d.id.desc())
            .limit(limit)
        )  # fmt: skip
        if channel_id is not None:
            query = query.where(d.channel_id == channel_id)
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(query)]


def _row(r: Any) -> DeliveryRow:
    return DeliveryRow(
        id=r.id,
        channel_id=r.channel_id,
        kind=r.kind,
        state=r.state,
        article_id=r.article_id,
        title=r.title,
        attempt=r.attempt,
        error=r.last_error,
        updated_at=r.updated_at,
        message_id=r.telegram_message_id,
    )

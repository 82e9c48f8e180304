"""Store: the delivery state machine (the outbox), same on SQLite and PostgreSQL.

    pending ──claim──> sending ──> sent
       ^                  │──────> failed    (permanent: 400, 403)
       └── retry later ───┘──────> unknown   (ambiguous: may have been posted)

A claim is one conditional UPDATE that moves a pending row to `sending` and increments
`attempt`; the result is recorded by a conditional UPDATE on that same attempt. `attempt`
is the fencing token: a worker whose claim was taken over (after a crash, by a sweeper)
cannot overwrite the newer outcome. Rows found in `sending` at start-up were interrupted
mid-call, so nobody knows whether Telegram posted them: they become `unknown`, never resent
automatically (at-most-once).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.model import Article, Delivery, DeliveryState
from syndicator.store import tables as t
from syndicator.store.articles import to_article


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker owns until it records an outcome, with what to send."""

    delivery: Delivery
    article: Article


class Outbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, now: datetime, limit: int = 50) -> list[Claimed]:
        """Claim up to `limit` due pending deliveries, oldest article first."""
        due = (
            select(t.deliveries.c.id, t.deliveries.c.attempt)
            .join(t.channels, t.channels.c.id == t.deliveries.c.channel_id)
            .where(
                t.deliveries.c.state == DeliveryState.PENDING.value,
                t.deliveries.c.next_attempt_at <= now,
                t.channels.c.enabled.is_(True),
            )
            .order_by(t.deliveries.c.next_attempt_at, t.deliveries.c.id)
            .limit(limit)
        )
        claimed: list[Claimed] = []
        async with self._engine.begin() as conn:
            for delivery_id, attempt in list(await conn.execute(due)):
                won = await conn.execute(
                    update(t.deliveries)
                    .where(
                        t.deliveries.c.id == delivery_id,
                        t.deliveries.c.state == DeliveryState.PENDING.value,
                        t.deliveries.c.attempt == attempt,
                    )
                    .values(state=DeliveryState.SENDING.value, attempt=attempt + 1, updated_at=now)
                )
                if won.rowcount == 1:
                    claimed.append(await self._load(conn, delivery_id))
        return claimed

    async def _load(self, conn: AsyncConnection, delivery_id: int) -> Claimed:
        row = (
            await conn.execute(
                select(t.deliveries, t.channels.c.chat_id)
                .join(t.channels, t.channels.c.id == t.deliveries.c.channel_id)
                .where(t.deliveries.c.id == delivery_id)
            )
        ).one()
        article_row = (
            await conn.execute(select(t.articles).where(t.articles.c.id == row.article_id))
        ).one()
        slugs = await conn.execute(
            select(t.article_categories.c.category_slug)
            .where(t.article_categories.c.article_id == row.article_id)
            .order_by(t.article_categories.c.category_slug)
        )
        delivery = Delivery(
            id=row.id,
            article_id=row.article_id,
            channel_id=row.channel_id,
            chat_id=row.chat_id,
            state=DeliveryState(row.state),
            attempt=row.attempt,
        )
        return Claimed(delivery, to_article(article_row, tuple(slugs.scalars())))

    async def sent(self, delivery: Delivery, message_id: int, now: datetime) -> bool:
        return await self._finish(
            delivery, now, state=DeliveryState.SENT, telegram_message_id=message_id, last_error=None
        )

    async def retry(
        self, delivery: Delivery, at: datetime, error: str | None, now: datetime
    ) -> bool:
        """Definitely not sent: back to pending, due again at `at`.

        `error` None keeps the previous error (the delivery was only postponed).
        """
        values: dict[str, object] = {"next_attempt_at": at}
        if error is not None:
            values["last_error"] = error
        return await self._finish(delivery, now, state=DeliveryState.PENDING, **values)

    async def failed(self, delivery: Delivery, error: str, now: datetime) -> bool:
        return await self._finish(delivery, now, state=DeliveryState.FAILED, last_error=error)

    async def unknown(self, delivery: Delivery, error: str, now: datetime) -> bool:
        return await self._finish(delivery, now, state=DeliveryState.UNKNOWN, last_error=error)

    async def _finish(
        self, delivery: Delivery, now: datetime, *, state: DeliveryState, **values: object
    ) -> bool:
        """Record an outcome if this claim still holds; False when it was fenced off."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(t.deliveries)
                .where(
                    t.deliveries.c.id == delivery.id,
                    t.deliveries.c.attempt == delivery.attempt,
                    t.deliveries.c.state == DeliveryState.SENDING.value,
                )
                .values(state=state.value, updated_at=now, **values)
            )
            return result.rowcount == 1

    async def recover(self, now: datetime) -> int:
        """Mark deliveries left in `sending` by a stopped process as `unknown`."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(t.deliveries)
                .where(t.deliveries.c.state == DeliveryState.SENDING.value)
                .values(
                    state=DeliveryState.UNKNOWN.value,
                    updated_at=now,
                    last_error="interrupted while sending; outcome unknown",
                )
            )
            return int(result.rowcount)

    async def counts(self) -> Counter[str]:
        """Number of deliveries in each state."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(t.deliveries.c.state, func.count()).group_by(t.deliveries.c.state)
            )
            return Counter({state: int(n) for state, n in rows})

    async def next_due(self) -> datetime | None:
        """When the earliest pending delivery becomes due, if any."""
        async with self._engine.connect() as conn:
            value = (
                await conn.execute(
                    select(func.min(t.deliveries.c.next_attempt_at)).where(
                        t.deliveries.c.state == DeliveryState.PENDING.value
                    )
                )
            ).scalar_one()
        return value if isinstance(value, datetime) else None

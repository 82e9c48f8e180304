"""Store: the delivery state machine (the outbox), same on SQLite and PostgreSQL.

    pending ──claim──> sending ──> sent
       ^  │               │──────> failed    (permanent: 400, 403)
       │  └─> skipped     │──────> unknown   (ambiguous: may have been posted)
       └── retry later ───┘

A claim is one conditional UPDATE that moves a pending row to `sending` and increments
`attempt`; the result is recorded by a conditional UPDATE on that same attempt. `attempt`
is the fencing token: a worker whose claim was taken over (after a crash, by a sweeper)
cannot overwrite the newer outcome. Rows found in `sending` at start-up were interrupted
mid-call, so nobody knows whether Telegram posted them: they become `unknown`, never resent
automatically (at-most-once), unless their channel opted into at-least-once. An edit is
idempotent (the same text twice changes nothing), so an interrupted edit is simply retried.

Rows are of two kinds: `post` (one per article and channel, made at ingestion) and `edit`
(the correction of a sent post, see `syndicator.store.corrections`). A sent post keeps its
message id, what it became (text, photo, or a line of a digest), the revision it shows and
a hash of its HTML. `skipped` is the end of a post that a channel's backlog policy dropped.
Nothing is claimed for a disabled channel, a paused one, or one held by flood control.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.model import Delivery, DeliveryKind, DeliveryState, MessageKind
from syndicator.store import tables as t
from syndicator.store.chats import paused, with_state
from syndicator.store.claims import Claimed, load_claimed

d = t.deliveries.c
PENDING, SENDING = DeliveryState.PENDING.value, DeliveryState.SENDING.value


@dataclass(frozen=True)
class Due:
    """A pending delivery that may be claimed now (nothing is claimed yet)."""

    id: int
    attempt: int
    channel_id: str
    kind: DeliveryKind
    published: datetime  # the article's
    created: datetime  # the delivery's (how long it has waited)


@dataclass(frozen=True)
class Queue:
    """One channel's due work: its first deliveries (edits, then posts in order) and how
    many posts wait in all (the backlog policy looks at that number)."""

    channel_id: str
    items: tuple[Due, ...]
    posts: int  # pending posts, due or waiting for a retry


@dataclass(frozen=True)
class Interrupted:
    """A delivery a stopped process left mid-send, now `unknown` (for the operator)."""

    id: int
    channel_id: str
    article_id: int
    title: str
    kind: DeliveryKind


def _claimable(now: datetime, *, due: bool = True) -> list[ColumnElement[bool]]:
    """Pending, in a channel that may post now; `due`: and its own retry time has come."""
    s = t.channel_state.c
    conditions = [
        d.state == PENDING,
        t.channels.c.enabled.is_(True),
        ~paused(),
        or_(s.not_before.is_(None), s.not_before <= now),
    ]
    return [*conditions, d.next_attempt_at <= now] if due else conditions


def _due(row: Any) -> Due:
    kind = DeliveryKind(row.kind)
    return Due(row.id, row.attempt, row.channel_id, kind, row.published_at, row.created_at)


_DUE_COLUMNS = (d.id, d.attempt, d.channel_id, d.kind, t.articles.c.published_at, d.created_at)


def _among(only: Collection[str] | None) -> list[ColumnElement[bool]]:
    """Only the deliveries of these channels (all when None)."""
    return [] if only is None else [d.channel_id.in_(list(only))]


def _not_waiting(exclude: Collection[str]) -> ColumnElement[bool]:
    """Leaves out the posts of `exclude` (channels whose posts wait for their digest)."""
    return or_(d.kind != DeliveryKind.POST.value, d.channel_id.not_in(list(exclude)))


def _due_from() -> Any:
    return t.deliveries.join(t.articles, t.articles.c.id == d.article_id).join(
        with_state(), t.channels.c.id == d.channel_id
    )


class Outbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, now: datetime, limit: int = 50) -> list[Claimed]:
        """Claim up to `limit` due deliveries of any channels, the longest waiting first."""
        query = (
            select(*_DUE_COLUMNS)
            .select_from(_due_from())
            .where(*_claimable(now))
            .order_by(d.next_attempt_at, d.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            items = [_due(r) for r in await conn.execute(query)]
        return await self.claim_items(items, now)

    async def queues(
        self,
        now: datetime,
        *,
        per_channel: int = 20,
        exclude: Collection[str] = (),
        only: Collection[str] | None = None,
    ) -> dict[str, Queue]:
        """Each channel's due work (of the channels in `only`, when given); the posts of
        channels in `exclude` wait for digests."""
        order = (case((d.kind == DeliveryKind.EDIT.value, 0), else_=1), d.id)
        rank = func.row_number().over(partition_by=d.channel_id, order_by=order).label("rank")
        conditions = [*_claimable(now), _not_waiting(exclude), *_among(only)]
        ranked = select(*_DUE_COLUMNS, rank).select_from(_due_from()).where(*conditions).subquery()
        heads = select(ranked).where(ranked.c.rank <= per_channel).order_by(ranked.c.rank)
        posts = (
            select(d.channel_id, func.count())
            .select_from(_due_from())
            .where(*_claimable(now, due=False), _not_waiting(exclude), *_among(only))
            .where(d.kind == DeliveryKind.POST.value)
            .group_by(d.channel_id)
        )
        async with self._engine.connect() as conn:
            items: dict[str, list[Due]] = {}
            for row in await conn.execute(heads):
                items.setdefault(row.channel_id, []).append(_due(row))
            counts = {str(c): int(n) for c, n in await conn.execute(posts)}
        return {
            channel: Queue(channel, tuple(due), counts.get(channel, 0))
            for channel, due in items.items()
        }

    async def pending_posts(self, channel_id: str, now: datetime) -> list[Due]:
        """Every pending post of one channel, newest article first, including those waiting
        for a retry (surely not sent): what a backlog or a digest folds together."""
        query = (
            select(*_DUE_COLUMNS)
            .select_from(_due_from())
            .where(*_claimable(now, due=False))
            .where(d.channel_id == channel_id, d.kind == DeliveryKind.POST.value)
            .order_by(t.articles.c.published_at.desc(), d.id.desc())
        )
        async with self._engine.connect() as conn:
            return [_due(r) for r in await conn.execute(query)]

    async def claim_items(self, items: Sequence[Due], now: datetime) -> list[Claimed]:
        """Claim these deliveries in one transaction; those taken meanwhile are left out."""
        won: list[int] = []
        async with self._engine.begin() as conn:
            for item in items:
                result = await conn.execute(
                    update(t.deliveries)
                    .where(d.id == item.id, d.state == PENDING, d.attempt == item.attempt)
                    .values(state=SENDING, attempt=item.attempt + 1, updated_at=now)
                )
                if result.rowcount == 1:
                    won.append(item.id)
            return await load_claimed(conn, won)

    async def sent(
        self,
        delivery: Delivery,
        message_id: int,
        now: datetime,
        *,
        message_kind: MessageKind = MessageKind.TEXT,
        revision: int | None = None,
        message_hash: str | None = None,
    ) -> bool:
        values: dict[str, object] = {"last_error": None, "revision": revision, "sent_at": now}
        values["message_hash"] = message_hash
        if delivery.kind is DeliveryKind.POST:
            values.update(telegram_message_id=message_id, message_kind=message_kind.value)
        return await self._finish(delivery, now, state=DeliveryState.SENT, **values)

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

    async def failed(
        self, delivery: Delivery, error: str, now: datetime, *, revision: int | None = None
    ) -> bool:
        return await self._finish(
            delivery, now, state=DeliveryState.FAILED, last_error=error, revision=revision
        )

    async def unknown(
        self, delivery: Delivery, error: str, now: datetime, *, revision: int | None = None
    ) -> bool:
        return await self._finish(
            delivery, now, state=DeliveryState.UNKNOWN, last_error=error, revision=revision
        )

    async def _finish(
        self, delivery: Delivery, now: datetime, *, state: DeliveryState, **values: object
    ) -> bool:
        """Record an outcome if this claim still holds; False when it was fenced off."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(t.deliveries)
                .where(d.id == delivery.id, d.attempt == delivery.attempt, d.state == SENDING)
                .values(state=state.value, updated_at=now, **values)
            )
            return result.rowcount == 1

    async def skipped(self, delivery: Delivery, reason: str, now: datetime) -> bool:
        """A claimed post that will not be sent after all (left out of a full digest)."""
        return await self._finish(delivery, now, state=DeliveryState.SKIPPED, last_error=reason)

    async def skip(self, items: Sequence[Due], reason: str, now: datetime) -> int:
        """Pending posts that will never be sent (a backlog skipped to now)."""
        skipped = 0
        async with self._engine.begin() as conn:
            for item in items:
                result = await conn.execute(
                    update(t.deliveries)
                    .where(d.id == item.id, d.state == PENDING, d.attempt == item.attempt)
                    .values(state=DeliveryState.SKIPPED.value, last_error=reason, updated_at=now)
                )
                skipped += result.rowcount
        return skipped

    async def recover(
        self,
        now: datetime,
        *,
        resend: Collection[str] = (),
        where: ColumnElement[bool] | None = None,
    ) -> list[Interrupted]:
        """Deliveries left in `sending` by a stopped process: `unknown`, and returned.

        Edits, and posts of the channels in `resend` (at-least-once), go back to pending.
        `where` limits this to the rows it accepts (scale-out: those whose sender is gone).
        """
        again = or_(d.kind == DeliveryKind.EDIT.value, d.channel_id.in_(list(resend)))
        scope = [d.state == SENDING, *([] if where is None else [where])]
        async with self._engine.begin() as conn:
            rows = list(
                await conn.execute(
                    select(d.id, d.channel_id, d.article_id, d.kind, t.articles.c.title)
                    .join(t.articles, t.articles.c.id == d.article_id)
                    .where(*scope, ~again)
                    .order_by(d.id)
                )
            )
            await conn.execute(
                update(t.deliveries)
                .where(*scope, again)
                .values(state=PENDING, next_attempt_at=now, updated_at=now)
            )
            await conn.execute(
                update(t.deliveries)
                .where(*scope, d.id.in_([r.id for r in rows]))
                .values(
                    state=DeliveryState.UNKNOWN.value,
                    updated_at=now,
                    last_error="interrupted while sending; outcome unknown",
                )
            )
        return [
            Interrupted(r.id, r.channel_id, r.article_id, r.title, DeliveryKind(r.kind))
            for r in rows
        ]

    async def counts(self) -> Counter[str]:
        """Number of deliveries in each state."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(d.state, func.count()).group_by(d.state))
            return Counter({state: int(n) for state, n in rows})

    async def next_due(
        self, exclude: Collection[str] = (), *, only: Collection[str] | None = None
    ) -> datetime | None:
        """When the earliest pending delivery may be claimed (flood-control holds included),
        leaving out disabled and paused channels and those in `exclude` (and those not in
        `only`, when given)."""
        s = t.channel_state.c
        query = (
            select(func.min(d.next_attempt_at), s.not_before)
            .select_from(t.deliveries.join(with_state(), t.channels.c.id == d.channel_id))
            .where(
                d.state == PENDING,
                t.channels.c.enabled.is_(True),
                ~paused(),
                _not_waiting(exclude),
                *_among(only),
            )
            .group_by(d.channel_id, s.not_before)
        )
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(query))
        times = [max(due, hold) if hold is not None else due for due, hold in rows]
        return min((at for at in times if isinstance(at, datetime)), default=None)

"""Sweeper (scale-out, I/O): what a dead replica left behind is taken up again.

Every replica runs a sweep every `[jobs] sweep_interval` seconds; a PostgreSQL advisory
lock lets one replica sweep at a time (the others skip that round). A sweep, in order:

1. Sends cut short. A delivery in `sending` whose channel lock (`chat:<channel id>`) is
   held by no running job of a live worker was interrupted mid-call: its worker sent no
   heartbeat for `stalled_after` seconds (killed, frozen, cut off), or its job ended
   without recording an outcome. It becomes `unknown` and is reported, exactly as a
   restart does in the embedded mode (edits, and posts of at-least-once channels, go back
   to pending). A live worker's send is never touched: its job holds the channel's lock
   from before the claim until after the outcome. A worker that was only slow, not dead,
   finds its outcome fenced off by the attempt number (the row says `unknown`, which is
   the truth: maybe sent) and can never claim that delivery again.
2. Stalled jobs. Jobs still `doing` on a worker without a heartbeat go back to the queue,
   so another replica polls that source or serves that channel; when an equal job is
   already waiting, the stalled one is marked failed instead.
3. Orphaned deliveries. A channel with pending deliveries (not paused, not disabled) and no
   waiting or running delivery job gets one: a job that failed on a database error, a
   successor that could not be deferred. In the normal flow there are none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    String,
    cast,
    column,
    exists,
    func,
    literal,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.pause import pause
from syndicator.store import tables as t
from syndicator.store.chats import paused, with_state
from syndicator.store.outbox import Interrupted
from syndicator.workqueue import Workqueue, chat_lock

log = logging.getLogger(__name__)

SWEEP_LOCK = 0x5359_4E44_0002  # advisory lock: one sweep at a time over all replicas

_jobs = table(
    "procrastinate_jobs", column("id"), column("status"), column("lock"), column("worker_id")
)
_workers = table("procrastinate_workers", column("id"), column("last_heartbeat"))
d = t.deliveries.c


@dataclass(frozen=True)
class Swept:
    interrupted: tuple[Interrupted, ...] = ()
    retried: int = 0  # stalled jobs queued again
    dropped: int = 0  # stalled jobs failed because an equal job was waiting
    orphans: int = 0  # channels that got a delivery job they lacked


def held_by(lock: ColumnElement[str], stalled_after: float) -> ColumnElement[bool]:
    """Whether a running job of a live worker holds `lock`."""
    alive = func.now() - func.make_interval(0, 0, 0, 0, 0, 0, stalled_after)
    return exists(
        select(literal(1))
        .select_from(_jobs.join(_workers, _workers.c.id == _jobs.c.worker_id))
        .where(
            _status() == "doing",
            _jobs.c.lock == lock,
            _workers.c.last_heartbeat > alive,
        )
    )


def _status() -> ColumnElement[str]:
    """A job's status as text (SQLAlchemy binds strings as varchar, not as its enum)."""
    return cast(_jobs.c.status, String)


def _channel_lock() -> ColumnElement[str]:
    return literal(chat_lock("")) + d.channel_id


class Sweeper:
    def __init__(
        self,
        engine: AsyncEngine,
        workqueue: Workqueue,
        recover: Callable[[ColumnElement[bool]], Awaitable[list[Interrupted]]],
        *,
        stalled_after: float,
        interval: float,
    ) -> None:
        self._engine = engine
        self._workqueue = workqueue
        self._recover = recover
        self._stalled_after = stalled_after
        self._interval = interval

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:  # the database may be briefly unavailable: next round
                log.exception("sweep failed")
            await pause(stop, self._interval)

    async def sweep(self) -> Swept | None:
        """One sweep; None when another replica is sweeping."""
        async with self._engine.connect() as conn:
            locked = await conn.scalar(select(func.pg_try_advisory_lock(SWEEP_LOCK)))
            await conn.commit()
            if not locked:
                return None
            try:
                return await self._sweep()
            finally:
                await conn.execute(select(func.pg_advisory_unlock(SWEEP_LOCK)))
                await conn.commit()

    async def _sweep(self) -> Swept:
        sender_gone = ~held_by(_channel_lock(), self._stalled_after)
        interrupted = await self._recover(sender_gone)
        retried = dropped = 0
        for job in await self._workqueue.stalled():
            again = await self._workqueue.retry(job)
            retried, dropped = retried + again, dropped + (not again)
            log.warning(
                "job %s %s(%s) stalled on a worker without heartbeat: %s",
                job.id, job.task_name, job.task_kwargs,
                "queued again" if again else "dropped, an equal job is waiting",
            )  # fmt: skip
        await self._workqueue.forget_stalled_workers()
        orphans = await self._orphans()
        if orphans:
            log.warning("channels with deliveries but no delivery job: %s", ", ".join(orphans))
            await self._workqueue.deliver(orphans)
        return Swept(tuple(interrupted), retried, dropped, len(orphans))

    async def _orphans(self) -> list[str]:
        """Channels with pending deliveries that no waiting or running job will serve."""
        queued = exists(
            select(literal(1)).where(
                _jobs.c.lock == _channel_lock(), _status().in_(["todo", "doing"])
            )
        )
        query = (
            select(d.channel_id)
            .select_from(t.deliveries.join(with_state(), t.channels.c.id == d.channel_id))
            .where(d.state == "pending", t.channels.c.enabled.is_(True), ~paused(), ~queued)
            .distinct()
            .order_by(d.channel_id)
        )
        async with self._engine.connect() as conn:
            return [str(c) for c in (await conn.execute(query)).scalars()]

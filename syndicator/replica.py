"""A scale-out replica (I/O): the jobs its procrastinate worker runs, and how it runs them.

The composition root builds one when `[jobs] backend = "procrastinate"` (docs/scale-out.md).
The job functions are the embedded mode's, run by whichever replica takes the job:

    poll(source_id)      the source is polled as in the embedded mode if it is still
                         enabled and due (a replica may have polled it meanwhile); its new
                         deliveries get their delivery jobs in the same transaction, and
                         corrections of sent posts wake every channel's job
    deliver(channel_id)  one dispatcher pass limited to that channel (corrections, digest,
                         backlog, sends paced by the shared budget) for at most JOB_SECONDS,
                         stopping between two sends; then a successor job is deferred for
                         when the channel's next delivery comes due, if any

Bot commands are answered by one replica at a time (Telegram gives getUpdates to one
caller): the one holding a PostgreSQL session lock. The others look every `TURN_CHECK`
seconds, and the lock goes with its session, so when that replica stops or dies (or loses
its database connection) another one answers within seconds.

Nothing is recovered at start-up, as the embedded mode does, because other replicas may
have sends in flight: the sweeper (`syndicator.sweep`) recovers exactly the sends whose
worker is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.dispatch import Dispatcher
from syndicator.config import FileConfig
from syndicator.errors import StoreError
from syndicator.model import PollResult, Source, SourceState
from syndicator.pause import pause
from syndicator.store import Store
from syndicator.store.outbox import Interrupted
from syndicator.sweep import Sweeper
from syndicator.workqueue import Workqueue

log = logging.getLogger(__name__)

JOB_SECONDS = 30.0  # a delivery job gives its worker slot back after this long
JOB_WAIT = 5.0  # a chat free again within this many seconds is waited for inside the job
PREPARE_LOCK = 0x5359_4E44_0003  # advisory lock: one replica migrates and applies at a time
COMMANDS_LOCK = 0x5359_4E44_0004  # advisory lock: one replica answers bot commands
TURN_CHECK = 5.0  # seconds between two looks at the commands' turn (taking it, or keeping it)


class Replica:
    def __init__(
        self,
        config: FileConfig,
        engine: AsyncEngine,
        store: Store,
        *,
        poll: Callable[[Source, SourceState], Awaitable[PollResult]],
        dispatcher: Callable[[], Dispatcher],
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._store = store
        self._poll = poll
        self._dispatcher = dispatcher
        self._clock = clock
        jobs = config.jobs
        self.workqueue = Workqueue(
            config.database.url, jobs, engine, poll=self.poll_job, deliver=self.deliver_job
        )
        self.sweeper = Sweeper(
            engine,
            self.workqueue,
            self._recover,
            stalled_after=jobs.stalled_after,
            interval=jobs.sweep_interval,
        )
        store.articles.on_outbox(self.workqueue.deliveries_stored)
        self._stopping = asyncio.Event()
        self.turn_check = TURN_CHECK

    async def run(
        self, stop: asyncio.Event, *, collect: bool = True, dispatch: bool = True, grace: float
    ) -> None:
        """Take jobs (polls when `collect`, deliveries when `dispatch`) and sweep until
        `stop` is set; jobs running then get `grace` seconds to finish."""
        async with self.workqueue.opened():
            relay = asyncio.create_task(_relay(stop, self._stopping))
            sweeper = asyncio.create_task(self.sweeper.run(stop), name="sweeper")
            try:
                await self.workqueue.work(stop, polls=collect, deliveries=dispatch, grace=grace)
            finally:
                for task in (relay, sweeper):
                    task.cancel()
                await asyncio.gather(relay, sweeper, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def preparing(self) -> AsyncIterator[None]:
        """Hold the cluster-wide turn to migrate and apply the config file (replicas that
        start together would otherwise insert the same rows at once)."""
        async with self._engine.connect() as conn:
            await conn.execute(select(func.pg_advisory_lock(PREPARE_LOCK)))
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(select(func.pg_advisory_unlock(PREPARE_LOCK)))
                await conn.commit()

    async def answering(
        self,
        stop: asyncio.Event,
        start: Callable[[], Awaitable[None]],
        halt: Callable[[], Awaitable[None]],
    ) -> None:
        """Answer bot commands (`start` ... `halt`) while this replica holds the commands'
        turn, until `stop`; see the module docstring."""
        while not stop.is_set():
            try:
                async with self._engine.connect() as conn:
                    if await _take(conn, COMMANDS_LOCK):
                        log.info("this replica answers the bot's commands")
                        try:
                            await start()
                            try:
                                await self._keep(conn, stop)
                            finally:
                                await halt()
                        finally:
                            # The lock is the session's: the session ends with the turn, so
                            # a pooled connection never carries it to its next user.
                            await conn.invalidate()
            except StoreError as exc:  # the turn went with the connection: look again
                log.warning("bot commands: %s; stopped until this replica has the turn", exc)
            await pause(stop, self.turn_check)

    async def _keep(self, conn: AsyncConnection, stop: asyncio.Event) -> None:
        """Hold the connection (and its lock) until `stop`; `StoreError` when it breaks."""
        while not await pause(stop, self.turn_check):
            await conn.execute(select(1))
            await conn.commit()

    async def poll_job(self, source_id: str) -> None:
        sources = await self._store.registry.sources()
        source = next((s for s in sources if s.id == source_id), None)
        if source is None:
            log.info("source %s: no longer enabled, not polled", source_id)
            return
        state = await self._store.registry.state(source_id)
        if state.next_poll_at is not None and state.next_poll_at > self._clock():
            return  # polled meanwhile: a deferral raced with the end of an earlier poll
        result = await self._poll(source, state)
        if result.revised:  # corrections become edits in their channels' jobs
            states = await self._store.chats.states()
            await self.workqueue.deliver(c for c, s in states.items() if s.enabled)

    async def deliver_job(self, channel_id: str) -> None:
        dispatcher = self._dispatcher()
        stop = asyncio.Event()
        timer = asyncio.get_running_loop().call_later(JOB_SECONDS, stop.set)
        relay = asyncio.create_task(_relay(self._stopping, stop))
        try:
            await dispatcher.run_once(stop, max_wait=JOB_WAIT, channels=[channel_id])
        finally:
            timer.cancel()
            relay.cancel()
        wait = await dispatcher.due_in([channel_id])
        if wait is not None:
            await self.workqueue.deliver([channel_id], self._clock() + timedelta(seconds=wait))

    async def _recover(self, where: ColumnElement[bool]) -> list[Interrupted]:
        return await self._dispatcher().recover(where)


async def _take(conn: AsyncConnection, lock: int) -> bool:
    taken = (await conn.execute(select(func.pg_try_advisory_lock(lock)))).scalar()
    await conn.commit()
    return bool(taken)


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()

"""Job queue for scale-out (I/O): procrastinate on PostgreSQL, shared by every replica.

With `[jobs] backend = "procrastinate"` the scheduler of every replica defers polls here
instead of running them, and every replica runs a procrastinate worker that takes jobs
from the one queue in the database (docs/scale-out.md):

    syndicator.poll(source_id)        queue "polls"        locks "poll:<source id>"
    syndicator.deliver(channel_id)    queue "deliveries"   locks "chat:<channel id>"

Each job has a queueing lock and a lock of the same name. The queueing lock admits one
waiting job per key: the polls that three replicas' ticks defer for one due source are
queued once. The lock admits one running job per key: no source is polled twice at once,
no chat has two senders. A delivery job is deferred inside the transaction that stores the
deliveries (the outbox), on that transaction's connection, so both commit or neither does.

Deferring a delivery job means "make sure one runs no later than this time": when one is
already waiting it is moved earlier if need be, never duplicated. A deferral that finds
the queueing lock taken (a race with another replica) is undone to a savepoint, so the
transaction around it goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

import procrastinate
import psycopg
from procrastinate.connector import BaseConnector
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job, Status
from procrastinate.manager import JobManager
from procrastinate.schema import SchemaManager
from procrastinate.worker import Worker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.config import JobsConfig
from syndicator.errors import StoreError
from syndicator.jobs import BACKLOG_PER_SLOT, POLL, Poll, Room
from syndicator.model import Source, SourceState
from syndicator.store.engine import sync_url

log = logging.getLogger(__name__)

POLLS, DELIVERIES = "polls", "deliveries"
POLL_TASK, DELIVER_TASK = "syndicator.poll", "syndicator.deliver"
FETCH_INTERVAL = 1.0  # seconds between a worker's looks for jobs that came due (new ones notify)
SCHEMA_LOCK = 0x5359_4E44_0001  # advisory lock: one replica installs procrastinate's schema


def poll_lock(source_id: str) -> str:
    return f"{POLL}{source_id}"


def chat_lock(channel_id: str) -> str:
    return f"chat:{channel_id}"


def conninfo(url: str) -> str:
    """The libpq URL of a `postgresql://` or `postgresql+psycopg://` database URL, with the
    service's connect timeout and keepalives (`syndicator.store.engine.POSTGRES_DEFAULTS`)."""
    return sync_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def install_schema(url: str) -> bool:
    """Create procrastinate's tables unless they exist; True when created. Idempotent, and
    safe when several replicas start at once (they take turns on an advisory lock)."""
    try:
        with psycopg.connect(conninfo(url)) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            found = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if found is not None and found[0] is not None:
                return False
            conn.execute(SchemaManager.get_schema())
            return True
    except psycopg.Error as exc:
        raise StoreError(f"could not install the job queue's schema: {exc}") from exc


_WAITING = text(
    "SELECT id, scheduled_at FROM procrastinate_jobs"
    " WHERE queueing_lock = :lock AND status = 'todo' FOR UPDATE"
)
_BUSY = text(
    "SELECT 1 FROM procrastinate_jobs"
    " WHERE queueing_lock = :lock AND status IN ('todo', 'doing') LIMIT 1"
)
_POLLING = text(
    "SELECT queueing_lock FROM procrastinate_jobs"
    f" WHERE queue_name = '{POLLS}' AND status IN ('todo', 'doing')"
)
_SOONER = text("UPDATE procrastinate_jobs SET scheduled_at = :at WHERE id = :id")


class Workqueue:
    """One replica's side of the queue: deferring jobs, and the worker that runs them."""

    def __init__(
        self,
        url: str,
        config: JobsConfig,
        engine: AsyncEngine,
        *,
        poll: Callable[[str], Awaitable[None]],
        deliver: Callable[[str], Awaitable[None]],
    ) -> None:
        self._config = config
        self._engine = engine
        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(url),
            min_size=1,
            max_size=4,
            kwargs={"application_name": f"syndicator worker {os.getpid()}"},
        )
        self.app = procrastinate.App(connector=connector)
        self.app.job_manager = _Manager(connector, self._registered)
        self._queues: list[str] = []

        async def poll_job(source_id: str) -> None:
            await poll(source_id)

        async def deliver_job(channel_id: str) -> None:
            await deliver(channel_id)

        self.app.task(name=POLL_TASK, queue=POLLS)(poll_job)
        self.app.task(name=DELIVER_TASK, queue=DELIVERIES)(deliver_job)
        self.worker_id: int | None = None

    # -- the scheduler's job backend ------------------------------------------------------

    async def room(self) -> Room:
        """Polls waiting or running on any replica count against one backlog (32 a slot
        of this replica's concurrency); their sources are left out of the tick."""
        async with self._engine.connect() as conn:
            locks = (await conn.execute(_POLLING)).scalars().all()
        busy = frozenset(lock.removeprefix(POLL) for lock in locks)
        return Room(max(0, BACKLOG_PER_SLOT * self._config.concurrency - len(busy)), busy)

    async def submit_poll(self, source: Source, state: SourceState, poll: Poll) -> bool:
        """Defer a poll of `source` unless one is waiting or running on any replica."""
        lock = poll_lock(source.id)
        async with self._engine.begin() as conn:
            if (await conn.execute(_BUSY, {"lock": lock})).first() is not None:
                return False
            return await self._defer(conn, POLL_TASK, lock, {"source_id": source.id}, None)

    async def drain(self, grace: float) -> None:
        """Nothing to do: the worker finishes its jobs when `work` stops."""

    # -- delivery jobs --------------------------------------------------------------------

    async def deliver(
        self,
        channel_ids: Iterable[str],
        at: datetime | None = None,
        conn: AsyncConnection | None = None,
    ) -> int:
        """Make sure a delivery job runs for each channel no later than `at` (None: now),
        in `conn`'s transaction when given; returns how many jobs were added."""
        if conn is None:
            async with self._engine.begin() as own:
                return await self.deliver(channel_ids, at, own)
        added = 0
        for channel_id in sorted(set(channel_ids)):  # one order everywhere: no deadlocks
            lock = chat_lock(channel_id)
            for _ in range(2):  # a waiting job appears between the two looks: use it
                if await self._sooner(conn, lock, at):
                    break
                if await self._defer(conn, DELIVER_TASK, lock, {"channel_id": channel_id}, at):
                    added += 1
                    break
        return added

    async def deliveries_stored(self, conn: AsyncConnection, channel_ids: Iterable[str]) -> None:
        """The outbox hook: new deliveries for these channels are being stored in `conn`."""
        await self.deliver(channel_ids, None, conn)

    async def _sooner(self, conn: AsyncConnection, lock: str, at: datetime | None) -> bool:
        """Whether a job with this queueing lock waits; if so it is due by `at` now."""
        row = (await conn.execute(_WAITING, {"lock": lock})).first()
        if row is None:
            return False
        if row.scheduled_at is not None and (at is None or row.scheduled_at > at):
            await conn.execute(_SOONER, {"at": at, "id": row.id})
        return True

    async def _defer(
        self,
        conn: AsyncConnection,
        task: str,
        lock: str,
        kwargs: dict[str, Any],
        at: datetime | None,
    ) -> bool:
        """Defer one job in `conn`'s transaction; False when its queueing lock is taken."""
        raw = await conn.get_raw_connection()
        deferrer = self.app.configure_task(
            task, lock=lock, queueing_lock=lock, schedule_at=at, connection=raw.driver_connection
        )
        try:
            async with conn.begin_nested():
                await deferrer.defer_async(**kwargs)
        except AlreadyEnqueued:
            return False
        return True

    # -- running jobs ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[Workqueue]:
        """The worker's connection pool, open for `work` and the sweeper."""
        async with self.app.open_async():
            yield self

    async def work(
        self, stop: asyncio.Event, *, polls: bool = True, deliveries: bool = True, grace: float
    ) -> None:
        """Run jobs from the chosen queues until `stop` is set; then let the running ones
        finish for up to `grace` seconds (a delivery job stops between two sends)."""
        queues = [name for name, chosen in ((POLLS, polls), (DELIVERIES, deliveries)) if chosen]
        worker = Worker(
            self.app,
            queues=queues,
            name="syndicator",
            concurrency=self._config.concurrency,
            install_signal_handlers=False,
            update_heartbeat_interval=self._config.heartbeat,
            stalled_worker_timeout=self._config.stalled_after,
            fetch_job_polling_interval=FETCH_INTERVAL,
            delete_jobs="successful",
            # a little under the app's own grace, so the worker ends its jobs itself
            shutdown_graceful_timeout=max(0.0, grace - 1.0),
        )
        self._queues = queues
        running = asyncio.create_task(
            worker.run(),  # type: ignore[no-untyped-call]
            name="procrastinate worker",
        )
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([running, stopped], return_when=asyncio.FIRST_COMPLETED)
            worker.stop()  # type: ignore[no-untyped-call]
            await running
        finally:
            stopped.cancel()
            if not running.done():  # cancelled from outside: so are the jobs
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)

    def _registered(self, worker_id: int) -> None:
        self.worker_id = worker_id
        log.info(
            "job worker %d running in process %d: queues %s, %d at a time",
            worker_id, os.getpid(), ", ".join(self._queues), self._config.concurrency,
        )  # fmt: skip

    # -- what the sweeper needs -----------------------------------------------------------

    async def stalled(self) -> list[Job]:
        """Jobs still running on workers that sent no heartbeat for `stalled_after` s."""
        manager = self.app.job_manager
        found = await manager.get_stalled_jobs(seconds_since_heartbeat=self._config.stalled_after)
        return list(found)

    async def retry(self, job: Job) -> bool:
        """Queue a stalled job again; when an equal job already waits (its queueing lock
        is taken), the stalled one is marked failed instead. True when queued again."""
        manager = self.app.job_manager
        try:
            await manager.retry_job(job)
        except procrastinate.exceptions.UniqueViolation:
            await manager.finish_job(job, Status.FAILED, delete_job=False)
            return False
        return True

    async def forget_stalled_workers(self) -> list[int]:
        return await self.app.job_manager.prune_stalled_workers(self._config.stalled_after)


class _Manager(JobManager):
    """procrastinate's job manager, telling when this replica's worker got its id (logged:
    stalled jobs name their worker by that id)."""

    def __init__(self, connector: BaseConnector, registered: Callable[[int], None]) -> None:
        super().__init__(connector)
        self._registered = registered

    async def register_worker(self) -> int:
        worker_id = await super().register_worker()
        self._registered(worker_id)
        return worker_id

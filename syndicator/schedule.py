"""Scheduling: APScheduler ticks, due sources go to the job backend.

APScheduler's AsyncIOScheduler runs one short `tick` job every few seconds in the service's
event loop. The tick reads which sources are due from the store (`next_poll_at`, set after
every poll from the source's interval or its error backoff) and submits a poll for each.
Keeping the schedule in our tables, not in APScheduler's job store, means a restart resumes
exactly where it stopped and several replicas can share one schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from syndicator.errors import StoreError
from syndicator.jobs import JobBackend, Poll
from syndicator.store import Store

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


class Scheduler:
    def __init__(
        self,
        store: Store,
        jobs: JobBackend,
        poll: Poll,
        clock: Callable[[], datetime],
        tick: float = TICK_SECONDS,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._poll = poll
        self._clock = clock
        self._tick_seconds = tick
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._store_down = False  # said once per outage, not at every tick

    def start(self) -> None:
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=self._tick_seconds,
            next_run_time=datetime.now(self._scheduler.timezone),
            id="tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    async def tick(self) -> int:
        """Submit a poll for every due source; returns how many were started."""
        try:
            room = await self._jobs.room()
            if room.polls == 0:
                return 0
            due = await self._store.registry.due(self._clock(), limit=room.polls, busy=room.busy)
        except StoreError as exc:  # the database does not answer: the next tick tries again
            if not self._store_down:
                log.warning("scheduler: %s; no poll starts until it answers", exc)
            self._store_down = True
            return 0
        except Exception:  # the database may be briefly unavailable; try next tick
            log.exception("scheduler tick could not read the store")
            return 0
        if self._store_down:
            self._store_down = False
            log.info("scheduler: the database answers again")
        started = 0
        for source, state in due:
            try:
                started += await self._jobs.submit_poll(source, state, self._poll)
            except Exception:  # the job queue may be briefly unavailable; try next tick
                log.exception("could not submit a poll of source %s", source.id)
        return started

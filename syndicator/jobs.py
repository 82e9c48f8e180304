"""Job backend port: where poll jobs run.

The scheduler decides *what* is due; a backend decides *where* it runs. `LocalJobs` runs
jobs as asyncio tasks in this process with a concurrency limit and at most one job per key
(a source is never polled twice at once). `syndicator.workqueue.Workqueue` implements the
same port on procrastinate, so that several replicas share the work (scale-out): there a
poll is deferred as a job that any replica's worker may run, and `poll` is not called here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from syndicator.model import Source, SourceState

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
Poll = Callable[[Source, SourceState], Awaitable[object]]
POLL = "poll:"  # key prefix of poll jobs
BACKLOG_PER_SLOT = 32  # polls submitted and waiting, per slot of concurrency


@dataclass(frozen=True)
class Room:
    """What a job backend takes now: at most `polls` more polls (None: no limit), none of
    the sources in `busy` (their poll runs or waits; their state is about to change).

    The scheduler reads no more due sources than that, so a backlog of thousands stays in
    the store instead of being read every second, and a poll that ends while the tick's
    query runs is not submitted again with the state it had before (a redundant GET
    without the validators that poll just stored)."""

    polls: int | None
    busy: frozenset[str] = frozenset()


class JobBackend(Protocol):
    async def room(self) -> Room:
        """How many polls to submit now, and which sources to leave out."""
        ...

    async def submit_poll(self, source: Source, state: SourceState, poll: Poll) -> bool:
        """Have `source` polled unless a poll of it is already queued or running; True when
        this call started (or queued) one."""
        ...

    async def drain(self, grace: float) -> None:
        """Wait up to `grace` seconds for running jobs, then cancel the rest."""
        ...


class LocalJobs:
    """Jobs as asyncio tasks: `concurrency` run at once, the others of at most `backlog`
    wait for a slot, so a freed slot is taken at once, not at the next tick. The scheduler
    ticks every second, so `backlog` also caps the polls started per second: 32 a slot is
    well above what a slot finishes on loopback (docs/benchmarks.md, polls), and a few
    hundred waiting tasks cost little memory where 10,000 due at once would cost much."""

    def __init__(self, concurrency: int = 8, backlog: int | None = None) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._backlog = BACKLOG_PER_SLOT * concurrency if backlog is None else backlog
        self._running: dict[str, asyncio.Task[None]] = {}

    @property
    def running(self) -> frozenset[str]:
        return frozenset(self._running)

    async def room(self) -> Room:
        polling = (key.removeprefix(POLL) for key in self._running if key.startswith(POLL))
        return Room(max(0, self._backlog - len(self._running)), frozenset(polling))

    async def submit_poll(self, source: Source, state: SourceState, poll: Poll) -> bool:
        return await self.submit(POLL + source.id, lambda: poll(source, state))

    async def submit(self, key: str, job: Job) -> bool:
        """Start `job` unless one with the same key is running; True when started."""
        if key in self._running:
            return False
        task = asyncio.create_task(self._run(key, job), name=f"job:{key}")
        self._running[key] = task
        task.add_done_callback(lambda _: self._running.pop(key, None))
        return True

    async def _run(self, key: str, job: Job) -> None:
        async with self._slots:
            try:
                await job()
            except Exception:  # one job's bug must not take the backend down
                log.exception("job %s crashed", key)

    async def drain(self, grace: float) -> None:
        tasks = list(self._running.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

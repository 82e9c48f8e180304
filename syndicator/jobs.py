"""Job backend port: where poll jobs run.

The scheduler decides *what* is due; a backend decides *where* it runs. `LocalJobs` runs
jobs as asyncio tasks in this process with a concurrency limit and at most one job per key
(a source is never polled twice at once). A PostgreSQL-backed backend with the same
interface lets several replicas share the work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class JobBackend(Protocol):
    async def submit(self, key: str, job: Job) -> bool:
        """Start `job` unless one with the same key is running; True when started."""
        ...

    async def drain(self, grace: float) -> None:
        """Wait up to `grace` seconds for running jobs, then cancel the rest."""
        ...


class LocalJobs:
    def __init__(self, concurrency: int = 8) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._running: dict[str, asyncio.Task[None]] = {}

    @property
    def running(self) -> frozenset[str]:
        return frozenset(self._running)

    async def submit(self, key: str, job: Job) -> bool:
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

"""WebSub publisher (I/O edge): tells the hub which feeds changed, so subscribers are pushed
the new entries instead of polling.

`publish(urls)` only records the topics and returns; one background task sends a
form-encoded `hub.mode=publish&hub.url=<feed URL>` POST per topic. Topics that change again
while a ping is in flight are sent once more afterwards, once, however many articles were
stored meanwhile. A hub that is down or refuses is logged and forgotten: the feeds stay
correct, subscribers fall back to polling, and ingestion never waits for the hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import httpx

log = logging.getLogger(__name__)

CONCURRENCY = 4  # pings in flight at once


class WebSub:
    def __init__(self, http: httpx.AsyncClient, hub: str) -> None:
        self._http = http
        self.hub = hub
        self._pending: set[str] = set()
        self._worker: asyncio.Task[None] | None = None
        self.sent = 0
        self.failed = 0

    def publish(self, topics: Iterable[str]) -> None:
        """Ping the hub for these feed URLs soon (call from the event loop's thread)."""
        self._pending.update(topics)
        if self._pending and (self._worker is None or self._worker.done()):
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="websub")

    async def drain(self, grace: float = 10.0) -> None:
        """Wait (at most `grace` seconds) until every recorded topic was pinged."""
        if self._worker is not None and not self._worker.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._worker), grace)
            if not self._worker.done():
                self._worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._worker

    async def _run(self) -> None:
        slots = asyncio.Semaphore(CONCURRENCY)

        async def ping(topic: str) -> None:
            async with slots:
                await self._ping(topic)

        while self._pending:
            batch, self._pending = sorted(self._pending), set()
            await asyncio.gather(*(ping(topic) for topic in batch))

    async def _ping(self, topic: str) -> None:
        try:
            response = await self._http.post(
                self.hub, data={"hub.mode": "publish", "hub.url": topic}
            )
        except httpx.HTTPError as exc:
            self.failed += 1
            log.warning("WebSub hub %s unreachable for %s: %r", self.hub, topic, exc)
            return
        except Exception:  # a background task: nothing may escape it unlogged
            self.failed += 1
            log.exception("WebSub ping of %s for %s failed", self.hub, topic)
            return
        if response.is_success:
            self.sent += 1
        else:
            self.failed += 1
            log.warning("WebSub hub %s answered %d for %s", self.hub, response.status_code, topic)

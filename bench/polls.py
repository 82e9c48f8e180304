"""Conditional polls per second: one poll cycle over many sources that all answer 304.

A small asyncio HTTP server in another process answers every GET with 304 Not Modified
(it costs next to nothing, so the figure is the collector's). The sources are spread over
many loopback addresses (127.0.0.x), as real sources are spread over many sites; the
per-host delay is 0 for the run. Each poll is the real path: read the source's state, a
conditional GET through the polite fetcher, the cadence, and the state written back.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from syndicator.app import utcnow
from syndicator.fetch import Fetcher, HostLimiter, build_client
from syndicator.model import Category, Source, SourceState
from syndicator.pipeline import Collector
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine
from syndicator.store.registry import poll_succeeded
from syndicator.summarize import ExtractiveSummarizer

SOURCES = int(os.environ.get("BENCH_SOURCES", "5000"))
HOSTS = 50
PORT = 18_304
CONCURRENCY = 64
ANSWER = (
    b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nCache-Control: max-age=60\r\n'
    b"Content-Length: 0\r\n\r\n"
)


class _NotModified(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(ANSWER)


def _serve() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_NotModified, "0.0.0.0", PORT, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def main() -> None:
    server = multiprocessing.Process(target=_serve, daemon=True)
    server.start()
    try:
        await asyncio.sleep(0.5)
        with tempfile.TemporaryDirectory() as tmp:
            await _run(f"sqlite:///{Path(tmp) / 'polls.db'}")
    finally:
        server.terminate()
        server.join()


async def _run(url: str) -> None:
    migrate.upgrade(url)
    engine = create_engine(url)
    store = Store.on(engine)
    sources = [
        Source(
            f"s{n}", f"مصدر {n}", f"http://127.0.0.{2 + n % HOSTS}:{PORT}/feed/{n}", robots=False
        )
        for n in range(SOURCES)
    ]
    await store.registry.apply([Category("world", "عربي ودولي")], sources, [])
    now = utcnow()
    for source in sources:  # every source was polled before: its validators are known
        await store.registry.record_poll(
            poll_succeeded(SourceState(source.id), now, now, '"v1"', None)
        )
    async with build_client(timeout=10, user_agent="bench") as http:
        fetcher = Fetcher(
            http, max_bytes=1_000_000, deadline=20, hosts=HostLimiter(concurrency=4, delay=0)
        )
        collector = Collector(store, fetcher, ExtractiveSummarizer(), utcnow)
        slots = asyncio.Semaphore(CONCURRENCY)

        async def poll(source: Source, state: SourceState) -> bool:
            async with slots:
                return (await collector.poll(source, state)).not_modified

        start = time.perf_counter()
        due = await store.registry.due(utcnow())  # what one scheduler tick does
        results = await asyncio.gather(*(poll(source, state) for source, state in due))
        elapsed = time.perf_counter() - start
    await engine.dispose()
    assert len(results) == SOURCES, len(results)
    assert all(results), f"{results.count(False)} polls were not answered 304"
    print(f"conditional polls: {SOURCES} sources in {elapsed:.2f} s = "
          f"{SOURCES / elapsed:.0f} polls/s (target >= 300)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())

"""Conditional polls per second: one poll cycle over many sources that all answer 304.

A small asyncio HTTP server in another process answers every GET with 304 Not Modified
(it costs next to nothing, so the figure is the collector's). The sources are spread over
many loopback addresses (127.0.0.x), as real sources are spread over many sites; the
per-host delay is 0 for the run. Each poll is the real path: read the source's state, a
conditional GET through the polite fetcher, the cadence, and the state written back.

The floor is the same conditional GETs sent by the same httpx client at the same
concurrency, without the collector: what the HTTP client alone costs. Reported as
polls/s (target >= 300) and as a ratio to that floor.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.report import Section, Table, rate, verdict
from syndicator.app import utcnow
from syndicator.fetch import Fetcher, HostLimiter, build_client
from syndicator.model import Category, Source, SourceState
from syndicator.netguard import LOOPBACK  # the sample sites listen on loopback
from syndicator.pipeline import Collector
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine
from syndicator.store.registry import poll_succeeded
from syndicator.summarize import ExtractiveSummarizer

SOURCES = int(os.environ.get("BENCH_SOURCES", "5000"))
QUICK_SOURCES = 500
TARGET = 300
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


async def measure(sources: int = SOURCES) -> Section:
    server = multiprocessing.Process(target=_serve, daemon=True)
    server.start()
    try:
        await asyncio.sleep(0.5)
        with tempfile.TemporaryDirectory() as tmp:
            polls, floor = await _run(f"sqlite:///{Path(tmp) / 'polls.db'}", sources)
    finally:
        server.terminate()
        server.join()
    ratio = polls / floor
    table = Table(
        ("sources (all 304)", "floor: the GETs with httpx alone", "polls (collector)",
         "polls / floor", "target"),
        [(f"{sources:,}", f"{rate(floor)} req/s", f"**{rate(polls)} polls/s**", f"{ratio:.2f}",
          f">= {TARGET} polls/s")],
    )  # fmt: skip
    return Section(
        "polls",
        "Conditional polls per second",
        (table,),
        (f"conditional polls: {verdict(polls >= TARGET, f'>= {TARGET} polls/s')}",),
        {"polls": polls, "floor": floor, "ratio": ratio},
        (f"{rate(polls)} polls/s", f"httpx alone {rate(floor)} req/s: {ratio:.2f}",
         verdict(polls >= TARGET, f">= {TARGET}")),
    )  # fmt: skip


def run(quick: bool = False) -> Section:
    return asyncio.run(measure(QUICK_SOURCES if quick else SOURCES))


def main(argv: list[str] | None = None) -> None:
    print(run("--quick" in (sys.argv[1:] if argv is None else argv)).markdown())


def _urls(count: int) -> list[str]:
    return [f"http://127.0.0.{2 + n % HOSTS}:{PORT}/feed/{n}" for n in range(count)]


async def _run(url: str, count: int) -> tuple[float, float]:
    """(polls/s through the collector, GETs/s through httpx alone)."""
    migrate.upgrade(url)
    engine = create_engine(url)
    store = Store.on(engine)
    sources = [
        Source(f"s{n}", f"مصدر {n}", address, robots=False)
        for n, address in enumerate(_urls(count))
    ]
    await store.registry.apply([Category("world", "عربي ودولي")], sources, [])
    now = utcnow()
    for source in sources:  # every source was polled before: its validators are known
        await store.registry.record_poll(
            poll_succeeded(SourceState(source.id), now, now, '"v1"', None)
        )
    async with build_client(timeout=10, user_agent="bench", allow_networks=LOOPBACK) as http:
        await _floor(http, [s.url for s in sources[:500]])  # warm-up, not counted
        floor = await _floor(http, [s.url for s in sources])
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
    assert len(results) == count, len(results)
    assert all(results), f"{results.count(False)} polls were not answered 304"
    return count / elapsed, floor


async def _floor(http: httpx.AsyncClient, urls: list[str]) -> float:
    """The same conditional GETs, same client and concurrency, nothing else."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def get(url: str) -> int:
        async with slots:
            response = await http.get(url, headers={"If-None-Match": '"v1"'})
            return response.status_code

    start = time.perf_counter()
    statuses = await asyncio.gather(*(get(url) for url in urls))
    elapsed = time.perf_counter() - start
    assert set(statuses) == {304}, set(statuses)
    return len(urls) / elapsed


if __name__ == "__main__":
    main()

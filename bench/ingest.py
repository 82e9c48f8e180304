"""Ingestion against the extraction floor.

1,000 fixture articles are published on the sample site, 20 at a time; after each batch the
collector polls the site's feed. Every feed entry is only an excerpt, so every article's
page is fetched over loopback HTTP and extracted. The site runs in another process, as a
real site would: its work is not ours.

The floor is trafilatura extracting the same 1,000 pages from memory (no network, no
database, one process). The pipeline does that plus fetching, dedup, normalization,
categorization, summarization, fingerprinting and the store transaction with the story
cluster and the outbox rows. Reported as a throughput ratio: pipeline / floor (target
>= 0.7).
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import random
import socket
import sys
import tempfile
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.report import Section, Table, rate, verdict
from syndicator.app import extraction_pool, utcnow
from syndicator.demo.site import FEED_LIMIT, SampleSite, SiteArticle, load_articles
from syndicator.extract import extract_page
from syndicator.fetch import Fetcher, HostLimiter, build_client
from syndicator.model import Category, Source
from syndicator.netguard import LOOPBACK  # the sample sites listen on loopback
from syndicator.pipeline import Collector
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine
from syndicator.summarize import ExtractiveSummarizer

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "1000"))
QUICK_ARTICLES = 100
TARGET = 0.7


def fixture_articles(count: int) -> list[SiteArticle]:
    """`count` distinct articles made from the bundled ones.

    Each copy's words are shuffled within its paragraphs (seeded): the same length, markup
    and vocabulary as a real article, but a different text, so the copies are not
    near-duplicates of each other (which would make every insert join a large cluster).
    """
    rng = random.Random(20261129)
    base = [replace(a, initially_published=False, full_in_feed=False) for a in load_articles()]

    def shuffled(text: str) -> str:
        words = text.split()
        return " ".join(rng.sample(words, len(words)))

    return [
        replace(
            a,
            post_id=100_000 + n,
            slug=f"{a.slug}-{n}",
            title=f"{shuffled(a.title)} {n}",
            paragraphs=tuple(shuffled(p) for p in a.paragraphs),
        )
        for n, a in ((n, base[n % len(base)]) for n in range(count))
    ]


def _site(pipe: Connection, count: int) -> None:
    """The site in its own process, served as a static snapshot.

    The sample site renders every page and every state of its feed once (20 articles more
    each time); then a minimal asyncio server serves those bytes (gzip, keep-alive) on the
    same address, the way a real news site answers from its cache. The fixture's own
    rendering would otherwise compete for this machine's two cores with the pipeline.
    """
    port = _free_port()
    feeds: list[tuple[bytes, list[str]]] = []
    pages: dict[str, bytes] = {}
    with SampleSite(fixture_articles(count), port=port) as site, httpx.Client() as http:
        for _ in range(count // FEED_LIMIT):
            urls = [site.publish_next().url for _ in range(FEED_LIMIT)]
            feeds.append((gzip.compress(http.get(site.feed_url()).content), urls))
            for url in urls:
                pages[urlsplit(url).path] = gzip.compress(http.get(url).content)
        base = site.url
    current = -1

    def answer(path: str) -> bytes:
        body = feeds[current][0] if path == "/feed/" else pages.get(path)
        if body is None:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        kind = b"application/rss+xml" if path == "/feed/" else b"text/html"
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"; charset=UTF-8\r\n"
            b"Content-Encoding: gzip\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n\r\n" + body
        )  # fmt: skip

    class Handler(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while b"\r\n\r\n" in self.buffer:
                head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
                self.transport.write(answer(head.split(b" ", 2)[1].decode()))

    async def serve() -> None:
        nonlocal current
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Handler, "127.0.0.1", port)
        pipe.send(base)
        while await loop.run_in_executor(None, pipe.recv) is not None:
            current += 1
            pipe.send(feeds[current][1])
        server.close()

    asyncio.run(serve())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def measure(articles: int = ARTICLES) -> Section:
    """Publish `articles` (a multiple of 20), collect them, and extract them again as the
    floor; returns the figures side by side."""
    articles -= articles % FEED_LIMIT
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_site, args=(child, articles), daemon=True)
    server.start()
    try:
        site_url = parent.recv()
        with tempfile.TemporaryDirectory() as tmp:
            pipeline, pages = await _pipeline(
                f"sqlite:///{Path(tmp) / 'bench.db'}", site_url, parent, articles
            )
    finally:
        parent.send(None)
        server.join(10)
    start = time.perf_counter()
    for body, page_url in pages:
        extract_page(body, page_url)
    floor = time.perf_counter() - start
    n = len(pages)
    ratio, goal = floor / pipeline, f">= {TARGET}"
    table = Table(
        ("articles", "floor: extraction alone", "whole pipeline", "pipeline / floor", "target"),
        [
            (
                f"{n:,}",
                f"{rate(n / floor, 1)} articles/s ({floor / n * 1000:.2f} ms)",
                f"{rate(n / pipeline, 1)} articles/s ({pipeline / n * 1000:.2f} ms)",
                f"**{ratio:.2f}**",
                goal,
            )
        ],
    )
    met = verdict(ratio >= TARGET, goal)
    return Section(
        "ingest",
        "Ingestion against the extraction floor",
        (table,),
        (f"pipeline throughput / extraction throughput {ratio:.2f}: {met}",),
        {"ratio": ratio, "floor": n / floor, "pipeline": n / pipeline},
        (f"{rate(n / pipeline, 1)} articles/s", "extraction alone", f"{ratio:.2f}: {met}"),
    )


def run(quick: bool = False) -> Section:
    return asyncio.run(measure(QUICK_ARTICLES if quick else ARTICLES))


def main(argv: list[str] | None = None) -> None:
    print(run("--quick" in (sys.argv[1:] if argv is None else argv)).markdown())


async def _pipeline(
    url: str, site_url: str, site: Connection, articles: int
) -> tuple[float, list[tuple[bytes, str]]]:
    migrate.upgrade(url)
    engine = create_engine(url)
    store = Store.on(engine)
    source = Source("sham", "أخبار الشام اليوم", f"{site_url}/feed/", interval=60, robots=False)
    await store.registry.apply([Category("syria", "الشأن السوري")], [source], [])
    elapsed = 0.0
    pages: list[tuple[bytes, str]] = []
    async with build_client(timeout=10, user_agent="bench", allow_networks=LOOPBACK) as http:
        hosts = HostLimiter(concurrency=8, delay=0)
        fetcher = Fetcher(http, max_bytes=5_000_000, deadline=20, hosts=hosts)
        workers = extraction_pool() if os.environ.get("BENCH_POOL", "1") == "1" else None
        if workers is not None:  # a running service has warm workers: start them first
            warm = [workers.submit(extract_page, b"<p>x</p>", site_url) for _ in range(8)]
            for future in warm:
                future.result()
        collector = Collector(store, fetcher, ExtractiveSummarizer(), utcnow, workers=workers)
        for _ in range(articles // FEED_LIMIT):
            site.send("next")  # the site's feed now shows 20 new articles
            urls = site.recv()
            start = time.perf_counter()
            result = await collector.poll(source)
            elapsed += time.perf_counter() - start
            assert result.new == FEED_LIMIT, result
            for page_url in urls:  # the same pages, kept for the floor
                pages.append(((await http.get(page_url)).content, page_url))
        if workers is not None:
            workers.shutdown()
    await engine.dispose()
    return elapsed, pages


if __name__ == "__main__":
    main()

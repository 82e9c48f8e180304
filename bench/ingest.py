"""Ingestion against the extraction floor.

The floor is trafilatura extracting the same article pages in memory: no network, no
database. The pipeline does that plus fetching the feed and each page over loopback HTTP,
dedup, normalization, summarization and the SQLite transaction with outbox rows. The ratio
says how much the rest of the pipeline costs on top of extraction, which dominates.
"""

from __future__ import annotations

import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from syndicator.app import utcnow
from syndicator.demo.site import FEED_LIMIT, SampleSite, load_articles
from syndicator.extract import extract_page
from syndicator.fetch import Fetcher, build_client
from syndicator.model import Category, Source
from syndicator.pipeline import Collector
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine
from syndicator.summarize import LeadSummarizer

ROUNDS = 10  # each round publishes one feed's worth of new articles and polls once


async def main() -> None:
    base = [replace(a, initially_published=False, full_in_feed=False) for a in load_articles()]
    articles = [
        replace(a, post_id=10_000 + n, slug=f"{a.slug}-{n}")
        for n, a in enumerate(base[i % len(base)] for i in range(ROUNDS * FEED_LIMIT))
    ]
    with tempfile.TemporaryDirectory() as tmp, SampleSite(articles) as site:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        engine = create_engine(url)
        store = Store.on(engine)
        source = Source("sham", "أخبار الشام اليوم", site.feed_url(), interval=60)
        await store.registry.apply([Category("syria", "الشأن السوري")], [source], [])
        async with build_client(timeout=10, user_agent="bench") as http:
            fetcher = Fetcher(http, max_bytes=5_000_000, deadline=20)
            collector = Collector(store, fetcher, LeadSummarizer(), utcnow)
            pipeline = 0.0
            pages: list[tuple[bytes, str]] = []
            for _ in range(ROUNDS):
                published = [site.publish_next() for _ in range(FEED_LIMIT)]
                start = time.perf_counter()
                result = await collector.poll(source)
                pipeline += time.perf_counter() - start
                assert result.new == FEED_LIMIT, result
                for item in published:
                    pages.append(((await http.get(item.url)).content, item.url))
        await engine.dispose()
    start = time.perf_counter()
    for body, page_url in pages:
        extract_page(body, page_url)
    floor = time.perf_counter() - start
    n = len(pages)
    print(f"machine: {platform.machine()} {platform.python_implementation()} "
          f"{platform.python_version()}, {n} articles")  # fmt: skip
    print(f"extraction floor   {floor / n * 1000:7.2f} ms/article")
    print(f"whole pipeline     {pipeline / n * 1000:7.2f} ms/article")
    print(f"ratio pipeline / floor: {pipeline / floor:.2f}")

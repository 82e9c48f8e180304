"""Memory: the service's peak resident set with 1,000 sources and 100,000 stored articles.

Two runs of the real service process (`python -m syndicator run`, see `bench.service`),
one after the other, measured from outside through /proc/<pid>/status (VmHWM: the peak
resident set since the process started):

- floor: an empty store and no sources: the interpreter, the imports, the scheduler, the
  feed server (everything the process holds before it has any work);
- loaded: 100,000 articles already in the SQLite store (synthetic, made from the bundled
  articles and bulk-inserted through the store's batch insert, `Articles.add_many`, before
  the service starts) and 1,000 sources on loopback sites (`bench.sites`, four feeds per
  site). Every source is polled twice: the first poll gets its feed with 3 new articles
  (stored through the whole pipeline: 3,000 more), the second one a 304.

Both then answer the same feed requests (the index, RSS/Atom/JSON feeds, a source's
feed, an archive page, the OPML), each twice (rendered, then from the cache). Page
extraction runs in the service process (`extract_workers = 0`, the default), so its one
resident set is the whole cost. Reported: peak RSS in MiB, loaded / floor, and the bound.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import service
from bench.report import Section, Table, mib, verdict
from bench.sites import Sites
from syndicator.assemble import NewArticle
from syndicator.demo.site import load_articles
from syndicator.model import Article, Category, Source
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine

SOURCES = 1000
ARTICLES = 100_000
QUICK = (100, 10_000)
BOUND_MIB = 300
INTERVAL = 20  # seconds between two polls of a source
FEEDS_PER_SITE = 4
INITIAL = 3  # articles in each source's feed at its first poll
BATCH = 1000
REQUESTS = (
    "/",
    "/feeds/all.rss",
    "/feeds/world.rss",
    "/feeds/world.atom",
    "/feeds/misc.json",
    "/feeds/source/s0.rss",
    "/feeds/all/archive/1.rss",
    "/c/world/",
    "/feeds.opml",
)


@dataclass(frozen=True)
class Run:
    peak_kib: int
    rss_kib: int
    ready_seconds: float
    polled_seconds: float  # until every source was polled once
    requests: int  # feed requests answered 200/304


async def fill(database: Path, sources: list[service.Feed], count: int) -> float:
    """Store `count` synthetic articles spread over `sources`; returns the seconds it took."""
    url = f"sqlite:///{database}"
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    store = Store.on(engine)
    categories = [Category(slug, name) for slug, name, _ in service.CATEGORIES]
    await store.registry.apply(
        categories, [Source(f.id, f"موقع {f.id}", f.url, interval=f.interval) for f in sources], []
    )
    posts = load_articles()
    now = datetime.now(UTC)
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, count)):
            post = posts[n % len(posts)]
            text = "\n\n".join(post.paragraphs)
            article = Article(
                source_id=sources[n % len(sources)].id,
                guid=f"bulk-{n}",
                url=f"https://archive.example/{n}/{post.slug}/",
                title=f"{post.title} ({n})",
                text=text,
                content_html="".join(f"<p>{p}</p>" for p in post.paragraphs),
                summary=post.paragraphs[0][:280],
                published=now - timedelta(minutes=count - n),
                updated=now - timedelta(minutes=count - n),
                content_hash=f"{n:064x}",
                author=post.author,
                categories=(service.CATEGORIES[n % 2][0],),
            )
            batch.append(NewArticle(article))
        await store.articles.add_many(batch, now)
    await engine.dispose()
    return time.perf_counter() - started


def _measure(workdir: Path, feeds: list[service.Feed], interval: int, sites: Sites | None) -> Run:
    port = service.free_port()
    database = workdir / "syndicator.db"
    config = service.config(database, port, feeds, interval)
    with service.Service(workdir, config, port) as running:
        ready = running.wait_ready()
        started = time.monotonic()
        polled = 0.0
        if feeds:
            while service.polled(database)[0] < len(feeds):
                running.check_alive()
                if time.monotonic() - started > 600:
                    raise RuntimeError("the sources were not all polled within 10 minutes")
                time.sleep(0.5)
            polled = time.monotonic() - started
            assert sites is not None
            while sites.counts()["304"] < len(feeds):  # the second round: 304s
                running.check_alive()
                if time.monotonic() - started > 600 + interval:
                    raise RuntimeError("the second round did not end within 10 minutes")
                time.sleep(0.2)
        answered = 0
        for path in REQUESTS:  # rendered, then cached, then revalidated
            etag = ""
            for revalidate in (False, False, True):
                headers = {"If-None-Match": etag} if revalidate else {}
                response = running.http.get(path, headers=headers)
                answered += response.status_code in (200, 304)
                etag = response.headers.get("etag", "")
        rss, peak = running.memory()
        code = running.stop()
    if code != 0:
        raise RuntimeError(f"the service exited with {code}; see {running.log}")
    return Run(peak, rss, ready, polled, answered)


def measure(
    sources: int = SOURCES,
    articles: int = ARTICLES,
    interval: int = INTERVAL,
    feeds_per_site: int = FEEDS_PER_SITE,
) -> Section:
    with tempfile.TemporaryDirectory() as tmp:
        empty, loaded = Path(tmp) / "floor", Path(tmp) / "loaded"
        empty.mkdir()
        loaded.mkdir()
        floor = _measure(empty, [], interval, None)
        with Sites(sources, max(1, sources // feeds_per_site), initial=INITIAL) as sites:
            feeds = [service.Feed(f"s{n}", sites.url(n), interval) for n in range(sources)]
            filled = asyncio.run(fill(loaded / "syndicator.db", feeds, articles))
            size = (loaded / "syndicator.db").stat().st_size
            ours = _measure(loaded, feeds, interval, sites)
    ratio = ours.peak_kib / floor.peak_kib
    within = ours.peak_kib / 1024 <= BOUND_MIB
    kept = verdict(within, f"bound {BOUND_MIB} MiB")
    table = Table(
        ("", "floor: empty store, no sources", f"{sources:,} sources, {articles:,} articles",
         "loaded / floor"),
        [
            ("**peak RSS (VmHWM)**", mib(floor.peak_kib), f"**{mib(ours.peak_kib)}**",
             f"**{ratio:.2f}**"),
            ("RSS at the end", mib(floor.rss_kib), mib(ours.rss_kib),
             f"{ours.rss_kib / floor.rss_kib:.2f}"),
            (f"feed requests answered 200 or 304 (of {len(REQUESTS) * 3})", str(floor.requests),
             str(ours.requests), ""),
            ("start until /readyz answers 200", f"{floor.ready_seconds:.1f} s",
             f"{ours.ready_seconds:.1f} s", ""),
            ("until every source was polled once", "–", f"{ours.polled_seconds:.1f} s", ""),
        ],
    )  # fmt: skip
    return Section(
        "memory",
        f"Memory with {sources:,} sources and {articles:,} stored articles",
        (table,),
        (
            f"peak RSS {mib(ours.peak_kib)}: {kept}; the store held {articles:,} + "
            f"{sources * INITIAL:,} articles ({size / 2**20:,.0f} MiB of SQLite, "
            f"bulk-inserted in {filled:.0f} s)",
        ),
        {"peak_mib": ours.peak_kib / 1024, "floor_mib": floor.peak_kib / 1024, "ratio": ratio},
        (f"peak RSS {mib(ours.peak_kib)}", f"floor {mib(floor.peak_kib)}: {ratio:.2f}", kept),
    )


def run(quick: bool = False) -> Section:
    return measure(*(QUICK if quick else (SOURCES, ARTICLES)))


def main(argv: list[str] | None = None) -> None:
    print(run("--quick" in (sys.argv[1:] if argv is None else argv)).markdown())


if __name__ == "__main__":
    main()

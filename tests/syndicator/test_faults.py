"""Real faults, no mocks: the database unavailable at start and mid-run, and the process
killed at random points while it ingests.

- PostgreSQL goes away behind a loopback TCP proxy (`tests.fakes.tcp_proxy`): connections
  reset, new ones refused. The service waits for it at start (capped exponential backoff,
  /healthz alive, /readyz and the feeds 503), and mid-run a poll ends as "database
  unavailable" without touching the source's error state; once it is back, every article
  published meanwhile is stored once, with its delivery row.
- SQLite stays locked by another process (`BEGIN EXCLUSIVE`) beyond `[database]
  busy_timeout`: the same, and the feeds are still read meanwhile (WAL).
- `syndicator collect` is SIGKILLed at seeded random points of an ingest of 60 articles
  whose pages are fetched and extracted; after a last clean run the database holds what a
  run never killed stores: the same articles, whole, once, each with its delivery row.

PostgreSQL tests are skipped without SYNDICATOR_TEST_DATABASE_URL, like the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.app import App
from syndicator.config import Settings, load_settings, settings_from_mapping
from syndicator.demo.content import CATEGORIES
from syndicator.demo.site import SampleSite, SiteArticle, load_articles
from syndicator.errors import StoreUnavailable
from syndicator.store import tables as t
from syndicator.store.engine import POSTGRES_DEFAULTS, create_engine, sync_url
from tests.fakes.tcp_proxy import TcpProxy
from tests.waiting import WITHIN as WAIT
from tests.waiting import eventually

POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def settings(tmp_path: Path, database: str, feed: str, **database_options: Any) -> Settings:
    return settings_from_mapping(
        {
            # Backoff in tens of milliseconds, so that a test sees several attempts quickly.
            "database": {"url": database, "retry_initial": 0.05, "retry_max": 0.2}
            | database_options,
            "http": {"port": 0},
            "fetch": {"allow_networks": ["127.0.0.0/8", "::1"], "per_host_delay": 0},
            "telegram": {"per_chat_interval": 0.0},
            "categories": [{"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"]}],
            "sources": [{"id": "sham", "name": "أخبار الشام اليوم", "url": feed}],
            "channels": [{"id": "posts", "chat_id": "@syria_posts", "categories": ["syria"]}],
        },
        tmp_path / "faults.toml",
        env={},
    )


def behind(proxy: TcpProxy, url: str) -> str:
    """`url` reached through `proxy`, with a password that must never be logged."""
    through = make_url(url).set(host=proxy.host, port=proxy.port, password="s3cret-pw")
    return through.render_as_string(hide_password=False)


def upstream(url: str) -> tuple[str, int]:
    parsed = make_url(url)
    return parsed.host or "127.0.0.1", parsed.port or 5432


@contextlib.asynccontextmanager
async def running(app: App, *, wait_ready: bool = True) -> AsyncIterator[asyncio.Event]:
    """`app.run` in a task (collect, dispatch in dry-run, serve on a free port); yields its
    `ready` event once the HTTP port is bound, and stops it cleanly afterwards."""
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(app.run(stop, ready=ready))
    try:
        await eventually(lambda: _bound(app, task), "listening")
        if wait_ready:
            await asyncio.wait_for(ready.wait(), WAIT)
        yield ready
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT)


async def _bound(app: App, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # it failed: say why
    return app.bound_port is not None


def http(app: App) -> httpx.AsyncClient:
    base = f"http://127.0.0.1:{app.bound_port}"
    return httpx.AsyncClient(base_url=base, trust_env=False, timeout=10)


# -- what the store holds -------------------------------------------------------------------


async def articles(engine: AsyncEngine) -> Counter[str]:
    """Stored rows per GUID (each must be 1)."""
    async with engine.connect() as conn:
        return Counter((await conn.execute(select(t.articles.c.guid))).scalars())


async def owed(engine: AsyncEngine) -> tuple[set[str], Counter[tuple[str, str]]]:
    """GUIDs of the articles routed to channel `posts` (category syria), and the delivery
    rows per (GUID, channel)."""
    async with engine.connect() as conn:
        routed = set(
            (
                await conn.execute(
                    select(t.articles.c.guid)
                    .join(t.article_categories)
                    .where(t.article_categories.c.category_slug == "syria")
                )
            ).scalars()
        )
        rows = await conn.execute(
            select(t.articles.c.guid, t.deliveries.c.channel_id).join(t.deliveries)
        )
        return routed, Counter((r.guid, r.channel_id) for r in rows)


async def assert_whole(app: App, site: SampleSite) -> None:
    """Every published article is stored once, and each one routed to `posts` has exactly
    one delivery row there; the source's error state is clean."""
    stored = await articles(app.engine)
    assert sorted(stored) == sorted(p.guid for p in site.published)
    assert set(stored.values()) == {1}
    routed, deliveries = await owed(app.engine)
    assert routed, "some articles are in category syria"
    assert deliveries == Counter((guid, "posts") for guid in routed)
    state = await app.store.registry.state("sham")
    assert (state.error_count, state.last_error) == (0, None)


async def stored(app: App, count: int) -> bool:
    return sum((await articles(app.engine)).values()) == count


async def all_sent(app: App) -> bool:
    async with app.engine.connect() as conn:
        states = (await conn.execute(select(t.deliveries.c.state))).scalars().all()
    return bool(states) and set(states) == {"sent"}


def warnings(caplog: pytest.LogCaptureFixture, start: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.getMessage().startswith(start)
    ]


# -- PostgreSQL behind a proxy --------------------------------------------------------------


@POSTGRESQL
async def test_start_waits_for_postgresql_then_runs(
    database_url: str, site: SampleSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with TcpProxy(*upstream(database_url)) as proxy:
        proxy.cut()
        url = behind(proxy, database_url)
        app = App(settings(tmp_path, url, site.feed_url()), dry_run=True, out=io.StringIO())
        async with app, running(app, wait_ready=False) as ready:
            await eventually(lambda: len(warnings(caplog, "database postgresql")) >= 3, "retrying")
            async with http(app) as client:
                assert (await client.get("/healthz")).status_code == 200
                answer = await client.get("/readyz")
                assert answer.status_code == 503
                assert answer.json()["checks"]["database"].startswith("unreachable (")
                feed = await client.get("/feeds/all.rss")
                assert feed.status_code == 503
                assert feed.headers["retry-after"].isdigit()
            assert not ready.is_set()

            proxy.restore()
            await asyncio.wait_for(ready.wait(), WAIT)
            await eventually(lambda: stored(app, len(site.published)), "collected")
            await eventually(lambda: all_sent(app), "delivered")
            async with http(app) as client:
                assert (await client.get("/readyz")).status_code == 200
                assert (await client.get("/feeds/all.rss")).status_code == 200
            await assert_whole(app, site)

    tries = warnings(caplog, "database postgresql")
    assert f"127.0.0.1:{proxy.port}" in tries[0]
    assert "OperationalError" in tries[0]
    assert "attempt 1:" in tries[0]
    assert "attempt 3:" in tries[2]
    text = caplog.text
    assert "s3cret-pw" not in text
    assert "Traceback" not in text  # one line per attempt, no traceback
    assert any("answers (after" in r.getMessage() for r in caplog.records)


@POSTGRESQL
async def test_postgresql_outage_mid_run_loses_nothing(
    database_url: str, site: SampleSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    out = io.StringIO()
    with TcpProxy(*upstream(database_url)) as proxy:
        url = behind(proxy, database_url)
        app = App(settings(tmp_path, url, site.feed_url()), dry_run=True, out=out)
        async with app, running(app):
            first = len(site.published)
            await eventually(lambda: stored(app, first), "collected")
            await eventually(lambda: all_sent(app), "delivered")
            async with http(app) as client:
                cached = await client.get("/feeds/all.rss")
                assert cached.status_code == 200
            [source] = await app.store.registry.sources()
            before = await app.store.registry.state("sham")

            # Cut while a poll fetches the page of a new article: it has read the feed and
            # what is known, and fails when it stores.
            new = [site.publish_next("syria")]  # its feed entry is an excerpt: page needed
            page = urlsplit(new[0].url).path
            site.slow(page, 1.0)
            poll = asyncio.create_task(app.poll(source, before))
            await eventually(lambda: any(r.path == page for r in site.request_log), "paged")
            proxy.cut()
            result = await poll
            assert result.error is not None
            assert result.error.startswith("database unavailable: OperationalError")
            assert (result.new, result.store_down) == (0, True)
            site.slow(page, 0)

            new.append(site.publish_next())  # published during the outage
            assert await app.scheduler.tick() == 0  # the tick could not read: next tick
            again = await app.poll(source)
            assert again.error is not None
            assert again.error.startswith("database unavailable")
            async with http(app) as client:
                still = await client.get("/feeds/all.rss")  # rendered before: still served
                assert (still.status_code, still.content) == (200, cached.content)
                down = await client.get("/feeds/syria.atom")  # not rendered yet: 503
                assert down.status_code == 503
                assert down.headers["retry-after"].isdigit()
                assert down.headers["cache-control"] == "no-store"
                assert (await client.get("/readyz")).status_code == 503
                assert (await client.get("/healthz")).status_code == 200

            proxy.restore()
            after = await app.poll(source)
            assert (after.error, after.new) == (None, len(new))
            await eventually(lambda: all_sent(app), "delivered")
            await assert_whole(app, site)
            state = await app.store.registry.state("sham")
            assert state.last_success_at is not None
            assert before.last_success_at is not None
            assert state.last_success_at > before.last_success_at

    assert len(warnings(caplog, "database unavailable: source sham will be polled again")) == 2
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]
    polls = app.metrics.registry.get_sample_value  # the source's own errors stay at zero
    assert polls("syndicator_polls_total", {"source": "sham", "result": "store_unavailable"}) == 2
    assert polls("syndicator_polls_total", {"source": "sham", "result": "error"}) is None
    sent = [block.partition("\n")[2] for block in out.getvalue().split("─" * 60 + "\n")[1:]]
    titles = [body.split("\n")[0] for body in sent]
    assert len(titles) == len(set(titles)), "a message was sent twice"


# -- PostgreSQL that accepts and never answers ---------------------------------------------


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never says a word: a
    hung host or a dropped route, not a refusal."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_postgresql_urls_get_timeouts_and_keepalives_unless_they_set_their_own() -> None:
    assert dict(sync_url("postgresql://u@db/x").query) == POSTGRES_DEFAULTS
    own = sync_url("postgresql://u@db/x?connect_timeout=3&keepalives_idle=5").query
    assert (own["connect_timeout"], own["keepalives_idle"], own["keepalives"]) == ("3", "5", "1")


async def test_a_database_that_never_answers_is_unavailable_not_a_hang() -> None:
    with black_hole() as port:
        engine = create_engine(f"postgresql://postgres@127.0.0.1:{port}/test?connect_timeout=2")
        try:
            async with asyncio.timeout(WAIT):  # psycopg's own default would wait 130 s
                with pytest.raises(StoreUnavailable, match="database unavailable"):
                    async with engine.connect() as conn:
                        await conn.execute(select(1))
        finally:
            await engine.dispose()


# -- SQLite locked by another process -------------------------------------------------------


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another connection holds the write lock of the SQLite file until the block ends."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_sqlite_locked_beyond_the_busy_timeout_loses_nothing(
    site: SampleSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    path = tmp_path / "locked.db"
    cfg = settings(tmp_path, f"sqlite:///{path}", site.feed_url(), busy_timeout=0.2)
    async with App(cfg, dry_run=True, out=io.StringIO()) as app:
        await app.prepare()
        [first] = await app.collect()
        assert first.error is None
        [source] = await app.store.registry.sources()
        before = await app.store.registry.state("sham")
        transport = httpx.ASGITransport(app=app.feed_server().app())
        new = [site.publish_next("syria"), site.publish_next()]
        with locked(path):
            result = await app.poll(source)
            assert result.error == "database unavailable: OperationalError: database is locked"
            # Readers are not blocked (WAL): the feeds are served from the store meanwhile.
            async with httpx.AsyncClient(transport=transport, base_url="http://f") as client:
                assert (await client.get("/feeds/syria.rss")).status_code == 200
            # Nothing was written: the source keeps its validators, it owes nothing.
            assert await app.store.registry.state("sham") == before
        after = await app.poll(source)
        assert (after.error, after.new) == (None, len(new))
        await assert_whole(app, site)
    [warned] = warnings(caplog, "database unavailable: source sham")
    assert "database is locked" in warned
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # not a source bug


async def test_start_waits_while_sqlite_is_locked(
    site: SampleSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A start that must write (the config file changed) waits for the lock, then goes on."""
    caplog.set_level(logging.WARNING)
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    async with App(settings(tmp_path, url, site.feed_url()), dry_run=True) as app:
        await app.prepare()
    changed = settings(tmp_path, url, site.feed_url() + "?v=2", busy_timeout=0.05)
    async with App(changed, dry_run=True) as app:
        stop = asyncio.Event()
        with locked(path):
            waiting = asyncio.create_task(app.prepare_when_available(stop))
            await eventually(lambda: len(warnings(caplog, "database sqlite")) >= 2, "retrying")
            assert not waiting.done()
            # The database answers reads, but the service is not ready: /readyz says why.
            transport = httpx.ASGITransport(app=app.feed_server().app())
            async with httpx.AsyncClient(transport=transport, base_url="http://f") as client:
                answer = await client.get("/readyz")
            assert answer.status_code == 503
            why = answer.json()["checks"]["database"]
            assert why.startswith("starting: attempt "), why
            assert why.endswith("failed (OperationalError: database is locked)"), why
        assert await asyncio.wait_for(waiting, WAIT)
        [source] = await app.store.registry.sources()
        assert source.url.endswith("?v=2")
    assert "database is locked" in warnings(caplog, "database sqlite")[0]


async def test_waiting_ends_when_stopped(tmp_path: Path) -> None:
    """`run` stopped while the database does not answer ends cleanly, serving nothing."""
    directory = tmp_path / "not-a-file.db"
    directory.mkdir()  # SQLite cannot open a directory: unavailable, for as long as it lasts
    cfg = settings(tmp_path, f"sqlite:///{directory}", "http://127.0.0.1:1/feed/")
    async with App(cfg, dry_run=True) as app:
        stop = asyncio.Event()
        task = asyncio.create_task(app.run(stop))
        await eventually(lambda: app.bound_port is not None, "listening")
        async with http(app) as client:
            assert (await client.get("/healthz")).status_code == 200
        stop.set()
        await asyncio.wait_for(task, WAIT)
        assert not app.scheduler.running


# -- SIGKILL at random points of an ingest --------------------------------------------------

STORIES = 60  # 12 per category, one source per category feed (a feed shows 20 at most)
KILLS = 5
ROUTED = ("syria", "economy")  # the channel's categories


def stories() -> list[SiteArticle]:
    """60 posts of distinct text (no two are near-duplicates), each a feed excerpt whose
    page must be fetched and extracted."""
    template = load_articles()[0]
    words = " ".join(p for a in load_articles() for p in a.paragraphs).split()
    slugs = list(CATEGORIES)
    made = []
    for n in range(STORIES):
        pick = random.Random(n)
        made.append(
            replace(
                template,
                post_id=5000 + n,
                slug=f"story-{n}",
                category=slugs[n % len(slugs)],
                title=" ".join(pick.choices(words, k=9)),
                paragraphs=tuple(" ".join(pick.choices(words, k=70)) + " ." for _ in range(4)),
                tags=(),
                full_in_feed=False,
            )
        )
    return made


def collect_config(tmp_path: Path, site: SampleSite, name: str) -> Path:
    categories = "".join(
        f'[[categories]]\nslug = "{slug}"\nname = "{label}"\n\n'
        for slug, label in CATEGORIES.items()
    )
    sources = "".join(
        f'[[sources]]\nid = "sham-{slug}"\nname = "الشام {slug}"\nurl = "{site.feed_url(slug)}"\n\n'
        for slug in CATEGORIES
    )
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / name}.db"

[fetch]
allow_networks = ["127.0.0.0/8", "::1"]
per_host_delay = 0
per_host_concurrency = 8

{categories}{sources}
[[channels]]
id = "posts"
chat_id = "@posts"
categories = {list(ROUTED)!r}
""".replace("'", '"'),
        encoding="utf-8",
    )
    return path


def snapshot(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str, str]]]:
    """What a run stored, without ids or the times it ran at: every article's columns
    (with its categories), sorted, and every delivery row."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        columns = (
            "guid, url, url_key, title, text, content_html, summary, author, image,"
            " published_at, updated_at, content_hash, source_hash, revision, source_id"
        )
        rows = db.execute(
            f"SELECT {columns}, (SELECT group_concat(category_slug) FROM"
            " (SELECT category_slug FROM article_categories c WHERE c.article_id = a.id"
            "  ORDER BY category_slug)) FROM articles a ORDER BY guid"
        ).fetchall()
        deliveries = db.execute(
            "SELECT a.guid, d.channel_id, d.kind, d.state FROM deliveries d"
            " JOIN articles a ON a.id = d.article_id ORDER BY a.guid, d.channel_id"
        ).fetchall()
    return rows, deliveries


def count(path: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=5)) as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # not created, or not migrated yet
        return 0


def fetched_pages(site: SampleSite) -> int:
    """Article pages the site has been asked for (by every run so far)."""
    return sum(r.path.split("/")[4].startswith("story-") for r in site.request_log
               if r.path.count("/") == 5)  # fmt: skip


def syndicator(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "syndicator", "--config", str(config), *args]


ENV = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}


async def collect_once(settings: Settings) -> None:
    async with App(settings) as app:
        await app.prepare()
        assert {r.error for r in await app.collect()} == {None}


@pytest.fixture
def newsroom() -> Iterator[SampleSite]:
    with SampleSite(stories()) as running_site:
        yield running_site


def test_killed_at_random_points_during_ingest_loses_nothing(
    newsroom: SampleSite, tmp_path: Path
) -> None:
    # A run that is never killed, for reference (another database, the same site): what
    # `syndicator collect` does, in this process.
    asyncio.run(collect_once(load_settings(collect_config(tmp_path, newsroom, "reference"))))
    expected = snapshot(tmp_path / "reference.db")
    assert len(expected[0]) == STORIES
    assert all(row[4] and row[6] and row[3] for row in expected[0])  # title, text, summary

    config, database = collect_config(tmp_path, newsroom, "killed"), tmp_path / "killed.db"
    pick = random.Random(20261129)
    rounds = []
    for n in range(KILLS):
        before, pages = count(database), fetched_pages(newsroom)
        worker = subprocess.Popen(
            syndicator(config, "collect"), env=ENV,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            # Odd rounds die while pages are fetched and extracted (after a random number
            # of page requests), even ones just after the run's first commit; each after
            # a random jitter of up to 40 ms, so that the kill falls anywhere: in a fetch,
            # an extraction, a transaction or its commit. Every run has at least a third
            # of its work ahead of it, so none finishes first.
            by_pages, wanted = n % 2 == 0, pick.randint(1, max(1, 2 * (STORIES - before) // 3))
            deadline = time.monotonic() + WAIT
            while worker.poll() is None and not (
                fetched_pages(newsroom) - pages >= wanted if by_pages else count(database) > before
            ):
                assert time.monotonic() < deadline, "no progress"
                time.sleep(0.005)
            time.sleep(pick.uniform(0, 0.04))
        finally:
            worker.send_signal(signal.SIGKILL)
            _, log = worker.communicate(timeout=30)
        assert worker.returncode == -signal.SIGKILL, log  # killed, not ended on its own
        rounds.append((before, count(database)))
    assert rounds[-1][1] < STORIES, rounds  # the last kill left work to do
    assert all(after > before for before, after in rounds[1::2]), rounds
    print("articles stored before and after each kill:", rounds)

    final = subprocess.run(
        syndicator(config, "collect"), env=ENV, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert final.returncode == 0, final.stderr
    articles, deliveries = snapshot(database)
    assert len({row[0] for row in articles}) == len(articles) == STORIES  # none twice
    assert articles == expected[0]  # whole rows: the same as a run never killed
    assert deliveries == expected[1]
    routed = {row[0] for row in articles if set(row[-1].split(",")) & set(ROUTED)}
    assert {guid for guid, *_ in deliveries} == routed
    assert len(deliveries) == len(routed) == 24

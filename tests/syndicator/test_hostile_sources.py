"""Hostile sources end to end: every bad answer of `HostileServer`, polled through
`Collector.poll` into a real store, next to a healthy source on the sample site.

For each endpoint the poll returns (never raises) within a bounded time, and either
- records a clear per-source error: `PollResult.error` and `SourceState.last_error` name the
  URL and the problem, `error_count` counts it, `next_poll_at` backs off (never sooner than a
  Retry-After) and keeps growing on the next failure, nothing is stored; or
- stores what is salvageable, cleaned: no control characters but newlines, no U+202E, no
  `<script` or `javascript:`, no tag at all in plain-text fields (title, text, summary), no
  secret file or URL contents, dates within 1990..now.
Either way the healthy source polled right after it stores its articles, and what was stored
can be rendered as RSS and Atom.

Titles: a 100,000-character title, in a feed item or in the `<title>` and `<h1>` of the page an
untitled item links to, is stored cut at a word boundary to `syndicator.normalize.MAX_TITLE`
characters with an ellipsis (feed readers and Telegram break on huge titles); every salvaged
title of every case stays within that cap.

Memory bound: every case is polled under tracemalloc with a 2 MB body cap (`MAX_BYTES`), and
the peak of traced memory (every thread of the process, the fake servers included) must stay
under 4 x the cap + 8 MiB = 16 MiB (`MEMORY_BOUND`). Why 4 x: the body is read into one buffer
of up to the cap, decoded to text (one more copy, up to 4 bytes a character in the worst case
for str but about 1-2 for Arabic) and parsed (lxml/feedparser trees of about the text's size);
the fixed 8 MiB covers the parser, trafilatura and the fake servers' threads. Measured peaks
(2 cores, SQLite): under 0.6 MiB for most cases, 2-4 MiB for the bombs, the chunked 100 MB
body and the quadratic blowup, 6.2 MiB for `long-title` (trafilatura on a 200 KB page). Before
`syndicator.sources.feed` removed plain-text entity declarations, the quadratic blowup alone
took 6 GB and two minutes.

Most tests use SQLite (a per-test file); the error-state round trip also runs on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from feeds.render import FeedDoc, render_atom, render_rss
from syndicator.fetch import Fetcher
from syndicator.model import Article, Category, Source, SourceState
from syndicator.normalize import MAX_TITLE
from syndicator.pipeline import Collector
from syndicator.sources import feed
from syndicator.sources.read import READERS, Collected
from syndicator.store import Store
from syndicator.summarize import ExtractiveSummarizer
from tests.fakes.clock import FakeClock
from tests.fakes.database import open_store
from tests.fakes.hostile import (
    HUGE_SIZE,
    LONG_TITLE,
    RETRY_AFTER,
    SECRET,
    HostileServer,
    gzip_bomb,
    long_title,
)
from tests.fakes.news_site import SampleSite

MAX_BYTES = 2_000_000
DEADLINE = 1.0  # the Fetcher's total deadline, seconds
POLL_BOUND = DEADLINE + 1.5  # a poll, including the page fetches of its entries
TRACED_BOUND = 4 * POLL_BOUND  # tracemalloc slows every allocation down about four times
MEMORY_BOUND = 4 * MAX_BYTES + 8 * 2**20
INTERVAL = 5  # seconds: shorter than RETRY_AFTER, so a Retry-After visibly wins
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # every control character but \n
CATEGORIES = (Category("culture", "ثقافة وفنون"),)


@dataclass(frozen=True)
class Case:
    path: str
    error: str | None = None  # the problem the error must name; None: content is salvaged
    retry_after: float | None = None  # the least wait before the next poll
    titles: tuple[str, ...] = ()  # salvaged titles that must be among those stored
    starts: tuple[str, ...] = ()  # beginnings of salvaged titles (cleaned, maybe cut)
    stored: int | None = None  # how many articles are salvaged, when exact
    absent: tuple[str, ...] = ()  # text that no stored field may contain
    cut: tuple[str, ...] = ()  # titles over MAX_TITLE that must be stored cut, whole words


CASES = {
    "valid-control": Case(
        "/valid.xml",
        titles=("افتتاح معرض الكتاب في عمّان بمشاركة 300 دار نشر",),
        stored=2,
    ),
    "billion-laughs": Case("/billion-laughs.xml", absent=("lollol",)),
    "quadratic-blowup": Case("/quadratic-blowup.xml", titles=("عنوان",), absent=("x" * 1000,)),
    "xxe-file": Case("/xxe-file.xml", absent=("root:x:0:0", "/bin/sh", "/usr/sbin", SECRET)),
    "xxe-http": Case("/xxe-http.xml", absent=(SECRET, "root:x:0:0")),
    "gzip-bomb": Case("/gzip-bomb.xml", f"over {MAX_BYTES} bytes"),
    "brotli-bomb": Case("/brotli-bomb.xml", f"over {MAX_BYTES} bytes"),
    "huge": Case("/huge", f"body of {HUGE_SIZE} bytes is over {MAX_BYTES}"),
    "huge-chunked": Case("/huge-chunked", f"over {MAX_BYTES} bytes"),
    "slowloris": Case("/slowloris", f"no complete answer within {DEADLINE:g} s"),
    "slow-headers": Case("/slow-headers", f"no complete answer within {DEADLINE:g} s"),
    "redirect-loop": Case("/redirect-loop", "more than 5 redirects"),
    "redirect-chain": Case("/redirect-chain/3", stored=2),
    "html-as-feed": Case("/html-as-feed", "not a readable feed"),
    "empty": Case("/empty", "not a readable feed"),
    "not-xml": Case("/not-xml", "not a readable feed"),
    "malformed": Case(
        "/malformed.xml", titles=("الخبر الأول السليم", "الخبر الثاني السليم"), stored=2
    ),
    "impossible-dates": Case(
        "/impossible-dates.xml", titles=tuple(f"خبر بتاريخ مستحيل {n}" for n in range(1, 6))
    ),
    "control-chars": Case(
        "/control-chars.xml",
        stored=4,
        # The third title is 100,000 characters long: stored, cut (see `long-title`).
        starts=("عاجل: انفجار في", "عنوان طويل جداً عنوان طويل جداً", "gnp.exe خبر معكوس"),
        absent=("\x1b", "\x00", "\x85"),
    ),
    "invalid-utf8": Case("/invalid-utf8.xml", titles=("خبر سليم",), stored=2),
    "mixed-encoding": Case(
        "/mixed-encoding.xml", titles=("خبر بترميز UTF-8", "خبر بترميز ويندوز العربي"), stored=2
    ),
    "script": Case(
        "/script.xml",
        # Markup in a title is removed (tags, and script with its content), escaped once or
        # twice; the item whose link is javascript: is skipped.
        titles=("عنوان", "عنوان مرمز مرتين"),
        stored=2,
        absent=("alert(", "onerror", "<iframe", "evil.invalid", "<style"),
    ),
    "long-title": Case(
        "/long-title.xml",
        stored=2,
        cut=(long_title("عنوان طويل في الخلاصة"), long_title("عنوان طويل في الصفحة")),
    ),
    "status-500": Case("/status/500", "HTTP 500"),
    "status-429": Case("/status/429", "HTTP 429", retry_after=RETRY_AFTER),
    "status-503": Case("/status/503", "HTTP 503", retry_after=RETRY_AFTER),
    "status-404": Case("/status/404", "HTTP 404"),
    "status-403": Case("/status/403", "HTTP 403"),
}


@pytest.fixture
async def store(sqlite_store: Store) -> Store:
    """SQLite only: these tests are about sources, not backends."""
    return sqlite_store


@pytest.fixture
async def any_store(database_url: str) -> AsyncIterator[Store]:
    """SQLite and PostgreSQL (skipped with a reason when no server is configured)."""
    async with open_store(database_url) as opened:
        yield opened


@pytest.fixture
def site(clock: FakeClock) -> Iterator[SampleSite]:
    with SampleSite(clock=clock) as running:
        yield running


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    gzip_bomb()  # built (and cached) before any memory is measured
    with HostileServer() as server:
        yield server


def collector(store: Store, http: httpx.AsyncClient, clock: FakeClock) -> Collector:
    fetcher = Fetcher(http, max_bytes=MAX_BYTES, deadline=DEADLINE)
    return Collector(store, fetcher, ExtractiveSummarizer(), clock, jitter=lambda: 0.5)


def bad_source(hostile: HostileServer, path: str, source_id: str = "bad") -> Source:
    return Source(source_id, "مصدر معاد", hostile.url(path), interval=INTERVAL)


def healthy_source(site: SampleSite) -> Source:
    return Source("healthy", "أخبار الشام اليوم", site.feed_url("culture"), interval=300)


async def stored(store: Store, source_id: str) -> list[Article]:
    return await store.articles.recent(None, 500, source=source_id, one_per_story=False)


def wait(state: SourceState, now: datetime) -> float:
    assert state.next_poll_at is not None
    return (state.next_poll_at - now).total_seconds()


def assert_clean(article: Article, source: Source, now: datetime) -> None:
    """What no salvaged article may carry, whatever its feed sent."""
    shown = {"title": article.title, "text": article.text, "summary": article.summary}
    for name, value in shown.items():
        assert not _CONTROL.search(value), f"control character in {name}: {value[:80]!r}"
        assert "\u202e" not in value, f"right-to-left override in {name}"
    everything = {**shown, "content_html": article.content_html, "url": article.url}
    assert not _CONTROL.search(article.content_html.replace("\t", "").replace("\r", "")), (
        "control character in content_html (feedgen refuses to render it)"
    )
    for name, value in everything.items():
        lowered = value.lower()
        assert "<script" not in lowered, f"<script in {name}"
        if name != "content_html":  # plain text: no tag at all, however it was escaped
            assert not re.search(r"<[a-z/!]", lowered), f"markup in {name}: {value[:80]!r}"
        assert "javascript:" not in lowered, f"javascript: in {name}"
        assert "root:x:0:0" not in value, f"/etc/passwd in {name}"
        assert SECRET not in value, f"the secret URL's body in {name}"
    assert article.title.strip(), "an article without a title"
    assert len(article.title) <= MAX_TITLE, f"a title of {len(article.title)} characters"
    assert article.url != source.url, "the feed itself stored as an article"
    assert EARLIEST <= article.published <= now
    assert EARLIEST <= article.updated <= now


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_hostile_source_is_contained(
    store: Store,
    hostile: HostileServer,
    site: SampleSite,
    http: httpx.AsyncClient,
    clock: FakeClock,
    case: Case,
) -> None:
    bad, healthy = bad_source(hostile, case.path), healthy_source(site)
    await store.registry.apply(CATEGORIES, [bad, healthy], [])
    poller = collector(store, http, clock)

    tracemalloc.start()
    start = time.monotonic()
    try:
        result = await poller.poll(bad)
        took = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert took < TRACED_BOUND, f"poll took {took:.2f} s"
    assert 0 < peak < MEMORY_BOUND, f"peak of traced memory {peak / 2**20:.1f} MiB"

    if case.error is None:
        assert result.error is None, result.error
        articles = await stored(store, bad.id)
        assert articles, "nothing salvaged"
        if case.stored is not None:
            assert len(articles) == case.stored, [a.title for a in articles]
        assert set(case.titles) <= {a.title for a in articles}
        for beginning in case.starts:
            assert any(a.title.startswith(beginning) for a in articles), beginning
        for whole in case.cut:
            assert len(whole) == LONG_TITLE
            [title] = [a.title for a in articles if whole.startswith(a.title[:-1])]
            assert MAX_TITLE - 30 < len(title) <= MAX_TITLE
            assert title.endswith("…")
            assert whole[len(title) - 1] == " ", "cut in the middle of a word"
        for article in articles:
            assert_clean(article, bad, clock.now)
            for text in case.absent:
                fields = (article.title, article.text, article.summary, article.content_html)
                assert all(text not in field for field in fields), f"{text[:20]!r} stored"
        assert not hostile.secret_requested
        state = await store.registry.state(bad.id)
        assert (state.error_count, state.last_error) == (0, None)
    else:
        assert result.error is not None
        assert bad.url in result.error
        assert case.error in result.error
        assert not result.error.startswith("internal error")
        first = await store.registry.state(bad.id)
        assert first.last_error == result.error
        assert first.error_count == 1
        assert first.last_polled_at == clock.now
        first_wait = wait(first, clock.now)
        assert first_wait >= max(INTERVAL * 0.75, case.retry_after or 0.0)
        assert await stored(store, bad.id) == []

        clock.advance(first_wait)
        again = await poller.poll(bad)
        assert again.error is not None
        assert case.error in again.error
        second = await store.registry.state(bad.id)
        assert second.error_count == 2
        assert wait(second, clock.now) > first_wait  # the backoff keeps growing

    good = await poller.poll(healthy)
    assert good.error is None
    assert good.new == len([p for p in site.published if p.article.category == "culture"]) > 0
    assert len(await stored(store, healthy.id)) == good.new


async def test_all_hostile_sources_at_once_leave_a_healthy_one_alone(
    store: Store,
    hostile: HostileServer,
    site: SampleSite,
    http: httpx.AsyncClient,
    clock: FakeClock,
) -> None:
    """The scheduler's view: every bad source polled concurrently with the healthy feed."""
    bad = [bad_source(hostile, case.path, name) for name, case in CASES.items()]
    healthy = Source("healthy", "أخبار الشام اليوم", site.feed_url(), interval=300)
    await store.registry.apply(CATEGORIES, [*bad, healthy], [])
    poller = collector(store, http, clock)
    start = time.monotonic()
    results = await asyncio.gather(*(poller.poll(s) for s in [*bad, healthy]))
    assert time.monotonic() - start < 2 * POLL_BOUND
    by_id = {r.source_id: r for r in results}
    assert by_id["healthy"].error is None
    assert by_id["healthy"].new == len(site.published)
    states = await store.registry.states()
    for name, case in CASES.items():
        failed = case.error is not None
        assert (by_id[name].error is not None) == failed, (name, by_id[name].error)
        assert states[name].error_count == int(failed), name
    articles = await store.articles.recent(None, 500, one_per_story=False)
    for article in articles:
        source = next((s for s in bad if s.id == article.source_id), healthy)
        assert_clean(article, source, clock.now)
    # What was salvaged can be served: one hostile item must not break every feed it is in.
    home = "http://127.0.0.1/"
    doc = FeedDoc("all", "كل الأخبار", "كل المصادر", home + "feed/", home, articles, {})
    assert b"<rss" in render_rss(doc)
    assert b"<feed" in render_atom(doc)


async def test_an_absurd_retry_after_still_gives_a_next_poll(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    """A Retry-After of 10**12 s once made `now + wait` overflow, and `poll` raise
    OverflowError; it is now capped (the unit cases, dates included, are in test_fetch)."""
    source = Source("busy", "موقع مشغول", site.feed_url(), interval=INTERVAL)
    await store.registry.apply(CATEGORIES, [source], [])
    site.fail_next("/feed/", 503, retry_after=10**12)
    result = await collector(store, http, clock).poll(source)
    assert result.error is not None
    assert "HTTP 503" in result.error
    state = await store.registry.state("busy")
    assert state.error_count == 1
    assert 3600 <= wait(state, clock.now) <= 7 * 86400


async def test_an_item_without_a_link_is_not_the_feed_itself(
    store: Store, hostile: HostileServer, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    """The truncated last item of /malformed.xml has no link: it must not become an article
    whose URL is the feed's (its "page" would be the feed, its text the channel's)."""
    source = bad_source(hostile, "/malformed.xml")
    await store.registry.apply(CATEGORIES, [source], [])
    await collector(store, http, clock).poll(source)
    assert source.url not in {a.url for a in await stored(store, source.id)}
    assert "/malformed.xml" not in hostile.requests[1:]  # not fetched again as a "page"


class ParserBug(Exception):
    pass


async def _reader_that_raises(*_: object) -> Collected:
    raise ParserBug("index out of range in a reader")


def _parser_that_raises(*_: object) -> list[object]:
    raise ParserBug("a bug in the feed parser")


def _parser_that_recurses(*_: object) -> list[object]:
    raise RecursionError("maximum recursion depth exceeded")


@pytest.mark.parametrize(
    ("kind", "patch", "message"),
    [
        ("exploding", "reader", "ParserBug('index out of range in a reader')"),
        ("feed", "parser", "ParserBug('a bug in the feed parser')"),
        ("feed", "recursion", "RecursionError"),
    ],
    ids=["reader-raises", "feed-parser-raises", "feed-parser-recursion"],
)
async def test_an_unexpected_exception_is_an_internal_error(
    store: Store,
    site: SampleSite,
    http: httpx.AsyncClient,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    patch: str,
    message: str,
) -> None:
    if patch == "reader":
        monkeypatch.setitem(READERS, kind, _reader_that_raises)
    else:
        bug = _parser_that_raises if patch == "parser" else _parser_that_recurses
        monkeypatch.setattr(feed, "parse", bug)
    source = Source("buggy", "مصدر", site.feed_url(), kind=kind, interval=INTERVAL)
    await store.registry.apply(CATEGORIES, [source], [])
    result = await collector(store, http, clock).poll(source)
    assert result.error is not None
    assert result.error.startswith("internal error: ")
    assert message in result.error
    state = await store.registry.state("buggy")
    assert (state.error_count, state.last_error) == (1, result.error)
    assert wait(state, clock.now) >= INTERVAL * 0.75
    assert await stored(store, "buggy") == []


@pytest.mark.parametrize("path", ["/status/503", "/slowloris"], ids=["503", "slowloris"])
async def test_error_state_round_trip(
    any_store: Store,
    hostile: HostileServer,
    http: httpx.AsyncClient,
    clock: FakeClock,
    path: str,
) -> None:
    """The failure state (text, count, aware times) reads back the same on both backends,
    and a success afterwards clears it."""
    source = bad_source(hostile, path)
    await any_store.registry.apply(CATEGORIES, [source], [])
    poller = collector(any_store, http, clock)
    result = await poller.poll(source)
    state = await any_store.registry.state("bad")
    assert state.last_error == result.error
    assert state.last_error is not None
    assert source.url in state.last_error
    assert state.error_count == 1
    assert state.last_polled_at == clock.now
    assert state.last_success_at is None
    assert state.next_poll_at is not None
    assert state.next_poll_at.utcoffset() == timedelta(0)
    assert state.next_poll_at > clock.now
    (due,) = await any_store.registry.due(state.next_poll_at)
    assert due[1] == state

    clock.advance(wait(state, clock.now))
    await poller.poll(source)
    assert (await any_store.registry.state("bad")).error_count == 2

    healed = Source("bad", "مصدر معاد", hostile.url("/valid.xml"), interval=INTERVAL)
    await any_store.registry.apply(CATEGORIES, [healed], [])
    clock.advance(60)
    assert (await poller.poll(healed)).error is None
    after = await any_store.registry.state("bad")
    assert (after.error_count, after.last_error, after.last_success_at) == (0, None, clock.now)

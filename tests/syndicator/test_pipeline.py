"""The collection pipeline against the loopback sample site, on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from syndicator.fetch import Fetcher
from syndicator.model import Category, Channel, Source
from syndicator.pipeline import Collector
from syndicator.store import Store, tables
from syndicator.summarize import ExtractiveSummarizer, Summarizer, extractive
from syndicator.summarize.budget import Budget
from syndicator.summarize.llm import LlmStats, LlmSummarizer
from tests.fakes.clock import FakeClock
from tests.fakes.llm_api import FakeLlmAPI, Mode
from tests.fakes.news_site import SampleSite

SEED_TITLE = "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!"
CATEGORIES = (
    Category("syria", "الشأن السوري", ("سوريا", "سورية")),
    Category("economy", "اقتصاد", ("الاقتصاد",)),
    Category("world", "عربي ودولي", ("دولي",)),
    Category("sports", "رياضة"),
    Category("culture", "ثقافة وفنون"),
)
CHANNELS = (Channel("syria-news", "-1001", ("syria",)), Channel("business", "-1002", ("economy",)))


@pytest.fixture
def site(clock: FakeClock) -> Iterator[SampleSite]:
    with SampleSite(clock=clock) as running:
        yield running


def collector(
    store: Store,
    http: httpx.AsyncClient,
    clock: FakeClock,
    max_bytes: int = 5_000_000,
    summarizer: Summarizer | None = None,
) -> Collector:
    fetcher = Fetcher(http, max_bytes=max_bytes, deadline=10.0)
    # Jitter pinned to the middle of its range, so backoff waits are exact.
    return Collector(
        store, fetcher, summarizer or ExtractiveSummarizer(), clock, jitter=lambda: 0.5
    )


async def configure(store: Store, *sources: Source) -> None:
    await store.registry.apply(CATEGORIES, sources, CHANNELS)


async def test_first_poll_stores_clean_categorized_articles(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    source = Source("sham", "أخبار الشام اليوم", site.feed_url(), interval=300)
    await configure(store, source)
    result = await collector(store, http, clock).poll(source)
    assert result.error is None
    assert result.new == len(site.published) == 8
    stored = {a.title: a for a in await store.articles.recent(None, 50)}
    seed = stored[SEED_TITLE]
    # The feed only had an excerpt: the page was fetched and its theme leftovers removed.
    assert "مؤتمر شعوب سوريا" in seed.text
    for leftover in ("5704117d9b036", "مقالات ذات صلة", "زر الذهاب إلى الأعلى"):
        assert leftover not in seed.text
        assert leftover not in seed.content_html
    assert seed.categories == ("syria",)
    # The stored summary is the extractive one (standard budget) of the cleaned text: the
    # sentence that carries the headline's claim, not the lead on terrorism.
    assert seed.summary == extractive.summarize(seed.title, seed.text, Budget.STANDARD)
    assert "مؤتمر شعوب سوريا" in seed.summary
    assert seed.image is not None
    assert seed.image.startswith(site.url + "/wp-content/uploads/")
    assert seed.url.startswith(site.url + "/")
    published = {p.article.title: p.published for p in site.published}
    assert seed.published == published[SEED_TITLE]
    # Articles are stored oldest first, so ids follow publication time.
    by_id = sorted(stored.values(), key=lambda a: a.id or 0)
    assert [a.published for a in by_id] == sorted(a.published for a in by_id)


async def test_repoll_is_conditional_and_stores_nothing_twice(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    source = Source("sham", "أخبار الشام اليوم", site.feed_url(), interval=300)
    await configure(store, source)
    poller = collector(store, http, clock)
    await poller.poll(source)
    clock.advance(300)
    again = await poller.poll(source)
    assert again.not_modified
    assert again.new == 0
    state = await store.registry.state("sham")
    assert state.etag is not None
    # The site publishes hourly: the next poll comes after half that gap, not the 300 s given.
    assert state.next_poll_at == clock.now + timedelta(seconds=1800)

    new = site.publish_next("syria")
    clock.advance(300)
    result = await poller.poll(source)
    assert (result.new, result.duplicates) == (1, 8)
    assert await store.articles.count() == 9
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(tables.deliveries.c.channel_id))).scalars().all()
    # Every syria article is owed to the syria channel only; economy ones to business.
    syria = [a for a in await store.articles.recent("syria", 50)]
    economy = [a for a in await store.articles.recent("economy", 50)]
    assert sorted(rows) == sorted(["syria-news"] * len(syria) + ["business"] * len(economy))
    assert new.article.title in [a.title for a in syria]


async def test_same_article_from_another_feed_is_a_duplicate(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    everything = Source("sham", "أخبار الشام اليوم", site.feed_url())
    section = Source("sham-economy", "اقتصاد", site.feed_url("economy"), categories=("economy",))
    await configure(store, everything, section)
    poller = collector(store, http, clock)
    await poller.poll(everything)
    result = await poller.poll(section)
    assert result.fetched >= 1
    assert result.new == 0
    assert result.duplicates == result.fetched


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/no-such-feed/", "HTTP 404"),
        ("/robots.txt", "not a readable feed"),
    ],
    ids=["http-error", "not-a-feed"],
)
async def test_broken_source_is_recorded_and_backed_off(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock, path: str, error: str
) -> None:
    source = Source("broken", "موقع معطل", site.url + path, interval=60)
    await configure(store, source)
    poller = collector(store, http, clock)
    result = await poller.poll(source)
    assert result.error is not None
    assert error in result.error
    first = await store.registry.state("broken")
    assert first.error_count == 1
    assert first.next_poll_at == clock.now + timedelta(seconds=60)
    await poller.poll(source)
    second = await store.registry.state("broken")
    assert second.error_count == 2
    assert second.next_poll_at == clock.now + timedelta(seconds=120)  # backoff doubles
    assert await store.articles.count() == 0


async def test_oversized_body_is_refused(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    source = Source("sham", "أخبار الشام اليوم", site.feed_url())
    await configure(store, source)
    result = await collector(store, http, clock, max_bytes=2048).poll(source)
    assert result.error is not None
    assert "2048" in result.error


async def test_unreachable_source_is_an_error_not_a_crash(
    store: Store, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    source = Source("down", "موقع متوقف", "http://127.0.0.1:9/feed/")
    await configure(store, source)
    result = await collector(store, http, clock).poll(source)
    assert result.error is not None
    assert "ConnectError" in result.error


async def test_link_whose_page_fails_for_now_is_left_for_the_next_poll(
    store: Store, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    """A sitemap link carries no text: if its page answers 503, the article is not stored
    empty for good but collected on the next poll; a page that is gone (404) is final."""
    with SampleSite(clock=clock, news_sitemap=True, feeds=False) as site:
        source = Source("sham", "أخبار الشام اليوم", f"{site.url}/sitemap.xml", kind="sitemap")
        await configure(store, source)
        seed = next(p for p in site.published if p.article.post_id == 1001)
        other = next(p for p in site.published if p.article.post_id == 1002)
        path = seed.url.removeprefix(site.url)
        site.fail_next(path, 503, count=1)  # down for this poll only
        site.fail_next(other.url.removeprefix(site.url), 404, count=10)
        first = await collector(store, http, clock).poll(source)
        assert first.error is None
        assert first.deferred == 1
        stored = {a.url: a for a in await store.articles.recent(None, 50, one_per_story=False)}
        assert seed.url not in stored  # retried later, not stored without its text
        assert other.url in stored  # gone: stored with what the sitemap says (title, date)
        assert stored[other.url].title == other.article.title

        clock.advance(3600)  # the page is back
        asked = len(site.request_log)
        await collector(store, http, clock).poll(source)
        sitemap = next(r for r in site.request_log[asked:] if r.path == "/sitemap.xml")
        assert "if-none-match" not in sitemap.headers  # the whole document is read again
        seed_article = next(
            a
            for a in await store.articles.recent(None, 50, one_per_story=False)
            if a.url == seed.url
        )
        assert "مؤتمر شعوب سوريا" in seed_article.text


@pytest.fixture
def model() -> Iterator[FakeLlmAPI]:
    with FakeLlmAPI() as running:
        yield running


async def test_llm_backend_writes_the_stored_summaries(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock, model: FakeLlmAPI
) -> None:
    model.answer = "ملخص كتبه النموذج عن هذا الخبر."
    source = Source("sham", "أخبار الشام اليوم", site.feed_url(), interval=300)
    await configure(store, source)
    llm = LlmSummarizer(http, model.base_url, "test-model", timeout=5.0)
    result = await collector(store, http, clock, summarizer=llm).poll(source)
    assert result.new == 8
    stored = await store.articles.recent(None, 50, one_per_story=False)
    assert {a.summary for a in stored} == {model.answer}
    assert len(model.requests) == 8
    assert llm.stats == LlmStats(attempts=8, used=8, fallbacks={})


async def test_llm_backend_failing_stores_the_extractive_summaries(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock, model: FakeLlmAPI
) -> None:
    model.mode = Mode.ERROR
    source = Source("sham", "أخبار الشام اليوم", site.feed_url(), interval=300)
    await configure(store, source)
    llm = LlmSummarizer(http, model.base_url, "test-model", timeout=5.0)
    result = await collector(store, http, clock, summarizer=llm).poll(source)
    assert result.new == 8
    for article in await store.articles.recent(None, 50, one_per_story=False):
        assert article.summary == extractive.summarize(article.title, article.text, Budget.STANDARD)
    assert llm.stats.fallbacks == {"status": 8}


async def test_llm_backend_summarizes_a_correction_again(
    store: Store, site: SampleSite, http: httpx.AsyncClient, clock: FakeClock, model: FakeLlmAPI
) -> None:
    """The fake answers each article's first sentence, so a corrected lead shows up in the
    summary; a poll that finds nothing changed asks the model nothing."""
    source = Source("sham", "أخبار الشام اليوم", site.feed_url(), interval=300)
    await configure(store, source)
    llm = LlmSummarizer(http, model.base_url, "test-model", timeout=5.0)
    poller = collector(store, http, clock, summarizer=llm)
    await poller.poll(source)
    asked = len(model.requests)
    clock.advance(900)
    await poller.poll(source)
    assert len(model.requests) == asked
    (item,) = [i for i in site.published if i.article.post_id == 1001]
    first = "أعلن الكرملين اليوم أن موسكو تتجه إلى عقد مؤتمر شعوب سوريا قبل نهاية العام الجاري."
    site.revise(1001, paragraphs=(first, *item.article.paragraphs[1:]))
    clock.advance(900)
    result = await poller.poll(source)
    assert result.revised == 1
    assert len(model.requests) == asked + 1
    [revised] = [a for a in await store.articles.recent(None, 50) if a.url == item.url]
    assert (revised.revision, revised.summary) == (1, first)

"""Stories across sources, corrections and categories, through real polls on both backends.

The same story republished by a second site (other URL, post id, theme and boilerplate) must
become one cluster: both copies stored with their own links, the category feed showing it
once, each channel owed it once, even when the two sources are polled at the same moment.
Different stories, including the reworded wire pair 1005/1006, stay apart. A corrected post
is revised in place (same id, next revision, old title kept, no new delivery) and the feeds
show the correction. Categories come from aliases in normalized Arabic, URL patterns, keyword
rules and the default category.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace

import feedparser
import httpx
import pytest
from sqlalchemy import select

from feeds.server import FeedServer, Site
from syndicator.fetch import Fetcher
from syndicator.model import Article, Category, Channel, PollResult, Source
from syndicator.pipeline import Collector, Policy
from syndicator.store import Store, tables
from syndicator.summarize import ExtractiveSummarizer
from tests.fakes.clock import FakeClock
from tests.fakes.news_site import (
    SECOND_SITE_NAME,
    RepublishedPair,
    SampleSite,
    republished_pair,
    republished_story,
    second_site_articles,
)

TAXONOMY = (
    Category("syria", "الشأن السوري", ("سوريا", "سورية")),
    Category("economy", "اقتصاد"),
    Category("world", "عربي ودولي"),
    Category("sports", "رياضة"),
    Category("culture", "ثقافة وفنون"),
)
CHANNELS = (
    Channel("syria-news", "-1001", ("syria",)),
    Channel("business", "-1002", ("economy",)),
    Channel("everything", "-1003", ("syria", "economy", "world", "sports", "culture")),
)
FEEDS_BASE = "http://feeds.test"


@pytest.fixture
def pair(clock: FakeClock) -> Iterator[RepublishedPair]:
    """The main site (RSS) and the second site (WordPress API only) sharing one story."""
    second = SampleSite(
        second_site_articles(),
        clock=clock,
        name=SECOND_SITE_NAME,
        theme="modern",
        feeds=False,
        wordpress_api=True,
    )
    with republished_pair(SampleSite(clock=clock), second) as running:
        yield running


def collector(
    store: Store, http: httpx.AsyncClient, clock: FakeClock, default: str | None = None
) -> Collector:
    fetcher = Fetcher(http, max_bytes=5_000_000, deadline=10.0)
    policy = Policy(default_category=default)
    return Collector(store, fetcher, ExtractiveSummarizer(), clock, policy, jitter=lambda: 0.5)


async def poll(poller: Collector, source: Source) -> PollResult:
    result = await poller.poll(source)
    assert result.error is None, result.error
    return result


def pair_sources(pair: RepublishedPair) -> tuple[Source, Source]:
    return (
        Source("sham", pair.first.name, pair.first.feed_url()),
        Source("mashreq", pair.second.name, pair.second.url + "/", "wordpress"),
    )


async def everything(store: Store) -> list[Article]:
    return await store.articles.recent(None, 500, one_per_story=False)


async def deliveries(store: Store) -> list[tuple[int, str]]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(tables.deliveries.c.article_id, tables.deliveries.c.channel_id)
        )
        return sorted((int(r.article_id), str(r.channel_id)) for r in rows)


async def feed_titles(store: Store, slug: str) -> list[str]:
    app = FeedServer(store, Site(title="أخبار", base_url=FEEDS_BASE)).app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=FEEDS_BASE) as client:
        response = await client.get(f"/feeds/{slug}.rss")
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.title for entry in parsed.entries]


# -- one story, several sites ------------------------------------------------------------------


async def poll_in_order(poller: Collector, sources: tuple[Source, Source], order: str) -> None:
    first, second = sources
    if order == "original-first":
        await poll(poller, first)
        await poll(poller, second)
    elif order == "republished-first":
        await poll(poller, second)
        await poll(poller, first)
    else:
        results = await asyncio.gather(poller.poll(first), poller.poll(second))
        assert [r.error for r in results] == [None, None]


@pytest.mark.parametrize("order", ["original-first", "republished-first", "concurrently"])
async def test_republished_story_is_one_story_shown_and_sent_once(
    store: Store, http: httpx.AsyncClient, clock: FakeClock, pair: RepublishedPair, order: str
) -> None:
    sources = pair_sources(pair)
    await store.registry.apply(TAXONOMY, sources, CHANNELS)
    await poll_in_order(collector(store, http, clock), sources, order)

    stored = await everything(store)
    by_url = {a.url: a for a in stored}
    original, copy = by_url[pair.original_item.url], by_url[pair.republished_item.url]
    # Both copies are kept, each with its own source and link, as one story.
    assert (original.source_id, copy.source_id) == ("sham", "mashreq")
    assert original.id != copy.id
    assert original.cluster_id == copy.cluster_id
    assert original.cluster_id in (original.id, copy.id)
    # Every other article is a story of its own, the reworded wire pair included.
    others = [a for a in stored if a.id not in (original.id, copy.id)]
    assert len(others) == len(pair.first.published) + len(pair.second.published) - 2
    assert all(a.cluster_id == a.id for a in others)
    titles = {a.title: a for a in stored}
    nassib = titles["سوريا والأردن تتفقان على إعادة تشغيل معبر نصيب أمام حركة الترانزيت"]
    jaber = titles["اتفاق أردني سوري يعيد فتح خط الترانزيت عبر جابر – نصيب مطلع الشهر المقبل"]
    assert nassib.cluster_id != jaber.cluster_id

    story = pair.original.title
    assert original.categories == copy.categories == ("syria",)
    for slug in ("syria", "all"):
        shown = await feed_titles(store, slug)
        assert shown.count(story) == 1, slug
        assert nassib.title in shown
        assert jaber.title in shown
    assert [a.title for a in await store.articles.recent("syria")].count(story) == 1

    # Each channel routed to the story's category is owed it exactly once.
    owed = await deliveries(store)
    story_rows = [channel for article, channel in owed if article in (original.id, copy.id)]
    assert sorted(story_rows) == ["everything", "syria-news"]
    assert len(owed) == len(set(owed))


async def test_copies_stored_at_the_same_moment_are_one_story(
    store: Store, http: httpx.AsyncClient, clock: FakeClock, make_site: Callable[..., SampleSite]
) -> None:
    """Sites carrying only the story, polled at once: both inserts race for the cluster."""
    original, republished = republished_story()
    copies = 3
    sources = []
    for n in range(copies):
        story = original if n == 0 else replace(republished, post_id=2101 + n, slug=f"copy-{n}")
        site = make_site([], name=f"موقع {n}", theme="modern" if n % 2 else "classic")
        site.publish(story)
        sources.append(Source(f"site-{n}", site.name, site.feed_url()))
    await store.registry.apply(TAXONOMY, sources, CHANNELS)
    poller = collector(store, http, clock)
    results = await asyncio.gather(*(poller.poll(source) for source in sources))
    assert [(r.error, r.new) for r in results] == [(None, 1)] * copies
    stored = await everything(store)
    assert len(stored) == copies
    assert len({a.cluster_id for a in stored}) == 1
    owed = await deliveries(store)
    assert sorted(channel for _, channel in owed) == ["everything", "syria-news"]


# -- corrections -------------------------------------------------------------------------------


async def test_correction_is_a_revision_not_a_new_article(
    store: Store, http: httpx.AsyncClient, clock: FakeClock, make_site: Callable[..., SampleSite]
) -> None:
    site = make_site()
    source = Source("sham", site.name, site.feed_url())
    await store.registry.apply(TAXONOMY, [source], CHANNELS)
    poller = collector(store, http, clock)
    await poll(poller, source)
    (item,) = [i for i in site.published if i.article.post_id == 1002]
    before = {a.url: a for a in await everything(store)}
    was = before[item.url]
    assert was.id is not None
    owed = await deliveries(store)
    assert [c for a, c in owed if a == was.id] == ["business", "everything"]

    clock.advance(900)
    title = "صندوق النقد يرفع توقعاته لنمو اقتصادات المنطقة إلى 3.9% العام المقبل"
    site.revise(1002, title=title)
    clock.advance(60)
    result = await poll(poller, source)
    assert (result.new, result.revised) == (0, 1)
    after = {a.url: a for a in await everything(store)}
    assert after.keys() == before.keys()
    now = after[item.url]
    assert (now.id, now.title, now.revision, now.cluster_id) == (was.id, title, 1, was.cluster_id)
    assert await store.articles.revisions(was.id) == [(1, was.title, was.summary)]
    assert await deliveries(store) == owed  # nothing is sent again for a correction
    for slug in ("economy", "all"):
        shown = await feed_titles(store, slug)
        assert title in shown
        assert was.title not in shown

    # A second correction, of the text this time (the feed carries it in full).
    clock.advance(900)
    paragraphs = (
        "عدّل صندوق النقد الدولي توقعاته مجدداً بعد مراجعة بيانات الربع الأخير، ورفع تقديره "
        "لنمو اقتصادات المنطقة إلى 3.9 في المئة، مشيراً إلى تحسن أسعار الطاقة وتعافي السياحة.",
        *item.article.paragraphs[1:],
    )
    site.revise(1002, paragraphs=paragraphs)
    clock.advance(60)
    result = await poll(poller, source)
    assert (result.new, result.revised) == (0, 1)
    again = await store.articles.get(was.id)
    assert again is not None
    assert (again.title, again.revision) == (title, 2)
    assert again.text.startswith("عدّل صندوق النقد الدولي توقعاته مجدداً")
    assert [(n, t) for n, t, _ in await store.articles.revisions(was.id)] == [
        (1, was.title),
        (2, title),
    ]
    assert await deliveries(store) == owed
    assert await store.articles.count() == len(before)


async def test_text_correction_seen_through_an_excerpt_only_feed(
    store: Store, http: httpx.AsyncClient, clock: FakeClock, make_site: Callable[..., SampleSite]
) -> None:
    """The seed article's feed item is only an excerpt and RSS has no update time: a new
    first paragraph changes the excerpt, which is enough to re-read the page."""
    site = make_site()
    source = Source("sham", site.name, site.feed_url())
    await store.registry.apply(TAXONOMY, [source], CHANNELS)
    poller = collector(store, http, clock)
    await poll(poller, source)
    (item,) = [i for i in site.published if i.article.post_id == 1001]
    was = {a.url: a for a in await everything(store)}[item.url]
    assert was.id is not None
    owed = await deliveries(store)

    clock.advance(900)
    first = "أعلن الكرملين اليوم أن موسكو تتجه إلى عقد مؤتمر شعوب سوريا قبل نهاية العام الجاري."
    site.revise(1001, paragraphs=(first, *item.article.paragraphs[1:]))
    clock.advance(60)
    result = await poll(poller, source)
    assert (result.new, result.revised) == (0, 1)
    now = await store.articles.get(was.id)
    assert now is not None
    assert (now.revision, now.title) == (1, was.title)
    assert now.text.startswith(first)
    assert await deliveries(store) == owed

    # Polled again with nothing changed: no page fetch, no revision.
    fetched = len(site.requests)
    clock.advance(900)
    again = await poll(poller, source)
    assert again.revised == 0
    assert [p for _, p in site.requests[fetched:] if p != "/feed/"] == []


# -- categories --------------------------------------------------------------------------------

SYRIA_ALIAS = Category("syria", "سوريا", ("الشان السوري",))  # no hamza: «الشأن السوري»
CROSSINGS = Category("crossings", "المعابر", url_patterns=(r"\bnassib\b",))
CINEMA = Category("cinema", "سينما", keywords=("قرطاج", "مهرجان كان"))
ECONOMY = Category("economy", "اقتصاد")
GENERAL = Category("general", "منوعات")


@pytest.mark.parametrize(
    ("categories", "default", "expected"),
    [
        pytest.param(
            (SYRIA_ALIAS,),
            None,
            # 1006 is filed under «عربي ودولي» but tagged «سوريا», the category's name.
            {1001: ("syria",), 1005: ("syria",), 1006: ("syria",)},
            id="alias-in-normalized-arabic",
        ),
        pytest.param(
            (CROSSINGS,),
            None,
            {1005: ("crossings",), 1006: ("crossings",)},
            id="url-pattern",
        ),
        pytest.param((CINEMA,), None, {1008: ("cinema",)}, id="keyword"),
        pytest.param(
            (ECONOMY, GENERAL),
            "general",
            {n: ("economy",) if n == 1002 else ("general",) for n in range(1001, 1009)},
            id="default-category",
        ),
        pytest.param(
            (SYRIA_ALIAS, CROSSINGS, CINEMA, ECONOMY, GENERAL),
            "general",
            {
                1001: ("syria",),
                1002: ("economy",),
                1003: ("general",),
                1004: ("general",),
                1005: ("crossings", "syria"),
                1006: ("crossings", "syria"),
                1007: ("general",),
                1008: ("cinema",),
            },
            id="every-rule",
        ),
    ],
)
async def test_categories_from_the_config(
    store: Store,
    http: httpx.AsyncClient,
    clock: FakeClock,
    make_site: Callable[..., SampleSite],
    categories: tuple[Category, ...],
    default: str | None,
    expected: dict[int, tuple[str, ...]],
) -> None:
    site = make_site()
    source = Source("sham", site.name, site.feed_url())
    await store.registry.apply(categories, [source], [])
    await poll(collector(store, http, clock, default), source)
    post_ids = {item.url: item.article.post_id for item in site.published}
    found = {post_ids[a.url]: a.categories for a in await everything(store)}
    assert found == {n: expected.get(n, ()) for n in post_ids.values()}

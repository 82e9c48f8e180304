"""Every source kind collected from the loopback sample sites, on a real (SQLite) store.

One table drives the kinds a collector meets: RSS on UTF-8, windows-1256 and ISO-8859-6 with
the charset declared in the header, the document, the XML declaration only or nowhere; the
WordPress REST API; Google News sitemaps behind a sitemap index; HTML listings read with a CSS
selector, a URL pattern or the heuristic, in both themes. Whatever the kind, the stored
articles must be the site's: its exact Arabic titles (no mojibake), the full text without
either theme's furniture, the site's category, publication date and lead image, ids in
publication order, and a second poll must store and revise nothing. JSON Feed, WordPress
paging with `modified_after` and the sitemap's own titles get tests of their own.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syndicator import arabic
from syndicator.demo.content import content_html, excerpt
from syndicator.fetch import Fetcher
from syndicator.model import Article, Category, PollResult, Source
from syndicator.pipeline import Collector
from syndicator.store import Store
from syndicator.summarize import ExtractiveSummarizer
from tests.fakes.clock import FakeClock
from tests.fakes.news_site import (
    AD_ID,
    CATEGORIES,
    MODERN_AD_ID,
    PublishedArticle,
    SampleSite,
    SiteArticle,
)

# The site's own sections, without aliases: an article lands in its category only if the
# category name the site sends (feed <category>, WordPress term, article:section) was
# decoded right, so the categories double as an encoding check.
TAXONOMY = tuple(Category(slug, name) for slug, name in CATEGORIES.items())

# Titles from syndicator/demo/articles.json, written out so that a decoding that is wrong
# the same way for the site and the test cannot pass.
KNOWN_TITLES = (
    "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!",
    "صندوق النقد يرفع توقعاته لنمو اقتصادات المنطقة إلى 3.7% العام المقبل",
    "اتفاق أردني سوري يعيد فتح خط الترانزيت عبر جابر – نصيب مطلع الشهر المقبل",
    "فيلم «ذاكرة الياسمين» السوري يفوز بالتانيت الذهبي في أيام قرطاج السينمائية",
)
# What the two themes print around an article (see syndicator/demo/pages.py).
BOILERPLATE = (
    "مقالات ذات صلة",
    "اقرأ أيضاً",
    "اقرأ أيضا",
    "زر الذهاب إلى الأعلى",
    "تابعونا",
    "اشترك",
    AD_ID,
    MODERN_AD_ID,
    "الأكثر قراءة",
    "الأكثر تداولاً",
    "ملفات تعريف الارتباط",
    "النشرة البريدية",
    "بقلم:",
    "الرئيسية",
)
SHARE_WORDS = frozenset({"شارك", "مشاركة", "فيسبوك", "تويتر", "واتساب", "تلغرام", "إكس"})
# windows-1256 read as Latin-1/1252 gives letters in U+00C0..U+00FF; UTF-8 read as Latin-1
# gives Ø/Ù pairs; an undecoded ISO-8859-6 body keeps numeric character references.
MOJIBAKE = re.compile(r"[\u00c0-\u00ff\ufffd]|&#\d+;|&[a-z]+;")
ARTICLE_LINK = r"/\d{4}/\d{2}/\d{2}/[\w-]+/$"


@pytest.fixture
def db(sqlite_store: Store) -> Store:
    return sqlite_store


@dataclass
class Harness:
    """A collector on the store, with the site's categories configured."""

    db: Store
    http: httpx.AsyncClient
    clock: FakeClock
    collector: Collector = field(init=False)

    def __post_init__(self) -> None:
        fetcher = Fetcher(self.http, max_bytes=5_000_000, deadline=10.0)
        self.collector = Collector(
            self.db, fetcher, ExtractiveSummarizer(), self.clock, jitter=lambda: 0.5
        )

    async def add(self, source: Source) -> Source:
        await self.db.registry.apply(TAXONOMY, [source], [])
        return source

    async def poll(self, source: Source) -> PollResult:
        result = await self.collector.poll(source)
        assert result.error is None, result.error
        return result

    async def stored(self) -> list[Article]:
        return await self.db.articles.recent(None, 500, one_per_story=False)


@pytest.fixture
def harness(db: Store, http: httpx.AsyncClient, clock: FakeClock) -> Harness:
    return Harness(db, http, clock)


def assert_clean_arabic(value: str, what: str) -> None:
    assert arabic.has_arabic(value), f"{what} has no Arabic: {value!r}"
    bad = MOJIBAKE.search(value)
    assert bad is None, (
        f"{what} is garbled near {value[max(0, bad.start() - 30) : bad.end() + 30]!r}"
    )


def assert_no_boilerplate(value: str, what: str) -> None:
    for leftover in BOILERPLATE:
        assert leftover not in value, f"{what} keeps {leftover!r}"
    shared = SHARE_WORDS & set(re.findall(r"\w+", value))
    assert not shared, f"{what} keeps the share buttons {shared}"


def assert_site_articles(
    site: SampleSite, stored: list[Article], expected: list[PublishedArticle] | None = None
) -> None:
    """`stored` are exactly the site's published posts, each as the site shows it."""
    items = {item.article.title: item for item in (expected or site.published)}
    assert sorted(a.title for a in stored) == sorted(items)
    for article in stored:
        item = items[article.title]
        post = item.article
        what = f"post {post.post_id} ({article.source_id})"
        assert article.url == item.url, what
        assert article.published == item.published, what
        assert article.categories == (post.category,), what
        assert article.image == (site.url + post.image if post.image else None), what
        for value, name in ((article.title, "title"), (article.text, "text")):
            assert_clean_arabic(value, f"{what} {name}")
        assert_clean_arabic(article.summary, f"{what} summary")
        for value, name in (
            (article.text, "text"),
            (article.content_html, "content_html"),
            (article.summary, "summary"),
        ):
            assert_no_boilerplate(value, f"{what} {name}")
        text = " ".join(arabic.words(article.text))
        for paragraph in post.paragraphs:  # the full text, not the feed's excerpt (words
            # compared: WordPress texturizes dashes and quotes in what its API sends)
            words = " ".join(arabic.words(paragraph))
            assert words in text, f"{what} lost {paragraph[:40]!r}"
    by_id = sorted(stored, key=lambda a: a.id or 0)
    assert [a.published for a in by_id] == sorted(a.published for a in stored), (
        "ids do not follow publication time"
    )


async def assert_second_poll_stores_nothing(harness: Harness, source: Source) -> None:
    before = await harness.stored()
    harness.clock.advance(600)
    again = await harness.poll(source)
    assert (again.new, again.revised) == (0, 0)
    after = await harness.stored()
    assert [(a.id, a.title, a.revision) for a in after] == [
        (a.id, a.title, a.revision) for a in before
    ]


def feed(site: SampleSite) -> Source:
    return Source("site", site.name, site.feed_url(), "feed")


def wordpress(site: SampleSite) -> Source:
    return Source("site", site.name, site.url + "/", "wordpress")


def sitemap(site: SampleSite) -> Source:
    return Source("site", site.name, site.url + "/sitemap.xml", "sitemap")


def html(selector: str | None = None, pattern: str | None = None) -> Callable[[SampleSite], Source]:
    def source(site: SampleSite) -> Source:
        return Source(
            "site", site.name, site.url + "/", "html", link_selector=selector, link_pattern=pattern
        )

    return source


def charset_cases() -> list[Any]:
    return [
        pytest.param(
            {"encoding": encoding, "charset_label": label}, feed, id=f"feed-{encoding}-{label}"
        )
        for encoding in ("windows-1256", "iso-8859-6")
        for label in ("header", "meta", "xml", "none")
    ]


KINDS = [
    pytest.param({}, feed, id="feed-utf-8"),
    pytest.param({"theme": "modern"}, feed, id="feed-modern"),
    *charset_cases(),
    pytest.param({"wordpress_api": True}, wordpress, id="wordpress"),
    pytest.param(
        {"wordpress_api": True, "feeds": False, "encoding": "windows-1256"},
        wordpress,
        id="wordpress-windows-1256",
    ),
    pytest.param({"news_sitemap": True, "feeds": False}, sitemap, id="sitemap-news"),
    pytest.param(
        {"news_sitemap": True, "encoding": "windows-1256", "charset_label": "none"},
        sitemap,
        id="sitemap-news-windows-1256-unlabelled",
    ),
    pytest.param(
        {"news_sitemap": True, "encoding": "iso-8859-6", "charset_label": "xml"},
        sitemap,
        id="sitemap-news-iso-8859-6",
    ),
    pytest.param({"feeds": False}, html(selector="h2.entry-title a"), id="html-selector"),
    pytest.param(
        {"feeds": False, "theme": "modern", "encoding": "windows-1256", "charset_label": "meta"},
        html(selector="h3.post-card__title a"),
        id="html-selector-modern-windows-1256",
    ),
    pytest.param({"feeds": False}, html(pattern=ARTICLE_LINK), id="html-pattern"),
    pytest.param({"feeds": False}, html(), id="html-heuristic"),
    pytest.param(
        {"feeds": False, "theme": "modern", "encoding": "iso-8859-6", "charset_label": "none"},
        html(),
        id="html-heuristic-modern-iso-8859-6-unlabelled",
    ),
]


@pytest.mark.parametrize(("options", "make_source"), KINDS)
async def test_kind_stores_the_sites_articles_clean_and_once(
    harness: Harness,
    make_site: Callable[..., SampleSite],
    options: dict[str, Any],
    make_source: Callable[[SampleSite], Source],
) -> None:
    site = make_site(**options)
    source = await harness.add(make_source(site))
    result = await harness.poll(source)
    assert result.new == len(site.published) == 8
    stored = await harness.stored()
    assert set(KNOWN_TITLES) <= {a.title for a in stored}
    assert_site_articles(site, stored)
    await assert_second_poll_stores_nothing(harness, source)


# -- JSON Feed ---------------------------------------------------------------------------------


class JsonFeedServer:
    """A loopback server answering every GET with one JSON Feed document."""

    def __init__(self, document: dict[str, Any]) -> None:
        body = json.dumps(document, ensure_ascii=False).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/feed+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/feed.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> JsonFeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def json_feed(site: SampleSite) -> dict[str, Any]:
    """The site's posts as JSON Feed 1.1: every other item has only a summary (the page is
    fetched for it), the others their full `content_html`."""
    items = []
    for n, item in enumerate(site.published):
        post = item.article
        entry: dict[str, Any] = {
            "id": item.guid,
            "url": item.url,
            "title": post.title,
            "summary": excerpt(post),
            "date_published": item.published.isoformat(),
            "authors": [{"name": post.author}],
            "tags": [CATEGORIES[post.category]],
        }
        if n % 2 == 0:
            entry["content_html"] = content_html(post)
        if post.image:
            entry["image"] = site.url + post.image
        items.append(entry)
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.name,
        "home_page_url": site.url + "/",
        "language": "ar",
        "items": items,
    }


async def test_json_feed(harness: Harness, make_site: Callable[..., SampleSite]) -> None:
    site = make_site(encoding="windows-1256", charset_label="none")
    with JsonFeedServer(json_feed(site)) as server:
        source = await harness.add(Source("site", site.name, server.url, "feed"))
        before = len(site.request_log)
        result = await harness.poll(source)
        assert result.new == 8
        # Only the summary-only items needed their (windows-1256, unlabelled) page.
        pages = [r.path for r in site.request_log[before:] if re.search(ARTICLE_LINK, r.path)]
        assert len(pages) == 4
        assert_site_articles(site, await harness.stored())
        await assert_second_poll_stores_nothing(harness, source)


# -- WordPress: paging, modified_after, revisions ----------------------------------------------


def extra_post(n: int) -> SiteArticle:
    sentence = (
        f"أعلنت غرفة تجارة دمشق في تقريرها رقم {n} أن حركة الأسواق شهدت نشاطاً ملحوظاً خلال "
        "الأسبوع الجاري، مع ارتفاع الطلب على المواد الغذائية ومواد البناء في المحافظات كافة."
    )
    return SiteArticle(
        post_id=5000 + n,
        slug=f"damascus-chamber-report-{n}",
        category="economy",
        title=f"غرفة تجارة دمشق تصدر تقريرها الأسبوعي رقم {n} عن حركة الأسواق",
        paragraphs=(
            sentence,
            f"وتوقع التقرير رقم {n} استقرار الأسعار خلال الشهر المقبل، " + sentence,
            "وأشار التقرير إلى أن تحسن إمدادات الطاقة ساعد المصانع على زيادة إنتاجها. " + sentence,
        ),
        author="قسم الاقتصاد",
    )


def posts_queries(site: SampleSite, since: int) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(r.path).query)
        for r in site.request_log[since:]
        if urlsplit(r.path).path == "/wp-json/wp/v2/posts"
    ]


def wp_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_wordpress_pages_through_what_changed_since_the_last_poll(
    harness: Harness, make_site: Callable[..., SampleSite], clock: FakeClock
) -> None:
    site = make_site(wordpress_api=True, feeds=False)
    source = await harness.add(wordpress(site))
    assert (await harness.poll(source)).new == 8
    (first,) = posts_queries(site, 0)
    assert "modified_after" not in first
    assert first["orderby"] == ["modified"]
    assert "_embed" in first
    newest = site.published[0].published

    # More new posts than one page of the API holds.
    extras = []
    for n in range(60):
        clock.advance(60)
        extras.append(site.publish(extra_post(n)))
    clock.advance(60)
    mark = len(site.request_log)
    result = await harness.poll(source)
    assert result.new == 60
    queries = posts_queries(site, mark)
    assert [q["page"] for q in queries] == [["1"], ["2"]]
    since = wp_time(newest - timedelta(seconds=1))
    assert all(q["modified_after"] == [since] for q in queries)
    stored = await harness.stored()
    assert len(stored) == len({a.url for a in stored}) == 68
    assert_site_articles(site, stored)
    page_fetches = [r for r in site.request_log[mark:] if re.search(ARTICLE_LINK, r.path)]
    assert page_fetches == []  # the API carries the full text

    # A correction: asked for with modified_after, stored as a revision of the same article.
    clock.advance(600)
    revised = site.revise(1002, title="صندوق النقد يرفع توقعاته لنمو المنطقة إلى 3.9%")
    clock.advance(60)
    before = {a.url: a for a in stored}
    mark = len(site.request_log)
    result = await harness.poll(source)
    assert (result.new, result.revised) == (0, 1)
    (query,) = posts_queries(site, mark)
    assert query["modified_after"] == [wp_time(extras[-1].published - timedelta(seconds=1))]
    after = {a.url: a for a in await harness.stored()}
    assert after.keys() == before.keys()
    article = after[revised.url]
    assert (article.id, article.title, article.revision) == (
        before[revised.url].id,
        revised.article.title,
        1,
    )
    await assert_second_poll_stores_nothing(harness, source)


# -- Google News sitemap -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{}, {"encoding": "windows-1256", "charset_label": "none"}],
    ids=["utf-8", "windows-1256-unlabelled"],
)
async def test_news_sitemap_index_is_followed_and_its_titles_kept(
    harness: Harness,
    make_site: Callable[..., SampleSite],
    clock: FakeClock,
    options: dict[str, str],
) -> None:
    site = make_site(news_sitemap=True, feeds=False, **options)
    source = await harness.add(sitemap(site))
    await harness.poll(source)
    paths = [r.path for r in site.request_log]
    assert paths.index("/sitemap.xml") < paths.index("/news-sitemap.xml")

    # The article page fails: title and date still come from news:title and
    # news:publication_date, so the article is not lost.
    clock.advance(300)
    new = site.publish_next("syria")
    site.fail_next(urlsplit(new.url).path, 404)
    clock.advance(60)
    result = await harness.poll(source)
    assert result.new == 1
    (article,) = [a for a in await harness.stored() if a.url == new.url]
    assert (article.title, article.published) == (new.article.title, new.published)
    assert_clean_arabic(article.title, "title")

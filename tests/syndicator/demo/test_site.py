"""The bundled sample news site: its content, feeds, pages and conditional GETs over loopback."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import escape
from importlib.resources import files

import feedparser
import httpx
import pytest

from syndicator.demo.site import (
    AD_ID,
    CATEGORIES,
    JPEG,
    SITE_NAME,
    PublishedArticle,
    SampleSite,
    SiteArticle,
    load_articles,
)

NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
SEED_TITLE = "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def site(clock: Clock) -> Iterator[SampleSite]:
    with SampleSite(clock=clock) as running:
        yield running


def parse(response: httpx.Response) -> feedparser.FeedParserDict:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=UTF-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def words(article: SiteArticle) -> int:
    return sum(len(p.split()) for p in article.paragraphs)


def test_bundled_articles_follow_the_content_rules() -> None:
    articles = load_articles()
    assert len(articles) == 12
    assert len({a.post_id for a in articles}) == len({a.slug for a in articles}) == 12
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a.slug) for a in articles)
    per_category = Counter(a.category for a in articles)
    assert set(per_category) == set(CATEGORIES)
    assert per_category["syria"] >= 3
    assert min(per_category.values()) >= 2
    assert sum(a.initially_published for a in articles) == 8
    pending = {a.category for a in articles if not a.initially_published}
    assert {"syria", "economy"} <= pending
    assert sum(a.full_in_feed for a in articles) == 6
    assert sum(a.image is None for a in articles) == 3
    for a in articles:
        assert 3 <= len(a.paragraphs) <= 6, a.slug
        assert 120 <= words(a) <= 400, a.slug
        assert len(a.tags) <= 3, a.slug
        assert a.image is None or a.image.startswith("/wp-content/uploads/"), a.slug
    seed = articles[0]
    assert seed.title == SEED_TITLE
    assert seed.category == "syria"
    assert not seed.full_in_feed
    assert len(seed.paragraphs) == 4
    assert seed.paragraphs[0].startswith("قال وزير الخارجية الروسي سيرغي لافروف ، مساء اليوم")
    assert seed.paragraphs[1].startswith("و أكد لافروف")
    bodies = ["\n".join(a.paragraphs) for a in articles]
    assert any(re.search(r"\d\.\d", b) and "19/10/2026" in b for b in bodies)
    assert any("د. " in b for b in bodies)
    assert any("؟" in b for b in bodies)
    assert any(re.match(r"[A-Za-z0-9]", a.title) for a in articles)
    assert any(
        a.paragraphs[0].startswith("دمشق - ") and a.paragraphs[-1] == "المصدر: وكالات"
        for a in articles
    )


def test_articles_json_is_readable_utf8() -> None:
    text = files("syndicator.demo").joinpath("articles.json").read_text(encoding="utf-8")
    assert SEED_TITLE in text  # ensure_ascii=False: Arabic as is, not \u escapes
    assert text.startswith("[\n  {")
    assert json.loads(text)[0]["post_id"] == 1001


def test_initial_publication_times_end_one_hour_before_now(site: SampleSite) -> None:
    published = site.published
    assert [p.published for p in published] == [NOW - timedelta(hours=h) for h in range(1, 9)]
    assert published[-1].article.title == SEED_TITLE
    seed = published[-1]
    assert seed.url == f"{site.url}/2026/11/19/russia-syria-peoples-congress/"
    assert seed.guid == f"{site.url}/?p=1001"
    assert len(site.pending) == 4
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site.url)


def test_main_feed_looks_like_wordpress(site: SampleSite) -> None:
    feed = parse(httpx.get(site.feed_url()))
    published = site.published
    assert feed.feed.language == "ar"
    assert feed.feed.title == SITE_NAME
    assert [e.title for e in feed.entries] == [p.article.title for p in published]
    assert feed.entries[-1].title == SEED_TITLE
    times = [e.published_parsed for e in feed.entries]
    assert times == sorted(times, reverse=True)
    for entry, item in zip(feed.entries, published, strict=True):
        article = item.article
        assert entry.link == item.url
        assert entry.id == item.guid
        assert entry.author == article.author
        assert [t.term for t in entry.tags] == [CATEGORIES[article.category], *article.tags]
        assert entry.summary.endswith(" […]")
        assert ("content" in entry) is article.full_in_feed
        if article.full_in_feed:
            assert entry.content[0].value.count("<p>") == len(article.paragraphs)
            assert article.paragraphs[-1] in entry.content[0].value
        enclosures = [link.href for link in entry.links if link.rel == "enclosure"]
        expected = article.image is not None and article.full_in_feed
        assert enclosures == ([f"{site.url}{article.image}"] if expected else [])


def test_category_feeds_hold_only_their_category(site: SampleSite) -> None:
    for slug, name in CATEGORIES.items():
        feed = parse(httpx.get(site.feed_url(slug)))
        assert feed.feed.title == f"{SITE_NAME} - {name}"
        assert feed.feed.link == f"{site.url}/category/{slug}/"
        expected = [p.article.title for p in site.published if p.article.category == slug]
        assert [e.title for e in feed.entries] == expected
        assert expected
        assert all(e.tags[0].term == name for e in feed.entries)
    assert httpx.get(f"{site.url}/category/nope/feed/").status_code == 404


def test_article_page_has_the_text_and_the_theme_leftovers(site: SampleSite) -> None:
    seed = site.published[-1]
    response = httpx.get(seed.url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    page = response.text
    assert '<html lang="ar" dir="rtl">' in page
    assert f'<h1 class="post-title entry-title">{escape(SEED_TITLE)}</h1>' in page
    for paragraph in seed.article.paragraphs:
        assert f"<p>{escape(paragraph, quote=False)}</p>" in page
    image = f"{site.url}{seed.article.image}"
    assert f'<meta property="og:image" content="{image}">' in page
    assert f'<link rel="canonical" href="{seed.url}">' in page
    assert "2026-11-19T04:00:00+00:00" in page
    for leftover in ("<p>&nbsp;</p>", AD_ID, "مقالات ذات صلة", "زر الذهاب إلى الأعلى"):
        assert page.count(leftover) == 1, leftover
    for theme_text in ("الأكثر قراءة", "شارك", "فيسبوك", "تويتر", CATEGORIES["economy"]):
        assert theme_text in page
    related = page.split("مقالات ذات صلة", 1)[1].split("</aside>", 1)[0]
    assert related.count('class="related-item"') == 3


def test_conditional_get_answers_304_until_something_is_published(
    site: SampleSite, clock: Clock
) -> None:
    url = site.feed_url("syria")
    first = httpx.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert last_modified == "Thu, 19 Nov 2026 08:00:00 GMT"

    again = httpx.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    since = httpx.get(url, headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    clock.now = NOW + timedelta(minutes=5)
    new = site.publish_next("syria")
    changed = httpx.get(url, headers={"If-None-Match": etag, "If-Modified-Since": last_modified})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert parse(changed).entries[0].title == new.article.title
    assert site.requests.count(("GET", "/category/syria/feed/")) == 5


def test_publish_next_puts_the_article_on_top_of_its_feeds(site: SampleSite, clock: Clock) -> None:
    clock.now = NOW + timedelta(minutes=1)
    new = site.publish_next("economy")
    assert new.article.category == "economy"
    assert new.published == clock.now
    assert new.url == f"{site.url}/2026/11/19/{new.article.slug}/"
    assert site.published[0] == new
    assert new.article not in site.pending
    for url in (site.feed_url(), site.feed_url("economy")):
        top = parse(httpx.get(url)).entries[0]
        assert (top.title, top.id) == (new.article.title, new.guid)
    with pytest.raises(LookupError):
        site.publish_next("economy")
    with pytest.raises(LookupError):
        site.publish_next("culture")
    while site.pending:
        site.publish_next()
    with pytest.raises(LookupError):
        site.publish_next()
    assert len(parse(httpx.get(site.feed_url())).entries) == 12


def test_unpublished_page_is_404_until_published(site: SampleSite) -> None:
    pending = site.pending[0]
    url = f"{site.url}/2026/11/19/{pending.slug}/"
    missing = httpx.get(url)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "text/html; charset=UTF-8"
    assert pending.title not in parse(httpx.get(site.feed_url())).entries[0].title
    assert site.publish(pending).url == url
    assert pending.title in httpx.get(url).text
    assert httpx.get(f"{site.url}/2026/11/18/{pending.slug}/").status_code == 404


def test_published_test_article_is_escaped_in_html_and_rss(site: SampleSite) -> None:
    article = SiteArticle(
        post_id=5001,
        slug="escaping-check",
        category="world",
        title="عنوان <b> & «اختبار»",
        paragraphs=("فقرة فيها ]]> و <script> و & للتحقق من الترميز.",),
        author="محرر الاختبار",
    )
    new = site.publish(article)
    entry = parse(httpx.get(site.feed_url("world"))).entries[0]
    assert entry.title == article.title
    assert article.paragraphs[0] == re.sub(r"</?p>", "", entry.content[0].value).replace(
        "&lt;", "<"
    ).replace("&gt;", ">").replace("&amp;", "&")
    page = httpx.get(new.url).text
    assert escape(article.title) in page
    assert "<script>" not in page
    with pytest.raises(ValueError, match="published"):
        site.publish(article)


def test_image_robots_sitemap_home_and_not_found(site: SampleSite) -> None:
    image = httpx.get(f"{site.url}/wp-content/uploads/2026/11/russia-congress.jpg")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert int(image.headers["content-length"]) == len(image.content) == len(JPEG)
    assert image.content.startswith(b"\xff\xd8\xff")
    assert image.content.endswith(b"\xff\xd9")

    robots = httpx.get(f"{site.url}/robots.txt")
    assert robots.headers["content-type"] == "text/plain; charset=UTF-8"
    assert f"Sitemap: {site.url}/sitemap.xml" in robots.text
    sitemap = httpx.get(f"{site.url}/sitemap.xml").text
    assert sitemap.count("<loc>") == 8
    assert all(f"<loc>{p.url}</loc>" in sitemap for p in site.published)

    home = httpx.get(f"{site.url}/").text
    assert all(escape(p.article.title) in home for p in site.published)
    assert all(escape(a.title) not in home for a in site.pending)
    archive = httpx.get(f"{site.url}/category/sports/").text
    assert "المنتخب السوري يتعادل" in archive

    shortlink = httpx.get(f"{site.url}/?p=1001")
    assert shortlink.status_code == 301
    assert shortlink.headers["location"] == site.published[-1].url
    assert httpx.head(site.feed_url()).content == b""
    for path in ("/nope", "/feed", "/?p=1009", "/wp-json/wp/v2/posts"):
        assert httpx.get(f"{site.url}{path}").status_code == 404, path


def test_stop_closes_the_port(clock: Clock) -> None:
    site = SampleSite(clock=clock).start()
    url = site.url
    assert httpx.get(f"{url}/").status_code == 200
    site.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/")
    site.stop()  # idempotent


def test_fixture_module_reexports_the_demo_site() -> None:
    from tests.fakes import news_site

    assert news_site.SampleSite is SampleSite
    assert news_site.SiteArticle is SiteArticle
    assert news_site.PublishedArticle is PublishedArticle

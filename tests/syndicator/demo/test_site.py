"""The bundled sample news site over loopback: its content, feeds, pages and conditional GETs,
and every option that makes it another kind of site (theme, charset, HTML only, WordPress REST
API, news sitemap), its faults, compression, revisions and the republished pair."""

from __future__ import annotations

import gzip
import html
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

import brotli
import charset_normalizer
import feedparser
import httpx
import lxml.html
import pytest

from syndicator.demo.content import CATEGORY_IDS
from syndicator.demo.republish import (
    SECOND_SITE_FILE,
    SECOND_SITE_NAME,
    republished_pair,
    republished_story,
    second_site_articles,
)
from syndicator.demo.site import (
    AD_ID,
    CATEGORIES,
    JPEG,
    MODERN_AD_ID,
    SITE_NAME,
    PublishedArticle,
    RecordedRequest,
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


# -- options, themes and listing pages ----------------------------------------------------------

IDENTITY = {"Accept-Encoding": "identity"}
ARTICLE_PATH = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/$")


def started(clock: Clock, *args: Any, **options: Any) -> SampleSite:
    return SampleSite(*args, clock=clock, **options).start()


@pytest.fixture
def make_site(clock: Clock) -> Iterator[Callable[..., SampleSite]]:
    sites: list[SampleSite] = []

    def make(*args: Any, **options: Any) -> SampleSite:
        sites.append(started(clock, *args, **options))
        return sites[-1]

    yield make
    for running in sites:
        running.stop()


@pytest.mark.parametrize(
    "options",
    [
        {"theme": "fancy"},
        {"encoding": "latin-1"},
        {"charset_label": "body"},
        {"name": "  "},
    ],
)
def test_bad_options_are_refused(options: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=next(iter(options)).split("_")[0]):
        SampleSite(**options)  # type: ignore[arg-type]


def test_second_site_articles_follow_the_content_rules() -> None:
    articles = load_articles(SECOND_SITE_FILE)
    main = load_articles()
    assert len(articles) == 4
    assert not {a.post_id for a in articles} & {a.post_id for a in main}
    assert not {a.slug for a in articles} & {a.slug for a in main}
    for a in articles:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a.slug), a.slug
        assert a.category in CATEGORIES
        assert 3 <= len(a.paragraphs) <= 6, a.slug
        assert 120 <= words(a) <= 400, a.slug
        assert len(a.tags) <= 3, a.slug
    assert any('"' in a.title for a in articles)  # WordPress texturizes ASCII quotes
    assert [a.post_id for a in second_site_articles()] == [2001, 2002, 2003]
    original, republished = republished_story()
    assert (original.title, original.paragraphs) == (republished.title, republished.paragraphs)
    assert original.post_id != republished.post_id
    assert original.slug != republished.slug


def _links(page: str, selector: str) -> list[str]:
    return [a.get("href") for a in lxml.html.fromstring(page).cssselect(selector)]


@pytest.mark.parametrize(
    ("theme", "selector"),
    [("classic", "h2.entry-title a"), ("modern", "h3.post-card__title a")],
)
def test_listing_pages_need_a_selector_or_a_url_pattern(
    make_site: Callable[..., SampleSite], theme: str, selector: str
) -> None:
    site = make_site(theme=theme)
    published = site.published
    home = httpx.get(f"{site.url}/").text
    assert _links(home, selector) == [p.url for p in published]
    every = _links(home, "a[href]")
    not_articles = [href for href in every if not ARTICLE_PATH.search(urlsplit(href).path)]
    assert f"{site.url}/category/syria/" in not_articles
    assert f"{site.url}/about/" in not_articles
    assert len(not_articles) >= 8
    archive = httpx.get(f"{site.url}/category/sports/").text
    sports = [p.url for p in published if p.article.category == "sports"]
    assert _links(archive, selector) == sports
    assert {h for h in _links(archive, "a[href]") if ARTICLE_PATH.search(h)} > set(sports)
    for path in ("/about/", "/contact/", "/2026/11/"):
        assert httpx.get(f"{site.url}{path}").status_code == 200, path
    assert _links(httpx.get(f"{site.url}/2026/11/").text, selector) == [p.url for p in published]
    assert httpx.get(f"{site.url}/2026/10/").status_code == 404


def _paragraphs(page: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r"<p>([^<]*)</p>", page) if p != "&nbsp;"]


def test_republished_story_differs_only_by_boilerplate(clock: Clock) -> None:
    with republished_pair(clock=clock) as pair:
        original, copy = pair.original_item, pair.republished_item
        assert pair.first.name == SITE_NAME
        assert pair.second.name == SECOND_SITE_NAME
        assert copy.published == NOW
        assert original.published == NOW - timedelta(minutes=30)
        assert original.article.title == copy.article.title
        assert original.article.paragraphs == copy.article.paragraphs
        assert original.url != copy.url
        assert original.article.slug != copy.article.slug
        assert original.article.post_id != copy.article.post_id
        assert pair.first.published[0] == original  # newer than the site's initial posts
        classic, modern = httpx.get(original.url).text, httpx.get(copy.url).text
    paragraphs = list(original.article.paragraphs)
    assert _paragraphs(classic) == paragraphs
    modern_text = [p for p in _paragraphs(modern) if p in paragraphs]
    assert modern_text == paragraphs
    for leftover in ("مقالات ذات صلة", AD_ID, "زر الذهاب إلى الأعلى", "wp-theme-jannah"):
        assert leftover in classic, leftover
        assert leftover not in modern, leftover
    for leftover in ("اقرأ أيضاً", "تابعونا على تلغرام", MODERN_AD_ID, "cookie-banner",
                     'class="newsletter"', "النشرة البريدية"):  # fmt: skip
        assert leftover in modern, leftover
        assert leftover not in classic, leftover
    assert f'<h1 class="story__headline">{escape(copy.article.title)}</h1>' in modern
    assert SECOND_SITE_NAME in modern
    assert SITE_NAME not in modern
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', modern)
    assert ld is not None
    assert json.loads(ld.group(1))["headline"] == copy.article.title


def test_html_only_site_has_no_feeds(make_site: Callable[..., SampleSite]) -> None:
    site = make_site(feeds=False)
    for url in (site.feed_url(), site.feed_url("syria")):
        assert httpx.get(url).status_code == 404
    for path in ("/", "/category/syria/", site.published[0].url.removeprefix(site.url)):
        page = httpx.get(f"{site.url}{path}").text
        assert 'rel="alternate"' not in page
        assert "/feed/" not in page
    assert 'rel="alternate"' in httpx.get(f"{make_site().url}/").text


def test_date_header_follows_the_clock(site: SampleSite, clock: Clock) -> None:
    clock.now = NOW + timedelta(days=3, seconds=0.5)
    assert httpx.get(f"{site.url}/robots.txt").headers["date"] == "Sun, 22 Nov 2026 12:00:00 GMT"


def test_publish_can_back_date(site: SampleSite) -> None:
    pending = site.pending[0]
    item = site.publish(pending, at=NOW - timedelta(minutes=90) + timedelta(microseconds=5))
    assert item.published == NOW - timedelta(minutes=90)  # whole seconds, like WordPress
    assert site.published[1] == item  # between the posts of one and two hours ago
    assert pending not in site.pending


# -- WordPress REST API --------------------------------------------------------------------------


def api(site: SampleSite, route: str, **params: str | int) -> httpx.Response:
    return httpx.get(f"{site.url}/wp-json{route}", params=params)


def test_wordpress_api_is_announced_and_indexed(make_site: Callable[..., SampleSite]) -> None:
    site = make_site(wordpress_api=True)
    home = httpx.get(f"{site.url}/")
    assert f'<link rel="https://api.w.org/" href="{site.url}/wp-json/">' in home.text
    assert home.headers["link"] == f'<{site.url}/wp-json/>; rel="https://api.w.org/"'
    article = httpx.get(site.published[0].url)
    assert f"/wp-json/wp/v2/posts/{site.published[0].article.post_id}>" in article.headers["link"]
    index = api(site, "/")
    assert index.headers["content-type"] == "application/json; charset=UTF-8"
    assert "wp/v2" in index.json()["namespaces"]
    assert index.json()["name"] == SITE_NAME
    assert "\\/" in index.text  # wp_json_encode escapes slashes
    assert "\\u" in index.text  # and everything beyond ASCII
    assert api(site, "/wp/v2/nope").json()["code"] == "rest_no_route"
    without = make_site()
    assert httpx.get(f"{without.url}/wp-json/").status_code == 404
    assert "api.w.org" not in httpx.get(f"{without.url}/").text


def test_wordpress_posts_page_like_wordpress(make_site: Callable[..., SampleSite]) -> None:
    site = make_site(wordpress_api=True)
    published = site.published
    first = api(site, "/wp/v2/posts")
    assert first.status_code == 200
    assert (first.headers["x-wp-total"], first.headers["x-wp-totalpages"]) == ("8", "1")
    assert "link" not in first.headers
    assert [p["id"] for p in first.json()] == [p.article.post_id for p in published]

    url: str | None = f"{site.url}/wp-json/wp/v2/posts?per_page=3&_embed"
    seen: list[int] = []
    while url:
        page = httpx.get(url)
        assert page.headers["x-wp-totalpages"] == "3"
        seen += [p["id"] for p in page.json()]
        url = page.links.get("next", {}).get("url")
    assert seen == [p.article.post_id for p in published]

    past = api(site, "/wp/v2/posts", per_page=3, page=4)
    assert past.status_code == 400
    assert past.json()["code"] == "rest_post_invalid_page_number"
    for bad in ({"per_page": 101}, {"per_page": 0}, {"page": "x"}, {"orderby": "rand"},
                {"order": "up"}, {"after": "yesterday"}):  # fmt: skip
        answer = api(site, "/wp/v2/posts", **bad)
        assert answer.status_code == 400, bad
        assert answer.json()["code"] == "rest_invalid_param", bad
    assert len(api(site, "/wp/v2/posts", per_page=100).json()) == 8

    oldest = api(site, "/wp/v2/posts", order="asc", per_page=2).json()
    assert [p["id"] for p in oldest] == [p.article.post_id for p in published[::-1][:2]]
    after = (NOW - timedelta(hours=3)).isoformat()
    recent = api(site, "/wp/v2/posts", after=after).json()
    assert [p["id"] for p in recent] == [p.article.post_id for p in published[:2]]  # strictly
    naive = api(site, "/wp/v2/posts", after="2026-11-19T08:30:00").json()
    assert len(naive) == 3
    syria = api(site, "/wp/v2/posts", categories=2).json()
    assert {p["categories"][0] for p in syria} == {2}
    assert len(syria) == sum(p.article.category == "syria" for p in published)
    shortcut = httpx.get(f"{site.url}/", params={"rest_route": "/wp/v2/posts", "per_page": 1})
    assert shortcut.headers["x-wp-total"] == "8"
    assert len(shortcut.json()) == 1


def test_wordpress_post_json_has_the_wordpress_fields(
    make_site: Callable[..., SampleSite],
) -> None:
    site = make_site(second_site_articles(), wordpress_api=True, name=SECOND_SITE_NAME)
    quoted = next(p for p in site.published if '"' in p.article.title)
    post = api(site, f"/wp/v2/posts/{quoted.article.post_id}", _embed="").json()
    a = quoted.article
    assert post["id"] == a.post_id
    assert post["slug"] == a.slug
    assert post["link"] == quoted.url
    assert post["guid"]["rendered"] == quoted.guid
    assert post["date"] == post["date_gmt"] == quoted.published.strftime("%Y-%m-%dT%H:%M:%S")
    assert post["modified"] == post["modified_gmt"] == post["date"]
    assert "&#8220;" in post["title"]["rendered"]
    assert "&#8221;" in post["title"]["rendered"]
    assert html.unescape(post["title"]["rendered"]) == a.title.replace('"', "“", 1).replace(
        '"', "”", 1
    )
    assert post["content"]["protected"] is False
    assert post["content"]["rendered"].count("<p>") == len(a.paragraphs)
    assert post["excerpt"]["rendered"].endswith(" [&hellip;]</p>\n")
    assert post["categories"] == [CATEGORY_IDS[a.category]]
    embedded = post["_embedded"]
    assert embedded["author"][0]["name"] == a.author
    assert embedded["author"][0]["id"] == post["author"]
    assert embedded["wp:featuredmedia"][0]["source_url"] == f"{site.url}{a.image}"
    assert embedded["wp:featuredmedia"][0]["id"] == post["featured_media"]
    categories, tags = embedded["wp:term"]
    assert [(c["name"], c["slug"], c["taxonomy"]) for c in categories] == [
        (CATEGORIES[a.category], a.category, "category")
    ]
    assert [t["name"] for t in tags] == list(a.tags)
    assert [t["id"] for t in tags] == post["tags"]
    assert {t["taxonomy"] for t in tags} == {"post_tag"}
    assert all(t["slug"].startswith("%d") for t in tags)  # percent-encoded Arabic
    no_image = next(p for p in site.published if p.article.image is None)
    bare = api(site, f"/wp/v2/posts/{no_image.article.post_id}").json()
    assert bare["featured_media"] == 0
    assert "_embedded" not in bare
    missing = api(site, "/wp/v2/posts/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "rest_post_invalid_id")


def test_wordpress_categories_and_tags(make_site: Callable[..., SampleSite]) -> None:
    site = make_site(wordpress_api=True)
    categories = api(site, "/wp/v2/categories")
    assert categories.headers["x-wp-total"] == "5"
    by_slug = {c["slug"]: c for c in categories.json()}
    assert {slug: c["name"] for slug, c in by_slug.items()} == dict(CATEGORIES)
    assert sum(c["count"] for c in by_slug.values()) == 8
    assert by_slug["syria"]["link"] == f"{site.url}/category/syria/"
    tags = api(site, "/wp/v2/tags", per_page=100).json()
    names = {t["name"] for t in tags}
    assert {tag for a in load_articles() for tag in a.tags} == names


# -- sitemaps --------------------------------------------------------------------------------------

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def xml_of(response: httpx.Response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=UTF-8"
    return ElementTree.fromstring(response.content)


def test_news_sitemap_index_lists_news_and_posts(
    make_site: Callable[..., SampleSite], clock: Clock
) -> None:
    site = make_site(news_sitemap=True)
    robots = httpx.get(f"{site.url}/robots.txt").text
    assert f"Sitemap: {site.url}/sitemap.xml" in robots
    index = xml_of(httpx.get(f"{site.url}/sitemap.xml"))
    assert index.tag == f"{SITEMAP}sitemapindex"
    locs = [e.findtext(f"{SITEMAP}loc") for e in index.iter(f"{SITEMAP}sitemap")]
    assert locs == [f"{site.url}/news-sitemap.xml", f"{site.url}/post-sitemap.xml"]

    posts = xml_of(httpx.get(f"{site.url}/post-sitemap.xml"))
    urls = [(u.findtext(f"{SITEMAP}loc"), u.findtext(f"{SITEMAP}lastmod")) for u in posts]
    assert urls == [(p.url, p.published.isoformat()) for p in site.published]

    clock.now = NOW + timedelta(days=2) - timedelta(hours=4, minutes=30)
    news = xml_of(httpx.get(f"{site.url}/news-sitemap.xml"))
    entries = list(news.iter(f"{SITEMAP}url"))
    recent = site.published[:4]  # published 1 to 4 hours before NOW: within the last 2 days
    assert [u.findtext(f"{SITEMAP}loc") for u in entries] == [p.url for p in recent]
    for url, item in zip(entries, recent, strict=True):
        block = url.find(f"{NEWS}news")
        assert block is not None
        assert block.findtext(f"{NEWS}publication/{NEWS}name") == SITE_NAME
        assert block.findtext(f"{NEWS}publication/{NEWS}language") == "ar"
        assert block.findtext(f"{NEWS}publication_date") == item.published.isoformat()
        assert block.findtext(f"{NEWS}title") == item.article.title
    clock.now = NOW + timedelta(days=3)
    assert not list(xml_of(httpx.get(f"{site.url}/news-sitemap.xml")))

    plain = make_site()
    assert xml_of(httpx.get(f"{plain.url}/sitemap.xml")).tag == f"{SITEMAP}urlset"
    for path in ("/news-sitemap.xml", "/post-sitemap.xml"):
        assert httpx.get(f"{plain.url}{path}").status_code == 404


# -- charsets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["windows-1256", "iso-8859-6"])
@pytest.mark.parametrize("label", ["header", "meta", "xml", "none"])
def test_legacy_charsets_by_label_placement(
    make_site: Callable[..., SampleSite], encoding: str, label: str
) -> None:
    site = make_site(encoding=encoding, charset_label=label)
    item = site.published[0]  # its title has «» that ISO-8859-6 lacks
    page = httpx.get(item.url, headers=IDENTITY)
    feed = httpx.get(site.feed_url(), headers=IDENTITY)
    sitemap = httpx.get(f"{site.url}/sitemap.xml", headers=IDENTITY)
    name = {"windows-1256": "windows-1256", "iso-8859-6": "ISO-8859-6"}[encoding]
    in_header = f"; charset={name}" if label == "header" else ""
    assert page.headers["content-type"] == f"text/html{in_header}"
    assert feed.headers["content-type"] == f"application/rss+xml{in_header}"
    assert sitemap.headers["content-type"] == f"application/xml{in_header}"
    meta = re.search(rb'<meta charset="([^"]+)">', page.content)
    assert (meta.group(1).decode() if meta else None) == (
        name if label in ("header", "meta") else None
    )
    declared = re.match(rb'<\?xml version="1.0"(?: encoding="([^"]+)")?\?>', feed.content)
    assert declared is not None
    assert (declared.group(1) or b"").decode() == ("" if label == "none" else name)
    with pytest.raises(UnicodeDecodeError):
        page.content.decode("utf-8")
    if label == "none":
        best = charset_normalizer.from_bytes(page.content).best()
        assert best is not None
        text = str(best)
    else:
        text = page.content.decode(encoding)
    text = html.unescape(text)
    assert item.article.title in text
    assert all(p in text for p in item.article.paragraphs)
    if encoding == "iso-8859-6":
        assert b"&#171;" in page.content  # « is not in ISO-8859-6: a character reference
    if label != "none":
        parsed = feedparser.parse(feed.content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        entries = {e.link: e for e in parsed.entries}
        for published in site.published:
            entry = entries[published.url]
            assert entry.title == published.article.title
            assert entry.author == published.article.author  # CDATA split around references
            assert entry.summary.split()[:5] == " ".join(published.article.paragraphs).split()[:5]
        root = ElementTree.fromstring(sitemap.content)
        assert len(root) == 8


def test_utf8_without_labels(make_site: Callable[..., SampleSite]) -> None:
    site = make_site(charset_label="none")
    page = httpx.get(f"{site.url}/")
    assert page.headers["content-type"] == "text/html"
    assert "<meta charset" not in page.text
    assert httpx.get(site.feed_url()).content.startswith(b'<?xml version="1.0"?><rss')


# -- compression, validators, revisions --------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("identity", None),
        ("deflate", None),
    ],
)
def test_bodies_are_compressed_as_accepted(
    site: SampleSite, accept: str, coding: str | None
) -> None:
    plain = httpx.get(site.feed_url(), headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain.content)
    for url in (site.feed_url(), site.published[0].url, f"{site.url}/sitemap.xml"):
        with httpx.stream("GET", url, headers={"Accept-Encoding": accept}) as response:
            raw = b"".join(response.iter_raw())
        assert response.headers.get("content-encoding") == coding, url
        assert response.headers["vary"] == "Accept-Encoding"
        assert int(response.headers["content-length"]) == len(raw)
        if coding is None:
            decoded = raw
        else:
            decoded = brotli.decompress(raw) if coding == "br" else gzip.decompress(raw)
            assert len(raw) < len(decoded) / 2
        assert decoded == httpx.get(url, headers=IDENTITY).content
    small = httpx.get(f"{site.url}/robots.txt", headers={"Accept-Encoding": accept})
    assert "content-encoding" not in small.headers  # under 1 KB: not worth it
    image = httpx.get(
        f"{site.url}{site.published[0].article.image}", headers={"Accept-Encoding": accept}
    )
    assert "content-encoding" not in image.headers


def test_compressed_feed_has_a_weak_etag_that_still_validates(site: SampleSite) -> None:
    compressed = httpx.get(site.feed_url(), headers={"Accept-Encoding": "gzip"})
    plain = httpx.get(site.feed_url(), headers=IDENTITY)
    assert compressed.headers["etag"] == f"W/{plain.headers['etag']}"
    for etag in (compressed.headers["etag"], plain.headers["etag"]):
        for accept in ("gzip", "identity", "br"):
            again = httpx.get(
                site.feed_url(), headers={"If-None-Match": etag, "Accept-Encoding": accept}
            )
            assert again.status_code == 304, (etag, accept)
            assert "content-encoding" not in again.headers


def test_revise_changes_content_but_not_identity(
    make_site: Callable[..., SampleSite], clock: Clock
) -> None:
    site = make_site(wordpress_api=True)
    target = site.published[2]
    assert target.article.full_in_feed
    feed = httpx.get(site.feed_url())
    validators = {
        "If-None-Match": feed.headers["etag"],
        "If-Modified-Since": feed.headers["last-modified"],
    }
    assert httpx.get(site.feed_url(), headers=validators).status_code == 304

    clock.now = NOW + timedelta(minutes=42)
    new_title = target.article.title + " (محدّث)"
    revised = site.revise(target.article.post_id, title=new_title, paragraphs=["فقرة مصححة."])
    assert (revised.url, revised.guid, revised.published) == (
        target.url,
        target.guid,
        target.published,
    )
    assert revised.modified == revised.last_modified == clock.now
    assert revised.article.paragraphs == ("فقرة مصححة.",)
    assert site.published[2] == revised

    changed = httpx.get(
        site.feed_url(), headers={"If-Modified-Since": validators["If-Modified-Since"]}
    )
    assert changed.status_code == 200
    assert changed.headers["last-modified"] == "Thu, 19 Nov 2026 12:42:00 GMT"
    assert (
        httpx.get(site.feed_url(), headers={"If-None-Match": feed.headers["etag"]}).status_code
        == 200
    )
    entry = next(e for e in parse(changed).entries if e.id == target.guid)
    assert entry.title == new_title
    assert entry.content[0].value == "<p>فقرة مصححة.</p>"
    assert entry.published == format_datetime(target.published)  # pubDate kept

    post = api(site, f"/wp/v2/posts/{target.article.post_id}").json()
    assert post["modified"] == post["modified_gmt"] == "2026-11-19T12:42:00"
    assert post["date"] == target.published.strftime("%Y-%m-%dT%H:%M:%S")
    by_modified = api(site, "/wp/v2/posts", orderby="modified").json()
    assert by_modified[0]["id"] == target.article.post_id
    since = api(site, "/wp/v2/posts", modified_after="2026-11-19T12:00:00").json()
    assert [p["id"] for p in since] == [target.article.post_id]
    sitemap = httpx.get(f"{site.url}/sitemap.xml").text
    assert f"<loc>{target.url}</loc><lastmod>2026-11-19T12:42:00+00:00</lastmod>" in sitemap
    page = httpx.get(target.url).text
    assert '<meta property="article:modified_time" content="2026-11-19T12:42:00+00:00">' in page
    assert "فقرة مصححة." in page

    site.revise(target.article.post_id, title=target.article.title)
    assert site.published[2].article.paragraphs == ("فقرة مصححة.",)  # only the title changed
    with pytest.raises(LookupError):
        site.revise(site.pending[0].post_id, title="x")
    with pytest.raises(ValueError, match="title or new paragraphs"):
        site.revise(target.article.post_id)


# -- faults and the request log ------------------------------------------------------------------


def test_fail_next_answers_the_status_then_recovers(site: SampleSite) -> None:
    site.fail_next("/feed/", 503, count=2, retry_after=120, body=b"<h1>busy</h1>")
    site.fail_next("/category/", 429)
    for _ in range(2):
        busy = httpx.get(site.feed_url())
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "120"
        assert busy.content == b"<h1>busy</h1>"
    assert httpx.get(site.feed_url()).status_code == 200
    assert httpx.get(f"{site.url}/").status_code == 200  # other paths unaffected
    limited = httpx.get(site.feed_url("syria"))
    assert limited.status_code == 429
    assert "retry-after" not in limited.headers
    assert limited.content == b""
    assert httpx.get(site.feed_url("syria")).status_code == 200
    site.fail_next("/?p=", 500)
    assert httpx.get(f"{site.url}/?p=1001").status_code == 500  # prefixes include the query
    assert site.requests[-1] == ("GET", "/?p=1001")  # failed requests are recorded too
    with pytest.raises(ValueError, match="status"):
        site.fail_next("/", 42)


def test_slow_delays_answers_and_stop_does_not_wait(clock: Clock) -> None:
    site = started(clock)
    site.slow("/feed/", 0.3)
    start = time.monotonic()
    assert httpx.get(site.feed_url()).status_code == 200
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    httpx.get(f"{site.url}/robots.txt")
    assert time.monotonic() - start < 0.3
    site.slow("/feed/", 0)
    start = time.monotonic()
    httpx.get(site.feed_url())
    assert time.monotonic() - start < 0.3

    site.slow("/", 30)
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            httpx.get(f"{site.url}/", timeout=5)
        except httpx.HTTPError as exc:
            errors.append(exc)

    waiting = threading.Thread(target=fetch)
    waiting.start()
    while len(site.requests) < 4:
        time.sleep(0.01)
    start = time.monotonic()
    site.stop()
    waiting.join(5)
    assert time.monotonic() - start < 2
    assert not waiting.is_alive()
    assert errors  # dropped unanswered


def test_disallow_adds_robots_rules(site: SampleSite) -> None:
    site.disallow("/category/")
    site.disallow("/wp-json/")
    text = httpx.get(f"{site.url}/robots.txt").text
    assert text.startswith("User-agent: *\nDisallow: /category/\nDisallow: /wp-json/\nAllow: /\n")
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    assert not robots.can_fetch("syndicator", site.feed_url("syria"))
    assert robots.can_fetch("syndicator", site.feed_url())
    assert httpx.get(site.feed_url("syria")).status_code == 200  # robots.txt only advises


def test_request_log_records_headers_and_times(site: SampleSite) -> None:
    first = httpx.get(site.feed_url(), headers={"User-Agent": "syndicator/0.1 (+ops@example.org)"})
    with httpx.Client(headers={"User-Agent": "syndicator/0.1"}) as client:
        client.get(site.feed_url(), headers={"If-None-Match": first.headers["etag"]})
        client.head(f"{site.url}/?p=1001&utm_source=x")
    log = site.request_log
    assert (
        [(r.method, r.path) for r in log]
        == site.requests
        == [
            ("GET", "/feed/"),
            ("GET", "/feed/"),
            ("HEAD", "/?p=1001&utm_source=x"),
        ]
    )
    assert log[0].headers["user-agent"] == "syndicator/0.1 (+ops@example.org)"
    assert "br" in log[0].headers["accept-encoding"]
    assert "if-none-match" not in log[0].headers
    assert log[1].headers["if-none-match"] == first.headers["etag"]
    assert log[1].headers["user-agent"] == "syndicator/0.1"
    assert log[0].at <= log[1].at <= log[2].at <= time.monotonic()
    assert isinstance(log[0], RecordedRequest)
    with pytest.raises(TypeError):
        log[0].headers["x"] = "y"  # type: ignore[index]


def test_fixture_module_reexports_the_new_names() -> None:
    from tests.fakes import news_site

    assert news_site.RecordedRequest is RecordedRequest
    assert news_site.republished_pair is republished_pair
    assert news_site.SECOND_SITE_NAME == SECOND_SITE_NAME
    assert news_site.MODERN_AD_ID == MODERN_AD_ID

"""The bundled sample Arabic news site: a WordPress-like HTTP server on loopback.

`syndicator demo` collects from it offline, and the test suite uses it as the fixture news site
(`tests/fakes/news_site.py` re-exports it). It serves what a small Arabic WordPress site serves:
a home page and category archives, RSS 2.0 feeds (all posts and per category, with ETag,
Last-Modified and 304 answers), article pages, featured images, robots.txt and a sitemap.
Articles come from `articles.json`; some start unpublished and are published while a demo or a
test runs (`publish_next`), so polling has something new to find.

Article pages carry on purpose the theme leftovers of the real page this project started from
(`shared/data/seed-article.txt`): an `&nbsp;` paragraph and a stray ad id inside the content,
a related-posts block «مقالات ذات صلة», share buttons, a «الأكثر قراءة» sidebar and a back-to-top
link «زر الذهاب إلى الأعلى». The extractor must drop all of them, so the fixture must have them.

Stdlib only: `http.server.ThreadingHTTPServer` in a daemon thread, one lock for the state.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from types import MappingProxyType, TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

SITE_NAME = "أخبار الشام اليوم"
SITE_DESCRIPTION = "آخر أخبار سوريا والعالم العربي على مدار الساعة"
CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "syria": "الشأن السوري",
        "economy": "اقتصاد",
        "world": "عربي ودولي",
        "sports": "رياضة",
        "culture": "ثقافة وفنون",
    }
)
AD_ID = "5704117d9b036"
FEED_LIMIT = 20
_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
           "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")  # fmt: skip
# A valid 8x8 mid-grey baseline JPEG (JFIF, 159 bytes), served for every upload.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300" + "01" * 64
    + "ffc0000b080008000801011100"
    + "ffc4001400" + "01" + "00" * 15 + "00"
    + "ffc4001410" + "01" + "00" * 15 + "00"
    + "ffda0008010100003f00" + "3f" + "ffd9"
)  # fmt: skip
_HTML = "text/html; charset=UTF-8"


@dataclass(frozen=True)
class SiteArticle:
    """One post of the sample site, as written in `articles.json`."""

    post_id: int
    slug: str
    category: str
    title: str
    paragraphs: tuple[str, ...]
    author: str
    tags: tuple[str, ...] = ()
    image: str | None = None
    full_in_feed: bool = True
    initially_published: bool = True


@dataclass(frozen=True)
class PublishedArticle:
    """A post as the running site shows it: when it was published and where."""

    article: SiteArticle
    published: datetime
    url: str
    guid: str


def load_articles() -> tuple[SiteArticle, ...]:
    """The bundled articles, in `articles.json` order."""
    raw = files("syndicator.demo").joinpath("articles.json").read_text(encoding="utf-8")
    return tuple(_article_from_json(item) for item in json.loads(raw))


def _article_from_json(item: dict[str, Any]) -> SiteArticle:
    lists = {key: tuple(item[key]) for key in ("paragraphs", "tags")}
    return SiteArticle(**(item | lists))


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes = b""
    content_type: str | None = _HTML
    headers: tuple[tuple[str, str], ...] = ()


class SampleSite:
    """The sample site; `start()` serves it on loopback until `stop()`."""

    def __init__(
        self,
        articles: Sequence[SiteArticle] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        chosen = tuple(load_articles() if articles is None else articles)
        for article in chosen:
            _check_category(article)
        if not len(chosen) == len({a.post_id for a in chosen}) == len({a.slug for a in chosen}):
            raise ValueError("articles must have unique post_id and slug")
        self._host, self._port = host, port
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None
        # Publication order; initial posts one hour apart, the newest one hour before now.
        initial = [a for a in chosen if a.initially_published]
        start = self._now()
        self._published = [
            (a, start - timedelta(hours=len(initial) - i)) for i, a in enumerate(initial)
        ]
        self._pending = [a for a in chosen if not a.initially_published]

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> SampleSite:
        if self._server is not None:
            raise RuntimeError("SampleSite is already started")
        server = _Server((self._host, self._port), self)
        self._url = f"http://{self._host}:{server.server_port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._server = server
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> SampleSite:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- state -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash; only once started."""
        if self._url is None:
            raise RuntimeError("SampleSite is not started")
        return self._url

    def feed_url(self, category: str | None = None) -> str:
        if category is None:
            return f"{self.url}/feed/"
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
        return f"{self.url}/category/{category}/feed/"

    @property
    def published(self) -> list[PublishedArticle]:
        """Published posts, newest first (ties: the later publish first)."""
        with self._lock:
            entries = list(self._published)
        site = self.url
        entries.reverse()
        entries.sort(key=lambda entry: entry[1], reverse=True)
        return [_published(site, article, when) for article, when in entries]

    @property
    def pending(self) -> list[SiteArticle]:
        with self._lock:
            return list(self._pending)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path with query) of every request served, in order."""
        with self._lock:
            return list(self._requests)

    def publish_next(self, category: str | None = None) -> PublishedArticle:
        """Publish now the first pending post (of `category` if given)."""
        site = self.url
        with self._lock:
            for article in self._pending:
                if category is None or article.category == category:
                    return _published(site, article, self._publish_locked(article))
        raise LookupError(f"no pending article in category {category!r}")

    def publish(self, article: SiteArticle) -> PublishedArticle:
        """Publish now any post, e.g. one made by a test; removes it from `pending`."""
        _check_category(article)
        site = self.url
        with self._lock:
            for other, _ in self._published:
                if other.post_id == article.post_id or other.slug == article.slug:
                    raise ValueError(f"post {article.post_id} ({article.slug}) is published")
            return _published(site, article, self._publish_locked(article))

    def _publish_locked(self, article: SiteArticle) -> datetime:
        when = self._now()
        self._pending = [a for a in self._pending if a.post_id != article.post_id]
        self._published.append((article, when))
        return when

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("clock() must return an aware datetime")
        # WordPress stores whole seconds; so do feeds and HTTP dates.
        return now.astimezone(UTC).replace(microsecond=0)

    # -- HTTP ------------------------------------------------------------------------------

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self._requests.append((method, path))

    def _respond(
        self, target: str, if_none_match: str | None, if_modified: str | None
    ) -> _Response:
        parts = urlsplit(target)
        path, site, items = parts.path, self.url, self.published
        if path == "/":
            post_id = parse_qs(parts.query).get("p", [""])[0]
            if not post_id:
                return _html(_home_page(site, "آخر الأخبار", items, items))
            for item in items:
                if str(item.article.post_id) == post_id:
                    return _Response(301, content_type=None, headers=(("Location", item.url),))
        elif path == "/feed/":
            return _feed(site, None, items, if_none_match, if_modified)
        elif m := re.fullmatch(r"/category/([^/]+)/(feed/)?", path):
            slug = m.group(1)
            if slug in CATEGORIES:
                chosen = [i for i in items if i.article.category == slug]
                if m.group(2):
                    return _feed(site, slug, chosen, if_none_match, if_modified)
                return _html(_home_page(site, CATEGORIES[slug], chosen, items))
        elif re.fullmatch(r"/\d{4}/\d{2}/\d{2}/[^/]+/", path):
            for item in items:
                if item.url == site + path:
                    return _html(_article_page(site, item, items))
        elif path.startswith("/wp-content/uploads/") and path.endswith((".jpg", ".jpeg")):
            return _Response(200, JPEG, "image/jpeg")
        elif path == "/robots.txt":
            text = f"User-agent: *\nAllow: /\n\nSitemap: {site}/sitemap.xml\n"
            return _Response(200, text.encode(), "text/plain; charset=UTF-8")
        elif path == "/sitemap.xml":
            return _Response(200, _sitemap(site, items).encode(), "application/xml; charset=UTF-8")
        page = _layout(site, f"الصفحة غير موجودة - {SITE_NAME}", _NOT_FOUND, items)
        return _Response(404, page.encode())


def _check_category(article: SiteArticle) -> None:
    if article.category not in CATEGORIES:
        raise ValueError(f"post {article.post_id}: unknown category {article.category!r}")


def _published(site: str, article: SiteArticle, when: datetime) -> PublishedArticle:
    url = f"{site}/{when:%Y/%m/%d}/{article.slug}/"
    return PublishedArticle(article, when, url, f"{site}/?p={article.post_id}")


def _html(page: str) -> _Response:
    return _Response(200, page.encode())


# -- feeds -------------------------------------------------------------------------------------


def _feed(
    site: str,
    category: str | None,
    items: Sequence[PublishedArticle],
    if_none_match: str | None,
    if_modified: str | None,
) -> _Response:
    body = _rss(site, category, items[:FEED_LIMIT]).encode()
    headers = [("ETag", f'"{hashlib.sha256(body).hexdigest()[:32]}"')]
    newest = items[0].published if items else None
    if newest is not None:
        headers.append(("Last-Modified", format_datetime(newest, usegmt=True)))
    if _not_modified(headers[0][1], newest, if_none_match, if_modified):
        return _Response(304, content_type=None, headers=tuple(headers))
    return _Response(200, body, "application/rss+xml; charset=UTF-8", tuple(headers))


def _not_modified(
    etag: str, newest: datetime | None, if_none_match: str | None, if_modified: str | None
) -> bool:
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110)
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified is None or newest is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified)
    except (TypeError, ValueError):
        return False
    return newest <= (since if since.tzinfo else since.replace(tzinfo=UTC))


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml(text: str) -> str:
    return escape(text, quote=False)


def _excerpt(article: SiteArticle, words: int = 40) -> str:
    tokens = " ".join(article.paragraphs).split()
    return " ".join(tokens[:words]) + (" […]" if len(tokens) > words else "")


def _content(article: SiteArticle) -> str:
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in article.paragraphs)


def _rss(site: str, category: str | None, items: Sequence[PublishedArticle]) -> str:
    title, link = SITE_NAME, f"{site}/"
    if category is not None:
        title, link = f"{SITE_NAME} - {CATEGORIES[category]}", f"{site}/category/{category}/"
    newest = format_datetime(items[0].published) if items else None
    build = f"\t<lastBuildDate>{newest}</lastBuildDate>\n" if newest else ""
    out = [
        f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\t>

<channel>
\t<title>{_xml(title)}</title>
\t<atom:link href="{link}feed/" rel="self" type="application/rss+xml" />
\t<link>{link}</link>
\t<description>{_xml(SITE_DESCRIPTION)}</description>
{build}\t<language>ar</language>
\t<sy:updatePeriod>
\thourly\t</sy:updatePeriod>
\t<sy:updateFrequency>
\t1\t</sy:updateFrequency>
\t<generator>https://wordpress.org/?v=6.6.2</generator>
"""
    ]
    for item in items:
        a = item.article
        names = "".join(
            f"\t\t<category>{_cdata(n)}</category>\n" for n in (CATEGORIES[a.category], *a.tags)
        )
        full = ""
        if a.full_in_feed:
            full = f"\t\t<content:encoded>{_cdata(_content(a))}</content:encoded>\n"
            if a.image:
                full += f'\t\t<enclosure url="{site}{a.image}" length="{len(JPEG)}" '
                full += 'type="image/jpeg" />\n'
        out.append(f"""\t<item>
\t\t<title>{_xml(a.title)}</title>
\t\t<link>{item.url}</link>
\t\t<dc:creator>{_cdata(a.author)}</dc:creator>
\t\t<pubDate>{format_datetime(item.published)}</pubDate>
{names}\t\t<guid isPermaLink="false">{item.guid}</guid>
\t\t<description>{_cdata(_excerpt(a))}</description>
{full}\t</item>
""")
    return "".join(out) + "</channel>\n</rss>\n"


def _sitemap(site: str, items: Sequence[PublishedArticle]) -> str:
    urls = "".join(
        f"<url><loc>{i.url}</loc><lastmod>{i.published.isoformat()}</lastmod></url>\n"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


# -- pages -------------------------------------------------------------------------------------

_NOT_FOUND = (
    '<section class="error-404"><h1 class="page-title">عذراً، الصفحة غير موجودة</h1>'
    "<p>ربما تم حذف الصفحة أو نقلها، جرّب البحث أو العودة إلى الرئيسية.</p></section>"
)


def _date(when: datetime) -> str:
    return f"{when.day} {_MONTHS[when.month - 1]}، {when.year}"


def _category_link(site: str, slug: str) -> str:
    return f'<a class="post-cat" href="{site}/category/{slug}/">{escape(CATEGORIES[slug])}</a>'


def _layout(
    site: str, title: str, main: str, items: Sequence[PublishedArticle], head: str = ""
) -> str:
    nav = "".join(
        f'<li class="menu-item"><a href="{site}/category/{slug}/">{escape(name)}</a></li>'
        for slug, name in CATEGORIES.items()
    )
    most_read = "".join(
        f'<li class="widget-post-list"><a href="{i.url}">{escape(i.article.title)}</a></li>'
        for i in sorted(items, key=lambda i: i.published)[:5]
    )
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="alternate" type="application/rss+xml" title="{escape(SITE_NAME)} &laquo; الخلاصة" \
href="{site}/feed/">
{head}</head>
<body class="rtl wp-theme-jannah" id="tie-body">
<div id="tie-wrapper">
<header id="theme-header" class="theme-header">
<div class="logo"><a href="{site}/" rel="home">{escape(SITE_NAME)}</a></div>
<nav id="main-nav" aria-label="القائمة الرئيسية"><ul class="menu">
<li class="menu-item"><a href="{site}/">الرئيسية</a></li>{nav}</ul></nav>
</header>
<div id="content" class="site-content container">
<div class="main-content">
{main}
</div>
<aside class="sidebar"><div class="widget posts-list"><h4 class="widget-title">الأكثر قراءة</h4>
<ul>{most_read}</ul></div></aside>
</div>
<footer id="footer" class="site-footer">
<div class="copyright">© 2026 {escape(SITE_NAME)}. جميع الحقوق محفوظة.</div>
<ul class="footer-menu"><li><a href="{site}/about/">من نحن</a></li>\
<li><a href="{site}/contact/">اتصل بنا</a></li></ul>
</footer>
<a id="go-to-top" class="go-to-top-button" href="#go-to-tie-body"><span class="tie-icon-angle-up">\
</span><span class="screen-reader-text">زر الذهاب إلى الأعلى</span></a>
</div>
</body>
</html>
"""


def _home_page(
    site: str, heading: str, chosen: Sequence[PublishedArticle], items: Sequence[PublishedArticle]
) -> str:
    posts = "".join(
        f'<li class="post-item">{_category_link(site, i.article.category)}'
        f'<h2 class="post-title"><a href="{i.url}">{escape(i.article.title)}</a></h2>'
        f'<span class="date">{_date(i.published)}</span>'
        f'<p class="post-excerpt">{escape(_excerpt(i.article, 25))}</p></li>\n'
        for i in chosen[:FEED_LIMIT]
    )
    main = f'<div class="mag-box"><h1 class="section-title">{escape(heading)}</h1>\n'
    main += f'<ul class="posts-items">\n{posts}</ul></div>'
    return _layout(site, f"{heading} - {SITE_NAME}", main, items)


def _article_page(site: str, item: PublishedArticle, items: Sequence[PublishedArticle]) -> str:
    a, title = item.article, escape(item.article.title)
    image = f"{site}{a.image}" if a.image else None
    head = f"""<link rel="canonical" href="{item.url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{item.url}">
{f'<meta property="og:image" content="{image}">{chr(10)}' if image else ""}\
<meta property="article:section" content="{escape(CATEGORIES[a.category])}">
<meta property="article:published_time" content="{item.published.isoformat()}">
"""
    others = [i for i in items if i.article.post_id != a.post_id]
    others.sort(key=lambda i: i.article.category != a.category)  # same category first, stable
    related = "".join(
        f'<div class="related-item"><h3 class="post-title"><a href="{i.url}">'
        f"{escape(i.article.title)}</a></h3></div>"
        for i in others[:3]
    )
    share = quote(item.url, safe="")
    figure = (
        f'<figure class="featured-area"><img src="{image}" alt="{title}" width="780" height="405">'
        "</figure>\n"
        if image
        else ""
    )
    main = f"""<nav id="breadcrumb"><a href="{site}/">الرئيسية</a><em class="delimiter">/</em>\
<a href="{site}/category/{a.category}/">{escape(CATEGORIES[a.category])}</a>\
<em class="delimiter">/</em><span class="current">{title}</span></nav>
<article id="the-post" class="post-{a.post_id} post type-post status-publish category-{a.category}">
<header class="entry-header-outer"><div class="entry-header">
<span class="post-cat-wrap">{_category_link(site, a.category)}</span>
<h1 class="post-title entry-title">{title}</h1>
<div class="post-meta"><span class="meta-author">{escape(a.author)}</span>
<span class="date meta-item"><time class="entry-date published" \
datetime="{item.published.isoformat()}">{_date(item.published)}</time></span></div>
</div></header>
{figure}<div class="entry-content entry clearfix">
{_content(a)}
<p>&nbsp;</p>
<div class="stream-item stream-item-in-post">{AD_ID}</div>
</div>
<div class="post-footer"><div class="share-links"><span class="share-title">شارك</span>
<a href="https://www.facebook.com/sharer.php?u={share}" class="facebook-share-btn">فيسبوك</a>
<a href="https://twitter.com/intent/tweet?url={share}" class="twitter-share-btn">تويتر</a>
<a href="https://api.whatsapp.com/send?text={share}" class="whatsapp-share-btn">واتساب</a>
</div></div>
</article>
<div id="related-posts" class="container-wrapper">\
<div class="mag-box-title"><h3>مقالات ذات صلة</h3></div>
<div class="related-posts-list">{related}</div></div>"""
    return _layout(site, f"{a.title} - {SITE_NAME}", main, items, head)


# -- server ------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: SampleSite) -> None:
        super().__init__(address, _Handler)
        self.site = site


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        site = self.server.site
        site._record(self.command, self.path)
        response = site._respond(
            self.path, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        )
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")  # no keep-alive: stop() really ends the site
        self.end_headers()
        if send_body and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests are recorded in `SampleSite.requests` instead of stderr."""

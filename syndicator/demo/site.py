"""The bundled sample Arabic news site: a WordPress-like HTTP server on loopback.

`syndicator demo` collects from it offline, and the test suite uses it as the fixture news site
(`tests/fakes/news_site.py` re-exports it). By default it serves what a small Arabic WordPress
site serves: a home page and category archives, RSS 2.0 feeds (all posts and per category, with
ETag, Last-Modified and 304 answers), article pages, featured images, robots.txt and a sitemap.
Articles come from `articles.json`; some start unpublished and are published while a demo or a
test runs (`publish_next`), so polling has something new to find, and `revise` corrects one.

Keyword options turn it into the other kinds of site a collector meets: another name and theme
(`pages`), windows-1256 or ISO-8859-6 with the charset declared in the header, the document or
nowhere (`wire`), no feeds at all (HTML only), the WordPress REST API (`wordpress`), a Google
News sitemap (`feeds`). Tests can make it fail, stall or disallow paths and read every request
it received (`faults`). Bodies are gzip/brotli-compressed when the client accepts it.

`http.server.ThreadingHTTPServer` in a daemon thread, one lock for all mutable state; the only
dependency beyond the stdlib is `brotli`. Output is deterministic: times (including the `Date`
header) come from the injected clock, in whole seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType
from typing import Any

from syndicator.demo import routes
from syndicator.demo.content import (
    AD_ID,
    CATEGORIES,
    FEED_LIMIT,
    FIRST_TAG_ID,
    JPEG,
    MODERN_AD_ID,
    SITE_DESCRIPTION,
    SITE_NAME,
    THEMES,
    PublishedArticle,
    SiteArticle,
    View,
    article_url,
    check_category,
    load_articles,
)
from syndicator.demo.faults import Faults, RecordedRequest
from syndicator.demo.loopback import Loopback
from syndicator.demo.wire import Charset, Response, finish

__all__ = [
    "AD_ID",
    "CATEGORIES",
    "FEED_LIMIT",
    "JPEG",
    "MODERN_AD_ID",
    "SITE_DESCRIPTION",
    "SITE_NAME",
    "PublishedArticle",
    "RecordedRequest",
    "SampleSite",
    "SiteArticle",
    "load_articles",
]


@dataclass(frozen=True)
class _Entry:
    article: SiteArticle
    published: datetime
    modified: datetime | None = None


class SampleSite(Loopback):
    """The sample site; `start()` serves it on loopback until `stop()`."""

    def __init__(
        self,
        articles: Sequence[SiteArticle] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        name: str = SITE_NAME,
        theme: str = "classic",
        encoding: str = "utf-8",
        charset_label: str = "header",
        feeds: bool = True,
        wordpress_api: bool = False,
        news_sitemap: bool = False,
    ) -> None:
        chosen = tuple(load_articles() if articles is None else articles)
        for article in chosen:
            check_category(article)
        if not len(chosen) == len({a.post_id for a in chosen}) == len({a.slug for a in chosen}):
            raise ValueError("articles must have unique post_id and slug")
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {THEMES}, not {theme!r}")
        if not name.strip():
            raise ValueError("name must not be empty")
        self._charset = Charset(encoding, charset_label)
        self._name, self._theme = name, theme
        self._feeds, self._api, self._news_sitemap = feeds, wordpress_api, news_sitemap
        super().__init__(host, port)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._log: list[RecordedRequest] = []
        self._faults = Faults()
        self._tag_ids: dict[str, int] = {}
        self._author_ids: dict[str, int] = {}
        for article in chosen:
            self._register_locked(article)
        # Publication order; initial posts one hour apart, the newest one hour before now.
        initial = [a for a in chosen if a.initially_published]
        start = self._now()
        self._published = [
            _Entry(a, start - timedelta(hours=len(initial) - i)) for i, a in enumerate(initial)
        ]
        self._pending = [a for a in chosen if not a.initially_published]

    # -- lifecycle -------------------------------------------------------------------------

    def _bind(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _Server(address, self)

    # -- state -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash; only once started."""
        return self.origin

    @property
    def name(self) -> str:
        return self._name

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
        return _newest_first(self.url, entries)

    @property
    def pending(self) -> list[SiteArticle]:
        with self._lock:
            return list(self._pending)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path with query) of every request served, in order."""
        with self._lock:
            return [(r.method, r.path) for r in self._log]

    @property
    def request_log(self) -> list[RecordedRequest]:
        """Every request received, in order, with its headers and monotonic arrival time."""
        with self._lock:
            return list(self._log)

    def publish_next(self, category: str | None = None) -> PublishedArticle:
        """Publish now the first pending post (of `category` if given)."""
        site = self.url
        with self._lock:
            for article in self._pending:
                if category is None or article.category == category:
                    return _published(site, self._publish_locked(article, None))
        raise LookupError(f"no pending article in category {category!r}")

    def publish(self, article: SiteArticle, *, at: datetime | None = None) -> PublishedArticle:
        """Publish any post, e.g. one made by a test, now (or back-dated `at`); removes it from
        `pending`."""
        check_category(article)
        site = self.url
        with self._lock:
            for entry in self._published:
                other = entry.article
                if other.post_id == article.post_id or other.slug == article.slug:
                    raise ValueError(f"post {article.post_id} ({article.slug}) is published")
            return _published(site, self._publish_locked(article, at))

    def revise(
        self, post_id: int, *, title: str | None = None, paragraphs: Sequence[str] | None = None
    ) -> PublishedArticle:
        """Correct a published post now: same guid and URL, new text, `modified` = clock().

        Feeds keep the item's pubDate but carry the new text; the REST API's `modified` and the
        sitemaps' `lastmod` move to the revision time.
        """
        if title is None and paragraphs is None:
            raise ValueError("revise needs a new title or new paragraphs")
        if isinstance(paragraphs, str):
            raise TypeError("paragraphs must be a sequence of strings, not one string")
        site, now = self.url, self._now()
        with self._lock:
            for n, entry in enumerate(self._published):
                old = entry.article
                if old.post_id == post_id:
                    article = replace(
                        old,
                        title=old.title if title is None else title,
                        paragraphs=old.paragraphs if paragraphs is None else tuple(paragraphs),
                    )
                    revised = _Entry(article, entry.published, max(now, entry.published))
                    self._published[n] = revised
                    return _published(site, revised)
        raise LookupError(f"post {post_id} is not published")

    # -- faults ----------------------------------------------------------------------------

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        *,
        count: int = 1,
        retry_after: int | None = None,
        body: bytes = b"",
    ) -> None:
        """Answer the next `count` requests whose path (with query) starts with `path_prefix`
        with `status` (and `Retry-After` if given) instead of the real answer."""
        with self._lock:
            self._faults.fail_next(path_prefix, status, count, retry_after, body)

    def slow(self, path_prefix: str, seconds: float) -> None:
        """Sleep `seconds` before answering requests under `path_prefix`; 0 removes the delay."""
        with self._lock:
            self._faults.slow(path_prefix, seconds)

    def disallow(self, path_prefix: str) -> None:
        """Add `Disallow: path_prefix` for `User-agent: *` to robots.txt."""
        with self._lock:
            self._faults.disallow(path_prefix)

    # -- internals -------------------------------------------------------------------------

    def _register_locked(self, article: SiteArticle) -> None:
        for tag in article.tags:
            self._tag_ids.setdefault(tag, FIRST_TAG_ID + len(self._tag_ids))
        self._author_ids.setdefault(article.author, 2 + len(self._author_ids))  # 1 is admin

    def _publish_locked(self, article: SiteArticle, at: datetime | None) -> _Entry:
        entry = _Entry(article, self._now() if at is None else _whole_seconds(at))
        self._register_locked(article)
        self._pending = [a for a in self._pending if a.post_id != article.post_id]
        self._published.append(entry)
        return entry

    def _now(self) -> datetime:
        return _whole_seconds(self._clock())

    def _view(self) -> View:
        site, now = self.url, self._now()
        with self._lock:
            entries = list(self._published)
            tag_ids, author_ids = dict(self._tag_ids), dict(self._author_ids)
        return View(
            url=site,
            name=self._name,
            theme=self._theme,
            charset=self._charset,
            feeds=self._feeds,
            api=self._api,
            news_sitemap=self._news_sitemap,
            now=now,
            items=tuple(_newest_first(site, entries)),
            tag_ids=MappingProxyType(tag_ids),
            author_ids=MappingProxyType(author_ids),
        )

    def _arrive(
        self, method: str, path: str, headers: Iterable[tuple[str, str]]
    ) -> tuple[Response | None, float]:
        """Record a request; the failure to answer it with, and the delay before answering."""
        record = RecordedRequest.of(method, path, headers, time.monotonic())
        with self._lock:
            self._log.append(record)
            return self._faults.take_failure(path), self._faults.delay(path)

    def _respond(self, target: str) -> Response:
        view = self._view()
        with self._lock:
            disallowed = self._faults.disallowed
        return routes.respond(view, target, disallowed)


def _whole_seconds(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("clock() and publication times must be aware datetimes")
    # WordPress stores whole seconds; so do feeds and HTTP dates.
    return when.astimezone(UTC).replace(microsecond=0)


def _published(site: str, entry: _Entry) -> PublishedArticle:
    url = article_url(site, entry.article, entry.published)
    guid = f"{site}/?p={entry.article.post_id}"
    return PublishedArticle(entry.article, entry.published, url, guid, entry.modified)


def _newest_first(site: str, entries: list[_Entry]) -> list[PublishedArticle]:
    entries = entries[::-1]  # ties: the later publish first (the sort is stable)
    entries.sort(key=lambda entry: entry.published, reverse=True)
    return [_published(site, entry) for entry in entries]


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
        failure, delay = site._arrive(self.command, self.path, self.headers.items())
        if delay and site._stopping.wait(delay):
            self.close_connection = True  # the site is stopping: drop the request
            return
        response = finish(
            failure if failure is not None else site._respond(self.path),
            accept_encoding=self.headers.get("Accept-Encoding"),
            if_none_match=self.headers.get("If-None-Match"),
            if_modified_since=self.headers.get("If-Modified-Since"),
        )
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        bodiless = response.status in (204, 304) or response.status < 200
        if not bodiless:
            self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")  # no keep-alive: stop() really ends the site
        self.end_headers()
        if send_body and response.body and not bodiless:
            self.wfile.write(response.body)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header from the site's clock, not the wall clock: deterministic."""
        return format_datetime(self.server.site._now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests are recorded in `SampleSite.request_log` instead of stderr."""

"""Feed catalog (I/O edge): reads the store and renders every document the site offers.

One place decides what each URL holds, for the HTTP server (through its cache) and for the
static export alike, so the two serve the same bytes at the same paths:

    /                      index page            /c/{slug}/          category page
    /feeds.opml            every feed in OPML    /feeds/...          feeds (see feeds.paging)

Each `Document` carries its ETag (feeds: a digest of the entries' data; pages and OPML: of
their bytes, which hold no build time), its Last-Modified (the newest change it shows), how
long it may be cached, and the cache tags that name what it depends on.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from feeds import paging
from feeds.document import EPOCH
from feeds.index import ALL_NAME, Shelf, render_category, render_index
from feeds.opml import Outline, render_opml
from feeds.paging import ALL, FORMATS, MEDIA_TYPES, Archive, FeedRef, page_path
from feeds.render import FeedDoc, Link, render
from syndicator.model import Article, Source
from syndicator.store import Store

ARCHIVE_MAX_AGE = 86400  # seconds a complete archive page may be cached (its entries are final)


@dataclass(frozen=True)
class Site:
    """What the documents say about themselves, from `[feeds]` and `[http] public_url`."""

    title: str
    base_url: str
    limit: int = 50
    max_age: int = 60
    websub_hub: str | None = None
    archive_size: int = paging.ARCHIVE_SIZE
    archive_grace: int = paging.ARCHIVE_GRACE
    headlines: int = 5  # per category on the index page
    page_articles: int = 30  # on a category's page


@dataclass(frozen=True)
class Document:
    """One rendered document, ready to be served or written to a file."""

    body: bytes
    media_type: str
    etag: str
    last_modified: datetime | None
    max_age: int
    tags: frozenset[str]
    links: tuple[tuple[str, str], ...] = ()  # (rel, URL) for the HTTP Link header


@dataclass(frozen=True)
class Names:
    """Categories (slug -> Arabic name) and enabled sources (id -> source)."""

    categories: dict[str, str]
    sources: dict[str, Source]

    def has(self, ref: FeedRef) -> bool:
        if ref.kind == paging.CATEGORY_KIND:
            return ref.key in self.categories
        if ref.kind == paging.SOURCE_KIND:
            return ref.key in self.sources
        return ref == ALL

    def refs(self) -> list[FeedRef]:
        """Every feed: all, the categories, the sources."""
        return [
            ALL,
            *(paging.category(slug) for slug in self.categories),
            *(paging.source(source_id) for source_id in self.sources),
        ]


def _digest(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _newest(articles: Sequence[Article]) -> datetime:
    return max((a.updated for a in articles), default=EPOCH)


class Catalog:
    def __init__(self, store: Store, site: Site) -> None:
        self._store = store
        self._site = site

    @property
    def site(self) -> Site:
        return self._site

    async def names(self) -> Names:
        categories = {c.slug: c.name for c in await self._store.registry.categories()}
        sources = {s.id: s for s in await self._store.registry.sources()}
        return Names(categories, sources)

    async def feed(self, ref: FeedRef, fmt: str, page: int | None = None) -> Document | None:
        """The live document (page None) or an archive page of a feed; None if none."""
        names = await self.names()
        if fmt not in FORMATS or not names.has(ref):
            return None
        archive = await self._archive(ref)
        if page is not None and not archive.exists(page):
            return None
        articles = await self._articles(ref, archive, page)
        return self._render(ref, fmt, page, names, archive, articles)

    async def _archive(self, ref: FeedRef) -> Archive:
        category, source = _filters(ref)
        total = await self._store.articles.count_in(category, source=source)
        return Archive(total, self._site.archive_size, self._site.archive_grace)

    async def _articles(self, ref: FeedRef, archive: Archive, page: int | None) -> list[Article]:
        category, source = _filters(ref)
        if page is None:
            return await self._store.articles.recent(category, self._site.limit, source=source)
        offset, limit = archive.window(page)
        chunk = await self._store.articles.chunk(
            category, source=source, offset=offset, limit=limit
        )
        return sorted(chunk, key=lambda a: (a.published, a.id or 0), reverse=True)

    def _render(
        self,
        ref: FeedRef,
        fmt: str,
        page: int | None,
        names: Names,
        archive: Archive,
        articles: Sequence[Article],
    ) -> Document:
        base, site = self._site.base_url, self._site
        links: list[Link] = []
        complete = False
        if page is None:
            if site.websub_hub:
                links.append(Link("hub", site.websub_hub))
            for rel, target in archive.live_links(len(articles)).items():
                links.append(Link(rel, base + ref.path(fmt, target)))
        else:
            complete = archive.complete(page)
            for rel, maybe in archive.page_links(page).items():
                links.append(Link(rel, base + ref.path(fmt, maybe)))
        title, description, home = self._describe(ref, names)
        self_url = base + ref.path(fmt, page)
        doc = FeedDoc(
            slug=ref.key,
            title=title,
            description=description,
            self_url=self_url,
            home_url=home,
            articles=articles,
            category_names=names.categories,
            source_names={s.id: s.name for s in names.sources.values()},
            links=tuple(links),
            archive=complete,
            feed_id=base + ref.path(fmt),
            author=site.title,
            category_scheme=f"{base}/c/",
        )
        rendered = render(doc, fmt)
        http_links = [("self", self_url)]
        if page is None and site.websub_hub:
            http_links.append(("hub", site.websub_hub))
        return Document(
            body=rendered.body,
            media_type=MEDIA_TYPES[fmt],
            etag=rendered.etag,
            last_modified=rendered.updated,
            max_age=max(site.max_age, ARCHIVE_MAX_AGE) if complete else site.max_age,
            tags=frozenset({ref.tag}),
            links=tuple(http_links),
        )

    def _describe(self, ref: FeedRef, names: Names) -> tuple[str, str, str]:
        """(title, description, HTML page) of a feed."""
        base, site_title = self._site.base_url, self._site.title
        if ref.kind == paging.CATEGORY_KIND:
            name = names.categories[ref.key]
            return f"{name} - {site_title}", f"آخر أخبار {name}", base + page_path(ref.key)
        if ref.kind == paging.SOURCE_KIND:
            source = names.sources[ref.key]
            parts = urlsplit(source.url)
            home = f"{parts.scheme}://{parts.netloc}/" if parts.netloc else f"{base}/"
            return f"{source.name} - {site_title}", f"آخر أخبار {source.name}", home
        return site_title, "كل الأخبار من كل المصادر", f"{base}/"

    async def index(self) -> Document:
        names = await self.names()
        recent = self._store.articles.recent
        everything = Shelf(ALL, ALL_NAME, await recent(None, self._site.headlines))
        shelves = [
            Shelf(paging.category(slug), name, await recent(slug, self._site.headlines))
            for slug, name in names.categories.items()
        ]
        sources = [Shelf(paging.source(s.id), s.name) for s in names.sources.values()]
        site = self._site
        body = render_index(site.title, site.base_url, everything, shelves, sources).encode()
        shown = [a for shelf in (everything, *shelves) for a in shelf.articles]
        return self._page(body, _newest(shown), frozenset({ALL.tag}))

    async def category_page(self, slug: str) -> Document | None:
        names = await self.names()
        if slug not in names.categories:
            return None
        ref = paging.category(slug)
        articles = await self._store.articles.recent(slug, self._site.page_articles)
        sources = {s.id: s.name for s in names.sources.values()}
        related = [Shelf(ALL, ALL_NAME)]
        shelf = Shelf(ref, names.categories[slug], articles)
        page = render_category(self._site.title, self._site.base_url, shelf, sources, related)
        return self._page(page.encode(), _newest(articles), frozenset({ref.tag}))

    def _page(self, body: bytes, newest: datetime, tags: frozenset[str]) -> Document:
        return Document(body, MEDIA_TYPES["html"], _digest(body), newest, self._site.max_age, tags)

    async def opml(self) -> Document:
        names = await self.names()
        base = self._site.base_url
        categories = [
            Outline(name, base + paging.category(slug).path("rss"), base + page_path(slug))
            for slug, name in names.categories.items()
        ]
        sources = [
            Outline(
                s.name,
                base + paging.source(s.id).path("rss"),
                self._describe(paging.source(s.id), names)[2],
            )
            for s in names.sources.values()
        ]
        everything = Outline(ALL_NAME, base + ALL.path("rss"), f"{base}/")
        body = render_opml(self._site.title, everything, categories, sources)
        # Depends on the configuration only: no tag, dropped when the whole cache is.
        return Document(
            body, MEDIA_TYPES["opml"], _digest(body), None, self._site.max_age, frozenset()
        )

    async def documents(self) -> AsyncIterator[tuple[str, Document]]:
        """Every document with its URL path: pages, OPML, every feed and archive page."""
        names = await self.names()
        yield "/", await self.index()
        for slug in names.categories:
            page = await self.category_page(slug)
            if page is not None:
                yield page_path(slug), page
        yield "/feeds.opml", await self.opml()
        for ref in names.refs():
            archive = await self._archive(ref)
            for page_number in [None, *range(1, archive.pages + 1)]:
                articles = await self._articles(ref, archive, page_number)
                for fmt in FORMATS:
                    document = self._render(ref, fmt, page_number, names, archive, articles)
                    yield ref.path(fmt, page_number), document


def _filters(ref: FeedRef) -> tuple[str | None, str | None]:
    """(category, source) arguments of the store's feed queries."""
    if ref.kind == paging.CATEGORY_KIND:
        return ref.key, None
    if ref.kind == paging.SOURCE_KIND:
        return None, ref.key
    return None, None

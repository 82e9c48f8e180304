"""Feed documents (pure): stored articles -> the exact values every format renders.

`FeedDoc` is what the catalog reads from the store (one document of one feed in one
format); `prepare` turns it into `Prepared`: plain-text titles and summaries, sanitized
content with absolute URLs, UTC dates without microseconds, the lead image as an enclosure.
The RSS, Atom and JSON Feed writers only lay `Prepared` out, so the three formats say the
same thing, and the ETag is a digest of `Prepared` (the entries' data, never a build time).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from posixpath import splitext
from urllib.parse import urlsplit

from feeds import sanitize
from syndicator.model import Article

LANGUAGE = "ar"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
GENERATOR = "syndicator"
RENDER_VERSION = "3"  # part of every ETag: bump it when the same data renders differently
IMAGE_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
}  # fmt: skip
DEFAULT_IMAGE_TYPE = "image/jpeg"  # what news sites serve when the URL does not say


@dataclass(frozen=True)
class Link:
    """A feed-level link besides self and alternate: hub, next, prev-archive, current..."""

    rel: str
    href: str


@dataclass(frozen=True)
class FeedDoc:
    """One document of one feed: its identity and links, and its articles, newest first."""

    slug: str
    title: str
    description: str
    self_url: str
    home_url: str
    articles: Sequence[Article]
    category_names: Mapping[str, str]
    source_names: Mapping[str, str] = field(default_factory=dict)
    links: Sequence[Link] = ()
    archive: bool = False  # a complete archive document (RFC 5005 `fh:archive`)
    feed_id: str = ""  # shared by a feed's live and archive documents; default self_url
    author: str = ""  # the feed's author (every Atom feed needs one); default the title
    category_scheme: str = ""  # URL prefix of the category pages, e.g. https://host/c/

    @property
    def updated(self) -> datetime:
        """The newest change of any article in the document (a fixed date when empty)."""
        return max((_updated(a) for a in self.articles), default=EPOCH)


@dataclass(frozen=True)
class Item:
    """One entry as every format renders it."""

    id: str
    url: str | None
    title: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    author: str
    image: str | None
    image_type: str
    categories: tuple[tuple[str, str], ...]  # (slug, Arabic label)


@dataclass(frozen=True)
class Prepared:
    """A document as every format renders it."""

    id: str
    title: str
    description: str
    self_url: str
    home_url: str
    author: str
    updated: datetime
    links: tuple[Link, ...]
    archive: bool
    category_scheme: str
    items: tuple[Item, ...]

    def link(self, rel: str) -> str | None:
        return next((link.href for link in self.links if link.rel == rel), None)


def prepare(doc: FeedDoc) -> Prepared:
    title = sanitize.plain(doc.title, sanitize.MAX_TITLE)
    return Prepared(
        id=sanitize.xml_safe(doc.feed_id or doc.self_url),
        title=title,
        description=sanitize.plain(doc.description) or title,
        self_url=sanitize.xml_safe(doc.self_url),
        home_url=sanitize.xml_safe(doc.home_url),
        author=sanitize.plain(doc.author) or title,
        updated=doc.updated,
        links=tuple(Link(link.rel, sanitize.xml_safe(link.href)) for link in doc.links),
        archive=doc.archive,
        category_scheme=sanitize.xml_safe(doc.category_scheme),
        items=tuple(_item(a, doc.category_names, doc.source_names) for a in doc.articles),
    )


def etag_of(prepared: Prepared, kind: str) -> str:
    """A strong ETag: equal data, equal bytes (the writers are deterministic)."""
    data = json.dumps(
        [RENDER_VERSION, kind, asdict(prepared)],
        ensure_ascii=False,
        sort_keys=True,
        default=lambda moment: moment.isoformat(),
    )
    return f'"{hashlib.sha256(data.encode()).hexdigest()[:32]}"'


def etag(doc: FeedDoc, kind: str) -> str:
    return etag_of(prepare(doc), kind)


def _utc(moment: datetime) -> datetime:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.replace(microsecond=0)


def _updated(article: Article) -> datetime:
    return max(_utc(article.updated), _utc(article.published))


def image_type(url: str) -> str:
    return IMAGE_TYPES.get(splitext(urlsplit(url).path)[1].lower(), DEFAULT_IMAGE_TYPE)


def _item(article: Article, names: Mapping[str, str], sources: Mapping[str, str]) -> Item:
    url = sanitize.http_url(article.url)
    identity = sanitize.xml_safe(article.url)
    summary = sanitize.plain(article.summary)
    title = (  # never empty: every format requires one (feedgen refuses an empty title)
        sanitize.plain(article.title, sanitize.MAX_TITLE)
        or sanitize.plain(summary, 120)
        or (url or identity)
    )
    content = sanitize.content_html(article.content_html, url or "")
    image = sanitize.http_url(article.image, url or "")
    return Item(
        id=identity,
        url=url,
        title=title,
        summary=summary or title,
        content_html=f'<div dir="rtl" lang="{LANGUAGE}">{content}</div>' if content else "",
        published=_utc(article.published),
        updated=_updated(article),
        author=sanitize.plain(article.author) or sanitize.plain(sources.get(article.source_id, "")),
        image=image,
        image_type=image_type(image) if image else "",
        categories=tuple(
            (sanitize.xml_safe(slug), sanitize.plain(names.get(slug, slug)) or slug)
            for slug in article.categories
        ),
    )

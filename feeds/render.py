"""Feed rendering (pure): a prepared document -> RSS 2.0 and Atom 1.0 bytes, written by feedgen.

feedgen lays out everything it supports: id, title, subtitle/description, language, links,
generator, author, `updated`/`lastBuildDate`, entries (added with `order="append"`, so they
stay newest first), `guid isPermaLink="false"`, `content:encoded`, the RSS enclosure,
categories, `dc:creator` (its `dc` extension). Every date is set from the data, never left
to feedgen's default of *now*, so the same data always gives the same bytes.

One small extension (`_FeedAdditions`, `_EntryAdditions`) adds what feedgen cannot say:
- its RSS writer keeps only the self `atom:link`: hub, next and the archive links are
  written here (and it makes the last link added the channel `<link>`: the page's address
  is added last);
- it has no `fh:archive` (RFC 5005) and declares the language on the feed only: every
  Atom entry gets `xml:lang` here;
- feedgen 1.0 drops rel and type from Atom entry links (lkiesow/python-feedgen#135): the
  entry's alternate and enclosure links are written here (RSS uses feedgen's own).
feedgen raises ValueError on characters XML forbids (`prepare` has removed them), on an
empty title, id or channel link, and on a link relation it does not know (the ones
`paging` uses, hub, next, prev-archive, next-archive and current, are known).

RSS: `content:encoded` (sanitized HTML), the summary as `description` (escaped: readers take
it as HTML), `guid isPermaLink="false"` (the article's address, which never changes), one
`enclosure` for the lead image (length 0: unknown, as the RSS Best Practices Profile
advises; type from the extension), categories by Arabic name, `dc:creator`, `atom:link`
self/hub/next/archives. Atom: `xml:lang="ar"` on the feed and on every entry, alternate and
enclosure links, an author for the feed and for every entry that has one, categories with
slug, label and scheme. Arabic is declared everywhere (RSS `<language>`, Atom and JSON
`language`): readers drop inline `dir`, so the declaration is the right-to-left signal
that survives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds import jsonfeed
from feeds.document import (
    EPOCH,
    GENERATOR,
    LANGUAGE,
    FeedDoc,
    Item,
    Link,
    Prepared,
    etag,
    etag_of,
    prepare,
)
from feeds.paging import MEDIA_TYPES

__all__ = [
    "EPOCH", "LANGUAGE", "FeedDoc", "Link", "Rendered", "etag", "render", "render_atom",
    "render_rss", "write_atom", "write_rss",
]  # fmt: skip

ATOM = "http://www.w3.org/2005/Atom"
FH = "http://purl.org/syndication/history/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_RELS = frozenset({"next", "prev-archive", "next-archive", "current"})
ADDITIONS = "additions"  # the name feedgen registers our extension under


@dataclass(frozen=True)
class Rendered:
    """A document's bytes, ETag and newest change (its Last-Modified)."""

    body: bytes
    etag: str
    updated: datetime


def render(doc: FeedDoc, fmt: str) -> Rendered:
    """`doc` in format `fmt` (rss, atom or json)."""
    prepared = prepare(doc)
    return Rendered(WRITERS[fmt](prepared), etag_of(prepared, fmt), prepared.updated)


def render_rss(doc: FeedDoc) -> bytes:
    return write_rss(prepare(doc))


def render_atom(doc: FeedDoc) -> bytes:
    return write_atom(prepare(doc))


class _FeedAdditions(BaseExtension):  # type: ignore[misc]
    """Feed-level elements feedgen lacks: RSS `atom:link`s besides self, `fh:archive`."""

    def __init__(self) -> None:
        self.rss_links: tuple[tuple[str, str, str | None], ...] = ()
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed.find("channel")
        for rel, href, media_type in self.rss_links:
            attributes = {"rel": rel, "href": href} | ({"type": media_type} if media_type else {})
            etree.SubElement(channel, f"{{{ATOM}}}link", attributes)
        self._archive(channel)
        return feed

    def extend_atom(self, feed: Any) -> Any:
        self._archive(feed)
        return feed

    def _archive(self, parent: Any) -> None:
        if self.archive:
            etree.SubElement(parent, f"{{{FH}}}archive")


class _EntryAdditions(BaseEntryExtension):  # type: ignore[misc]
    """Atom entry elements feedgen gets wrong or lacks: `xml:lang`, the links.

    feedgen 1.0 writes an entry's links with `href` only, dropping rel and type
    (lkiesow/python-feedgen#135), which would turn the enclosure into a second alternate
    link; so the Atom entry links are written here and never given to feedgen.
    """

    def __init__(self) -> None:
        self.atom_links: tuple[tuple[str, str, str], ...] = ()  # (rel, type, href)

    def extend_atom(self, entry: Any) -> Any:
        entry.set(XML_LANG, LANGUAGE)
        for rel, media_type, href in self.atom_links:
            etree.SubElement(entry, "link", {"rel": rel, "type": media_type, "href": href})
        return entry


def _links(prepared: Prepared, media_type: str) -> list[tuple[str, str, str | None]]:
    """(rel, href, type) of every feed-level link besides self and alternate."""
    return [
        (link.rel, link.href, media_type if link.rel in FEED_RELS else None)
        for link in prepared.links
    ]


def _generator(prepared: Prepared) -> Any:
    """A FeedGenerator with the feed-level values both formats share."""
    fg = FeedGenerator()
    fg.register_extension(ADDITIONS, _FeedAdditions, _EntryAdditions, atom=True, rss=True)
    getattr(fg, ADDITIONS).archive = prepared.archive
    fg.id(prepared.id)
    fg.title(prepared.title)
    fg.subtitle(prepared.description)  # also the RSS description
    fg.language(LANGUAGE)  # RSS <language>, Atom xml:lang on the feed
    fg.generator(GENERATOR)
    fg.updated(prepared.updated)  # atom:updated and lastBuildDate, from the data
    return fg


def _entry(fg: Any, item: Item) -> Any:
    """An entry with the values both formats share, added after the previous one."""
    entry = fg.add_entry(order="append")
    entry.guid(item.id, permalink=False)  # also the Atom id
    entry.title(item.title)
    entry.updated(item.updated)
    entry.published(item.published)  # also the RSS pubDate
    return entry


def write_rss(prepared: Prepared) -> bytes:
    media_type = MEDIA_TYPES["rss"]
    fg = _generator(prepared)
    fg.load_extension("dc", atom=False, rss=True)
    fg.link(href=prepared.self_url, rel="self", type=media_type)
    fg.link(href=prepared.home_url, rel="alternate")  # the last link is the channel <link>
    getattr(fg, ADDITIONS).rss_links = tuple(_links(prepared, media_type))
    for item in prepared.items:
        entry = _entry(fg, item)
        if item.url:
            entry.link(href=item.url, rel="alternate")
        entry.description(escape(item.summary, quote=False), isSummary=True)
        if item.content_html:
            entry.content(item.content_html)  # content:encoded
        if item.author:
            entry.dc.dc_creator(item.author)
        entry.category([{"term": label} for _, label in item.categories])
        if item.image:
            entry.enclosure(item.image, 0, item.image_type)
    return bytes(fg.rss_str(pretty=True))


def write_atom(prepared: Prepared) -> bytes:
    media_type = MEDIA_TYPES["atom"]
    fg = _generator(prepared)
    fg.author(name=prepared.author)
    fg.link(href=prepared.self_url, rel="self", type=media_type)
    fg.link(href=prepared.home_url, rel="alternate", type="text/html")
    for rel, href, link_type in _links(prepared, media_type):
        fg.link(href=href, rel=rel, type=link_type)
    scheme = prepared.category_scheme or None
    for item in prepared.items:
        entry = _entry(fg, item)
        if item.author:
            entry.author(name=item.author)
        links = [("alternate", "text/html", item.url)] if item.url else []
        if item.image:  # no length: the size is not known
            links.append(("enclosure", item.image_type, item.image))
        getattr(entry, ADDITIONS).atom_links = tuple(links)
        entry.category(
            [{"term": t, "label": label, "scheme": scheme} for t, label in item.categories]
        )
        entry.summary(item.summary, type="text")
        if item.content_html:
            entry.content(item.content_html, type="html")
        else:
            entry.content(item.summary, type="text")
    return bytes(fg.atom_str(pretty=True))


WRITERS = {"rss": write_rss, "atom": write_atom, "json": jsonfeed.write}

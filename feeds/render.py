"""Feed rendering (pure): a prepared document -> RSS 2.0 and Atom 1.0 bytes, written with lxml.

feedgen is not used for output: its RSS writer drops every `atom:link` but self (so no hub,
no `next`, no archive links) and it has no per-entry `xml:lang` or `fh:archive`. Writing
the elements directly also makes the bytes depend only on the data: no default "now" dates,
entries in the given order (newest first), the same data always the same bytes.

RSS: `content:encoded` (sanitized HTML), the summary as `description`, `guid
isPermaLink="false"` (the article's address, which never changes), one `enclosure` for the
lead image (length 0: unknown, as the RSS Best Practices Profile advises; type from the
extension), categories by Arabic name, `dc:creator`, `atom:link` self/hub/next/archives.
Atom: `xml:lang="ar"` on the feed and on every entry, alternate and enclosure links, an
author for the feed and for every entry that has one, categories with slug, label and scheme.
Arabic is declared everywhere (RSS `<language>`, Atom and JSON `language`): readers drop
inline `dir`, so the declaration is the right-to-left signal that survives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from typing import Any

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
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
FH = "http://purl.org/syndication/history/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_RELS = frozenset({"next", "prev-archive", "next-archive", "current"})


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


def _sub(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _serialize(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _links(prepared: Prepared, media_type: str) -> list[tuple[str, str, str | None]]:
    """(rel, href, type) of every feed-level link, self first."""
    found: list[tuple[str, str, str | None]] = [("self", prepared.self_url, media_type)]
    for link in prepared.links:
        found.append((link.rel, link.href, media_type if link.rel in FEED_RELS else None))
    return found


def write_rss(prepared: Prepared) -> bytes:
    nsmap = {"atom": ATOM, "content": CONTENT, "dc": DC, "fh": FH}
    root = etree.Element("rss", {"version": "2.0"}, nsmap=nsmap)
    channel = _sub(root, "channel")
    _sub(channel, "title", prepared.title)
    _sub(channel, "link", prepared.home_url)
    _sub(channel, "description", prepared.description)
    _sub(channel, "language", LANGUAGE)
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "lastBuildDate", format_datetime(prepared.updated))
    for rel, href, media_type in _links(prepared, MEDIA_TYPES["rss"]):
        attributes = {"rel": rel, "href": href} | ({"type": media_type} if media_type else {})
        _sub(channel, f"{{{ATOM}}}link", **attributes)
    if prepared.archive:
        _sub(channel, f"{{{FH}}}archive")
    for item in prepared.items:
        _rss_item(channel, item)
    return _serialize(root)


def _rss_item(channel: Any, item: Item) -> None:
    element = _sub(channel, "item")
    _sub(element, "title", item.title)
    if item.url:
        _sub(element, "link", item.url)
    _sub(element, "guid", item.id, isPermaLink="false")
    _sub(element, "description", escape(item.summary, quote=False))
    if item.content_html:
        _sub(element, f"{{{CONTENT}}}encoded", item.content_html)
    _sub(element, "pubDate", format_datetime(item.published))
    if item.author:
        _sub(element, f"{{{DC}}}creator", item.author)
    for _, label in item.categories:
        _sub(element, "category", label)
    if item.image:
        _sub(element, "enclosure", url=item.image, length="0", type=item.image_type)


def write_atom(prepared: Prepared) -> bytes:
    root = etree.Element(f"{{{ATOM}}}feed", {XML_LANG: LANGUAGE}, nsmap={None: ATOM, "fh": FH})
    _sub(root, "id", prepared.id)
    _sub(root, "title", prepared.title)
    _sub(root, "subtitle", prepared.description)
    _sub(root, "updated", prepared.updated.isoformat())
    _sub(_sub(root, "author"), "name", prepared.author)
    _sub(root, "generator", GENERATOR)
    for rel, href, media_type in _links(prepared, MEDIA_TYPES["atom"]):
        attributes = {"rel": rel, "href": href} | ({"type": media_type} if media_type else {})
        _sub(root, "link", **attributes)
        if rel == "self":
            _sub(root, "link", rel="alternate", type="text/html", href=prepared.home_url)
    if prepared.archive:
        _sub(root, f"{{{FH}}}archive")
    for item in prepared.items:
        _atom_entry(root, item, prepared.category_scheme)
    return _serialize(root)


def _atom_entry(root: Any, item: Item, scheme: str) -> None:
    entry = _sub(root, "entry", **{XML_LANG: LANGUAGE})
    _sub(entry, "id", item.id)
    _sub(entry, "title", item.title)
    _sub(entry, "updated", item.updated.isoformat())
    _sub(entry, "published", item.published.isoformat())
    if item.author:
        _sub(_sub(entry, "author"), "name", item.author)
    if item.url:
        _sub(entry, "link", rel="alternate", type="text/html", href=item.url)
    if item.image:
        _sub(entry, "link", rel="enclosure", type=item.image_type, href=item.image)
    for slug, label in item.categories:
        attributes = {"term": slug, "label": label} | ({"scheme": scheme} if scheme else {})
        _sub(entry, "category", **attributes)
    _sub(entry, "summary", item.summary, type="text")
    if item.content_html:
        _sub(entry, "content", item.content_html, type="html")
    else:
        _sub(entry, "content", item.summary, type="text")


WRITERS = {"rss": write_rss, "atom": write_atom, "json": jsonfeed.write}

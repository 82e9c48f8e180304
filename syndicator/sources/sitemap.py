"""Source kind `sitemap` (pure): XML sitemaps and Google News sitemaps -> candidate entries.

Sites without a usable feed almost always publish a sitemap, and news sites a Google News
sitemap (``news:title``, ``news:publication_date``, ``news:keywords``) listing the last two
days. A ``<urlset>`` gives entries; a ``<sitemapindex>`` gives child sitemap URLs, the ones
worth fetching first at the front (news sitemaps, then the most recently modified), for the
I/O in `syndicator.sources.read` to follow.

Bodies may be gzip-compressed (``.xml.gz``) whatever the headers say: the magic bytes decide,
and decompression stops at `max_bytes` (the protocol's own limit is 50 MB) so a gzip bomb is a
`ParseError`, not an exhausted process. lxml never resolves entities nor touches the network.
Elements are matched by local name, because real sitemaps get their namespaces wrong.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from syndicator import arabic, encoding
from syndicator.errors import ParseError
from syndicator.model import Entry, Source
from syndicator.sources.feed import parse_date

MAX_BYTES = 50_000_000
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_NEWS = re.compile(r"news(?![a-z])", re.IGNORECASE)
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9._-]*;)")
_KEYWORD_SPLIT = re.compile(r"[,،]")


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: entries of a ``<urlset>`` or children of a ``<sitemapindex>``."""

    entries: tuple[Entry, ...] = ()
    children: tuple[str, ...] = ()


def parse_sitemap(
    body: bytes, source: Source, url: str, content_type: str = "", max_bytes: int = MAX_BYTES
) -> Sitemap:
    """Entries (``<urlset>``) or child sitemaps (``<sitemapindex>``) of one sitemap body."""
    if body.startswith(_GZIP_MAGIC):
        body = gunzip(body, url, max_bytes)
    elif len(body) > max_bytes:
        raise ParseError(f"{url}: sitemap larger than {max_bytes} bytes")
    root = _root(body, url, content_type)
    kind = etree.QName(root).localname
    if kind == "urlset":
        return Sitemap(entries=tuple(_entries(root, source, url)))
    if kind == "sitemapindex":
        return Sitemap(children=_children(root, url))
    raise ParseError(f"{url}: not a sitemap: root element <{kind}>")


def gunzip(body: bytes, url: str, max_bytes: int = MAX_BYTES) -> bytes:
    """Decompress gzip (every member) without ever holding more than `max_bytes` of output.

    A truncated body yields what could be decompressed (the XML parser then recovers).
    """
    out = bytearray()
    data = body
    try:
        while data.startswith(_GZIP_MAGIC):
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            while data and not inflater.eof:
                # max_length >= 1 here: 0 would mean "no limit" to zlib
                out += inflater.decompress(data, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise ParseError(f"{url}: sitemap larger than {max_bytes} bytes uncompressed")
                data = inflater.unconsumed_tail
            data = inflater.unused_data
    except zlib.error as exc:
        raise ParseError(f"{url}: broken gzip sitemap: {exc}") from None
    return bytes(out)


def _root(body: bytes, url: str, content_type: str) -> etree._Element:
    data = encoding.to_utf8_xml(body, content_type)
    options = {"resolve_entities": False, "no_network": True, "huge_tree": False}
    try:
        return etree.fromstring(data, etree.XMLParser(**options))
    except etree.XMLSyntaxError as exc:
        # Unescaped `&` in URLs is the common fault: escape bare ones, then parse forgivingly.
        data = _BARE_AMPERSAND.sub(b"&amp;", data)
        try:
            recovered = etree.fromstring(data, etree.XMLParser(recover=True, **options))
        except etree.XMLSyntaxError:
            recovered = None
        if recovered is None:
            raise ParseError(f"{url}: not a readable sitemap: {exc}") from None
        return recovered


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(element).localname if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if _local(child) == name:
            return child
    return None


def _text(element: etree._Element | None, *path: str) -> str:
    for name in path:
        if element is None:
            return ""
        element = _child(element, name)
    return (element.text or "").strip() if element is not None else ""


def _absolute(url: str, loc: str) -> str | None:
    if not loc:
        return None
    absolute = urljoin(url, loc)
    return absolute if absolute.startswith(("http://", "https://")) else None


def _entries(root: etree._Element, source: Source, url: str) -> list[Entry]:
    entries: list[Entry] = []
    for node in root:
        if _local(node) != "url":
            continue
        loc = _absolute(url, _text(node, "loc"))
        if loc is None:
            continue
        news = _child(node, "news")
        lastmod = parse_date(_text(node, "lastmod"))
        image = _text(node, "image", "loc")
        keywords = _KEYWORD_SPLIT.split(_text(news, "keywords"))
        entries.append(
            Entry(
                source_id=source.id,
                guid=loc,
                url=loc,
                title=arabic.clean_line(_text(news, "title")),
                published=parse_date(_text(news, "publication_date")) or lastmod,
                updated=lastmod,
                image=_absolute(url, image) if image else None,
                category_names=tuple(
                    dict.fromkeys(k for k in (arabic.clean_line(k) for k in keywords) if k)
                ),
            )
        )
    return entries


def _children(root: etree._Element, url: str) -> tuple[str, ...]:
    """Child sitemap URLs: news sitemaps first, then newest lastmod, then document order."""
    found: dict[str, datetime | None] = {}
    for node in root:
        loc = _absolute(url, _text(node, "loc")) if _local(node) == "sitemap" else None
        if loc and loc not in found:
            found[loc] = parse_date(_text(node, "lastmod"))

    def key(item: tuple[int, tuple[str, datetime | None]]) -> tuple[bool, bool, float, int]:
        index, (loc, lastmod) = item
        parts = urlsplit(loc)
        news = bool(_NEWS.search(f"{parts.path}?{parts.query}"))
        stamp = lastmod.timestamp() if lastmod else 0.0
        return (not news, lastmod is None, -stamp, index)

    return tuple(loc for _, (loc, _) in sorted(enumerate(found.items()), key=key))

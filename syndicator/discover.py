"""Site discovery (pure): a home page and robots.txt -> what the site offers, and a config entry.

An operator adding a source gives a site's address; `syndicator.sources.probe` fetches the
home page and robots.txt, and this module reads them: feeds announced with ``<link
rel="alternate">``, the WordPress REST API root (``<link rel="https://api.w.org/">``), the
site's name, and the sitemaps robots.txt lists. `suggest` turns that into a ready-to-paste
``[[sources]]`` TOML entry, preferring the most complete and cheapest kind to poll: a main feed
(not a comments feed), then the WordPress API, then a news sitemap, then the HTML home page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

from syndicator import arabic
from syndicator.sources.html import document

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})
_NEWS = re.compile(r"news(?![a-z])", re.IGNORECASE)
_COMMENTS = re.compile(r"comments|تعليق", re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+[»«]\s+")
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_NAME_HINTS = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]/@title"
    " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' home ')]"
)
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}


@dataclass(frozen=True)
class FoundFeed:
    url: str
    title: str
    type: str  # the MIME type the page announced, e.g. "application/rss+xml"


@dataclass(frozen=True)
class Discovery:
    site_url: str
    site_name: str
    feeds: tuple[FoundFeed, ...] = ()
    wordpress_api: str | None = None
    sitemaps: tuple[str, ...] = ()


def discover_page(body: bytes, url: str, content_type: str = "") -> Discovery:
    """What a site's home page announces. Raises `ParseError` for an unreadable page."""
    root, base = document(body, url, content_type)
    feeds: dict[str, FoundFeed] = {}
    api: str | None = None
    sitemaps: list[str] = []
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        absolute = urldefrag(urljoin(base, href)).url if href else ""
        if not absolute.startswith(("http://", "https://")):
            continue
        mime = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rels and mime in FEED_TYPES and absolute not in feeds:
            title = arabic.clean_line(link.get("title") or "")
            feeds[absolute] = FoundFeed(url=absolute, title=title, type=mime)
        elif "https://api.w.org/" in rels and api is None:
            api = absolute
        elif "sitemap" in rels and absolute not in sitemaps:
            sitemaps.append(absolute)
    return Discovery(
        site_url=urldefrag(url).url,
        site_name=_site_name(root),
        feeds=tuple(feeds.values()),
        wordpress_api=api,
        sitemaps=tuple(sitemaps),
    )


def sitemaps_from_robots(text: str, base: str) -> tuple[str, ...]:
    """The ``Sitemap:`` URLs of a robots.txt (they apply to every user agent), each once."""
    found: list[str] = []
    for match in _SITEMAP_LINE.finditer(text):
        url = urldefrag(urljoin(base, match.group(1).split("#")[0])).url
        if url.startswith(("http://", "https://")) and url not in found:
            found.append(url)
    return tuple(found)


def with_robots(d: Discovery, robots_txt: str) -> Discovery:
    """`d` with the sitemaps robots.txt lists added after those the page announced."""
    extra = [url for url in sitemaps_from_robots(robots_txt, d.site_url) if url not in d.sitemaps]
    return dataclasses.replace(d, sitemaps=(*d.sitemaps, *extra))


def with_sitemaps(d: Discovery, urls: Iterable[str]) -> Discovery:
    """`d` with more sitemaps (e.g. the children of a sitemap index), each once."""
    extra = [url for url in dict.fromkeys(urls) if url not in d.sitemaps]
    return dataclasses.replace(d, sitemaps=(*d.sitemaps, *extra))


def news_sitemaps(d: Discovery) -> tuple[str, ...]:
    """The sitemaps that look like Google News sitemaps (``news`` in the path or query)."""
    return tuple(
        url for url in d.sitemaps if _NEWS.search(urlsplit(url)._replace(netloc="").geturl())
    )


def main_feeds(d: Discovery) -> tuple[FoundFeed, ...]:
    """The feeds that are not comments feeds, in the page's order."""
    return tuple(f for f in d.feeds if not _COMMENTS.search(f"{f.title} {urlsplit(f.url).path}"))


def best(d: Discovery) -> tuple[str, str]:
    """The best way found to poll the site: (kind, url) for a ``[[sources]]`` entry."""
    feeds = main_feeds(d)
    news = news_sitemaps(d)
    if feeds:
        return "feed", feeds[0].url
    if d.wordpress_api:
        return "wordpress", d.wordpress_api
    if news:
        return "sitemap", news[0]
    return "html", d.site_url


def site_name(d: Discovery) -> str:
    return d.site_name or urlsplit(d.site_url).hostname or d.site_url


def suggest(d: Discovery, *, source_id: str | None = None) -> str:
    """A ``[[sources]]`` TOML entry for the best way found to poll the site."""
    kind, url = best(d)
    notes = {
        "feed": [f"# {main_feeds(d)[0].type} announced by the home page" if main_feeds(d) else ""],
        "wordpress": ["# WordPress REST API (full text, images, categories and tags)"],
        "sitemap": ["# Google News sitemap (titles and dates; the text is extracted)"],
        "html": [
            "# No feed, API or news sitemap found: links are read from the page.",
            '# Set link_selector (CSS) to the article links, e.g. "h2.entry-title a".',
        ],
    }[kind]
    name = site_name(d)
    lines = [
        "[[sources]]",
        *notes,
        f"id = {_toml(source_id or slug(d.site_url))}",
        f"name = {_toml(name)}",
        f"url = {_toml(url)}",
        f"kind = {_toml(kind)}",
    ]
    if kind == "html":
        lines.append('# link_selector = "h2.entry-title a"')
    return "\n".join(lines) + "\n"


def slug(url: str) -> str:
    """A source id from a URL's host: ``https://www.sham-today.example/`` -> ``sham-today-example``.

    Internationalized hosts are spelled in ASCII (punycode) first.
    """
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", host).strip("-") or "source"


def _site_name(root: etree._Element) -> str:
    for xpath in (
        "string(//meta[@property='og:site_name']/@content)",
        "string(//meta[@name='application-name']/@content)",
    ):
        name = arabic.clean_line(str(root.xpath(xpath)))
        if name:
            return name
    title = arabic.clean_line(str(root.xpath("string(//title)")))
    parts = [part.strip() for part in _TITLE_SEPARATORS.split(title) if part.strip()]
    # «Latest news - Site» or «Site - Tagline»? The part that the feed links («Site » Feed»)
    # or the home link (the logo) also name is the site's; else the first, as on most sites.
    hints = [
        arabic.normalize(hint if isinstance(hint, str) else hint.text_content())
        for hint in root.xpath(_NAME_HINTS)
    ]
    for part in parts if len(parts) > 1 else ():
        if any(arabic.normalize(part) in hint for hint in hints):
            return part
    return parts[0] if parts else ""


def _toml(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in value:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'

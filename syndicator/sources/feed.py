"""Source kind `feed` (pure): RSS 0.9x/1.0/2.0 and Atom bytes -> candidate entries.

feedparser is only ever given bytes that httpx fetched: `feedparser.parse(url)` has no
timeout and would bypass our size cap and conditional GET. A feed that is slightly broken
(bozo) but still yields entries is accepted; one that yields nothing is a `ParseError`.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from syndicator.errors import ParseError
from syndicator.model import Entry, Source


def parse(body: bytes, source: Source, url: str) -> list[Entry]:
    """Entries of one feed document, in document order. `url` resolves relative links."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries:
        if parsed.get("version"):
            return []  # a valid feed with no items yet
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise ParseError(f"{url}: not a readable feed: {reason}")
    entries: list[Entry] = []
    for item in parsed.entries:
        link = urljoin(url, str(item.get("link") or ""))
        if not link.startswith(("http://", "https://")):
            continue
        entries.append(
            Entry(
                source_id=source.id,
                guid=str(item.get("id") or link),
                url=link,
                title=str(item.get("title") or ""),
                summary_html=str(item.get("summary") or ""),
                content_html=_content(item),
                author=str(item.get("author") or ""),
                published=_date(item.get("published_parsed")),
                # Asking feedparser for a missing `updated_parsed` warns (issue 310).
                updated=_date(item.get("updated_parsed") if "updated" in item else None),
                image=_image(item, url),
                category_names=tuple(
                    str(tag.get("term")) for tag in item.get("tags", []) if tag.get("term")
                ),
            )
        )
    return entries


def _content(item: Any) -> str:
    for content in item.get("content", []):
        if "html" in str(content.get("type", "")) or content.get("value"):
            return str(content.get("value") or "")
    return ""


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def _image(item: Any, base: str) -> str | None:
    """The lead image: an image enclosure, then media:content, then media:thumbnail."""
    for link in item.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return urljoin(base, str(link.get("href")))
    for key in ("media_content", "media_thumbnail"):
        for media in item.get(key, []):
            if media.get("url") and str(media.get("medium", "image")) == "image":
                return urljoin(base, str(media["url"]))
    return None

"""Source kind `feed` (pure): RSS 0.9x/1.0/2.0, Atom and JSON Feed bytes -> candidate entries.

feedparser is only ever given bytes that httpx fetched, wrapped in a file object: given a URL
it would fetch without a timeout, and given bare bytes it first tries to `open()` them as a
local path. The body is decoded by `syndicator.encoding` and handed over as UTF-8 with a
matching declaration, so feedparser never guesses the charset. External entities are never
resolved and entity declarations that reference other entities are dropped (feedparser keeps
only single-character entities), so XXE and "billion laughs" bodies cannot leak files or eat
memory. feedparser also keeps declarations whose value is plain text, which lets a 200 KB
"quadratic blowup" expand to gigabytes: every declaration but a character reference is removed
before it sees the document. A feed that is slightly broken (bozo) but still yields entries is
accepted; one that yields nothing is a `ParseError`. Items without a link are skipped, and so
are those whose link is not http(s) (`javascript:`, `data:`), with a note in the log; titles
are plain text (feedparser may hand them over as HTML), and control characters are dropped from
every text and HTML field: XML output (feedgen) and Telegram refuse them.

Dates that are impossible or implausible (before 1990, from 2100 on, year 0, garbage) become
None rather than an exception: `parse_date` and `plausible_date` are shared with the other
source kinds for that reason.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from syndicator import encoding
from syndicator.errors import ParseError
from syndicator.model import Entry, Source

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_JSON_FEED = "https://jsonfeed.org/version/"
_TTL = re.compile(rb"<ttl>\s*(\d{1,9})\s*</ttl>", re.IGNORECASE)
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_ROOT = re.compile(rb"<[A-Za-z]")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY\s[^>]*>")
_CHARACTER_ENTITY = re.compile(rb'<!ENTITY\s+\w+\s+"&#\w+;"\s*>')
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<!--.*?-->", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

log = logging.getLogger(__name__)


def parse(body: bytes, source: Source, url: str, content_type: str = "") -> list[Entry]:
    """Entries of one feed document, in document order. `url` resolves relative links."""
    if _is_json(body, content_type):
        return _parse_json_feed(body, source, url, content_type)
    data = _without_entity_declarations(encoding.to_utf8_xml(body, content_type))
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers={
            "content-location": url,
            "content-type": "application/xml; charset=utf-8",
        },
    )
    if not parsed.entries:
        if parsed.get("version"):
            return []  # a valid feed with no items yet
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise ParseError(f"{url}: not a readable feed: {reason}")
    entries: list[Entry] = []
    for item in parsed.entries:
        if not item.get("link"):
            continue  # urljoin would make it the feed's own URL (a truncated last item)
        link = urljoin(url, str(item["link"]))
        if not link.startswith(("http://", "https://")):
            _skipped(source, link)
            continue
        entries.append(
            Entry(
                source_id=source.id,
                guid=str(item.get("id") or link),
                url=link,
                title=_CONTROL.sub("", _title(item)),
                summary_html=_CONTROL.sub("", str(item.get("summary") or "")),
                content_html=_CONTROL.sub("", _content(item)),
                author=_CONTROL.sub("", str(item.get("author") or "")),
                published=_struct_date(item.get("published_parsed")),
                # Asking feedparser for a missing `updated_parsed` warns (issue 310).
                updated=_struct_date(item.get("updated_parsed") if "updated" in item else None),
                image=_image(item, url),
                category_names=tuple(
                    str(tag.get("term")) for tag in item.get("tags", []) if tag.get("term")
                ),
            )
        )
    return entries


def ttl(body: bytes) -> int | None:
    """The RSS channel's ``<ttl>`` in minutes (how long readers may cache it), if any."""
    match = _TTL.search(body)
    minutes = int(match.group(1)) if match else 0
    return minutes if minutes > 0 else None


def plausible_date(moment: datetime | None) -> datetime | None:
    """`moment` in UTC (naive means UTC), or None when it is before 1990 or from 2100 on."""
    if moment is None:
        return None
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # an offset pushing the moment past year 9999 or before year 1
        return None
    return moment if _EARLIEST <= moment < _LATEST else None


def parse_date(value: object) -> datetime | None:
    """An ISO 8601 / W3C (``2024``, ``2024-05``, full) or RFC 822 date, in UTC; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    partial = _PARTIAL_DATE.match(text)
    try:
        if partial:
            moment = datetime(int(partial.group(1)), int(partial.group(2) or 1), 1)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return plausible_date(moment)


def _struct_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in value[:6])
        return plausible_date(datetime(year, month, day, hour, minute, second, tzinfo=UTC))
    except (TypeError, ValueError, OverflowError):
        return None


def _without_entity_declarations(data: bytes) -> bytes:
    """The document with every entity declaration but `<!ENTITY name "&#NNN;">` removed
    (references to the removed ones stay unexpanded text: feedparser's loose parser)."""
    root = _ROOT.search(data)
    end = root.start() if root else len(data)
    prolog = _ENTITY_DECLARATION.sub(
        lambda m: m.group() if _CHARACTER_ENTITY.fullmatch(m.group()) else b"", data[:end]
    )
    return prolog + data[end:]


def _skipped(source: Source, link: str) -> None:
    """A per-source note: an item whose link is not a web address (`javascript:`, `data:`,
    `mailto:`) is dropped, never published as something readers could click."""
    log.info("source %s: item skipped, its link is not http(s): %.60r", source.id, link)


def _title(item: Any) -> str:
    """The title as plain text. feedparser hands an HTML title (`&lt;b&gt;` in RSS, Atom
    type="html") over as markup, and a "plain" one may still hold tags (`<script>`)."""
    title = str(item.get("title") or "")
    if "html" in str((item.get("title_detail") or {}).get("type", "")):
        return html.unescape(_TAG.sub("", _SCRIPT.sub("", title)))
    return _TAG.sub("", _SCRIPT.sub("", title)) if "<" in title else title


def _content(item: Any) -> str:
    for content in item.get("content", []):
        if "html" in str(content.get("type", "")) or content.get("value"):
            return str(content.get("value") or "")
    return ""


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


# JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1)


def _is_json(body: bytes, content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    if mime.endswith(("/json", "+json")):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _parse_json_feed(body: bytes, source: Source, url: str, content_type: str) -> list[Entry]:
    try:
        document = json.loads(encoding.decode(body, content_type))
    except ValueError as exc:
        raise ParseError(f"{url}: not a readable JSON Feed: {exc}") from None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(_JSON_FEED):
        raise ParseError(f"{url}: not a JSON Feed: no https://jsonfeed.org/version/ version")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError(f"{url}: JSON Feed without an items list")
    feed_author = _json_authors(document)
    entries: list[Entry] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        href = _text(item.get("url")) or _text(item.get("external_url"))
        link = urljoin(url, href) if href else ""
        if not link.startswith(("http://", "https://")):
            if link:
                _skipped(source, link)
            continue
        image = _text(item.get("image") or item.get("banner_image"))
        tags = item.get("tags")
        entries.append(
            Entry(
                source_id=source.id,
                guid=_text(item.get("id")) or link,
                url=link,
                title=_CONTROL.sub("", _text(item.get("title"))),
                summary_html=_CONTROL.sub("", html.escape(_text(item.get("summary")), quote=False)),
                content_html=_CONTROL.sub("", _text(item.get("content_html")) or _paragraphs(item)),
                author=_CONTROL.sub("", _json_authors(item) or feed_author),
                published=parse_date(item.get("date_published")),
                updated=parse_date(item.get("date_modified")),
                image=urljoin(url, image) if image else None,
                category_names=tuple(
                    tag.strip() for tag in tags if isinstance(tag, str) and tag.strip()
                )
                if isinstance(tags, list)
                else (),
            )
        )
    return entries


def _text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip() if isinstance(value, str | int) else ""


def _paragraphs(item: dict[str, Any]) -> str:
    """`content_text` as HTML: one escaped paragraph per block of lines."""
    text = _text(item.get("content_text")).replace("\r\n", "\n")
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text)]
    return "".join(f"<p>{html.escape(block, quote=False)}</p>" for block in blocks if block)


def _json_authors(document: dict[str, Any]) -> str:
    """Names of `authors` (1.1), else of `author` (1.0), joined with commas."""
    authors = document.get("authors")
    if not isinstance(authors, list):
        authors = [document.get("author")]
    names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(name for name in names if name)

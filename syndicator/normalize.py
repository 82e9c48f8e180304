"""Normalization stage (pure): one canonical form per article.

Canonical URLs make the same article found through two feeds (or with tracking parameters)
compare equal; dates become timezone-aware UTC so feeds and messages never shift; text is
cleaned for publishing and hashed in its normalized form for duplicate detection. Titles and
author names are plain text, without markup and cut to `MAX_TITLE`; a lead image is kept only
when it is an http(s) address. (Each output escapes and sanitizes again with its own rules.)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from syndicator import arabic
from syndicator.model import Article, Entry

_TRACKING_PREFIXES = ("utm_", "mc_", "_hs")
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "yclid", "igshid", "ref_src", "amp"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class Body:
    """The article's full text and HTML, from the feed entry or from its extracted page."""

    text: str
    html: str
    image: str | None = None
    author: str = ""


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, no default port, fragment or tracking parameters.

    Percent-encoding is made uniform, so an Arabic slug written raw in one feed and encoded
    in another yields the same URL.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    # An encoded slash is data, not a separator: keep it encoded, normalize the rest.
    segments = re.split("%2f", parts.path, flags=re.IGNORECASE)
    path = "%2F".join(quote(unquote(s), safe=_PATH_SAFE) for s in segments) or "/"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(_TRACKING_PREFIXES) and key.lower() not in _TRACKING_PARAMS
    ]
    return urlunsplit((scheme, host, path, urlencode(query, quote_via=quote), ""))


_MIRROR_HOST = re.compile(r"^(?:www\d*|amp|m|mobile)\.")
_AMP_SUFFIX = re.compile(r"/amp/?$")
_AMP_PREFIX = re.compile(r"^/amp(?=/)")


def identity_url(url: str) -> str:
    """The key that every link to one article shares, for deduplication only.

    On top of `canonical_url`: http and https are one, `www.`/`m.`/`amp.` hosts are the
    main host, AMP paths (`/amp/`, `.../amp`) are the article itself, and a trailing slash
    does not matter. Never shown to readers: a site may not answer on the folded host.
    """
    parts = urlsplit(canonical_url(url))
    host = _MIRROR_HOST.sub("", parts.netloc)
    path = _AMP_PREFIX.sub("", _AMP_SUFFIX.sub("/", parts.path)).rstrip("/") or "/"
    return urlunsplit(("https", host, path, parts.query, ""))


def is_shortlink(url: str) -> bool:
    """A WordPress shortlink (``/?p=123``): the article is known only after a redirect."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and re.fullmatch(r"p=\d+", parts.query) is not None


# Characters of a title: a runaway one (100,000 characters of theme junk or an attack) is cut
# at a word boundary. Feed readers lay a title out on one line and some refuse huge ones;
# Telegram shows at most 512 of them (bot.format.TITLE_LIMIT) in a 4096-unit message.
MAX_TITLE = 1000
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_MARKUP = re.compile(r"<!--.*?(?:-->|$)|</?[A-Za-z!?][^<>]*(?:>|$)", re.DOTALL)


def _capped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def plain_line(text: str) -> str:
    """A title or a name as plain text: markup removed (a script or style with its content),
    not shown. Source kinds already decode what their format escapes, but a feed that escapes
    twice leaves `<script>` in the decoded text; some feed readers take an RSS title for HTML,
    so a tag kept as text there would become markup again. A `<` that starts no tag stays."""
    if "<" in text:
        text = _MARKUP.sub(" ", _SCRIPT.sub(" ", text))
    return arabic.clean_line(text)


def as_utc(moment: datetime | None, fallback: datetime) -> datetime:
    """Aware UTC datetime; naive values are taken as UTC, missing ones as `fallback`."""
    if moment is None:
        moment = fallback
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def content_hash(title: str, text: str) -> str:
    """Hash of the normalized title and text: equal for the same story copied verbatim."""
    words = arabic.words(title) + arabic.words(text)
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def normalize_entry(entry: Entry, body: Body, now: datetime) -> Article:
    """An `Article` with clean text, canonical URL and UTC dates; no categories or summary yet.

    An entry without a publication date gets `now`, the moment it was first seen, so that it
    still sorts sensibly; a future date (wrong server clocks) is clamped to `now`.
    """
    published = min(as_utc(entry.published or entry.updated, now), as_utc(now, now))
    updated = max(as_utc(entry.updated, published), published)
    title = _capped(plain_line(entry.title), MAX_TITLE)
    text = arabic.clean(body.text)
    return Article(
        source_id=entry.source_id,
        guid=entry.guid.strip() or canonical_url(entry.url),
        url=canonical_url(entry.url),
        title=title,
        text=text,
        content_html=body.html,
        summary="",
        published=published,
        updated=min(updated, as_utc(now, now)),
        content_hash=content_hash(title, text),
        author=plain_line(entry.author or body.author),
        image=_web_image(entry.url, entry.image, body.image),
    )


def _web_image(base: str, *candidates: str | None) -> str | None:
    """The first candidate that is an http(s) URL (made absolute against the article's):
    a lead image that is `javascript:` or `data:` is no image."""
    for candidate in candidates:
        try:
            url = urljoin(base, candidate.strip()) if candidate else ""
            parts = urlsplit(url)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            continue
        if parts.scheme in ("http", "https") and parts.netloc:
            return url
    return None

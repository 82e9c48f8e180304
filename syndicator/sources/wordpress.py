"""Source kind `wordpress` (pure): WordPress REST API URLs and post JSON -> candidate entries.

Most Arabic news sites run WordPress, and its REST API gives what feeds leave out: the full
content, the featured image, every category and tag, and modification times, so edits are
seen and a poll can ask only for what changed since the last one (`modified_after`, WP 5.7+).
The I/O that fetches and paginates lives in `syndicator.sources.read`; this module only builds
URLs and reads bodies. Dates are taken from the `*_gmt` fields (UTC) and fall back to the local
ones read as UTC; titles and term names arrive HTML-escaped and are unescaped here.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from syndicator import arabic, encoding
from syndicator.errors import ParseError
from syndicator.model import Entry, Source
from syndicator.sources.feed import parse_date

# Only what the parser reads (WP 5.4+); older versions ignore the list and embed everything.
EMBED = "author,wp:featuredmedia,wp:term"
_TAG = re.compile(r"<[^>]*>")


def api_root(site_url: str) -> str:
    """The REST API root of a site: ``https://example.com/news/`` -> ``.../news/wp-json/``.

    A URL that already is an API root (``…/wp-json/``, or ``?rest_route=/`` on sites
    without pretty permalinks) is returned as it is, with a trailing slash.
    """
    parts = urlsplit(site_url.strip())
    if any(key == "rest_route" for key, _ in parse_qsl(parts.query)):
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    marker = path.find("/wp-json/")
    path = path[: marker + len("/wp-json/")] if marker >= 0 else path + "wp-json/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def posts_url(
    api_root: str, *, page: int = 1, per_page: int = 50, modified_after: datetime | None = None
) -> str:
    """``wp/v2/posts`` with embeds, newest modification first; naive `modified_after` is UTC."""
    params = [
        ("_embed", EMBED),
        ("orderby", "modified"),
        ("order", "desc"),
        ("per_page", str(per_page)),
        ("page", str(page)),
    ]
    if modified_after is not None:
        moment = (
            modified_after.replace(tzinfo=UTC)
            if modified_after.tzinfo is None
            else modified_after.astimezone(UTC)
        )
        params.append(("modified_after", moment.strftime("%Y-%m-%dT%H:%M:%SZ")))
    parts = urlsplit(api_root)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "rest_route" for key, _ in query):
        route = next(value for key, value in query if key == "rest_route").rstrip("/")
        query = [(k, v) for k, v in query if k != "rest_route"]
        query = [("rest_route", f"{route}/wp/v2/posts"), *query, *params]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, _encode(query), ""))
    base = api_root if api_root.endswith("/") else api_root + "/"
    return urljoin(base, "wp/v2/posts") + "?" + _encode(params)


def total_pages(headers: Mapping[str, str]) -> int:
    """``X-WP-TotalPages`` (any case); 1 when missing or unreadable, 0 when there are no posts."""
    for key, value in headers.items():
        if key.lower() == "x-wp-totalpages":
            try:
                return max(int(value.strip()), 0)
            except ValueError:
                return 1
    return 1


def parse_posts(body: bytes, source: Source, url: str) -> list[Entry]:
    """Entries of one page of ``wp/v2/posts`` JSON, in the API's order."""
    try:
        posts = json.loads(encoding.decode(body, "application/json"))
    except ValueError as exc:
        raise ParseError(f"{url}: not WordPress JSON: {exc}") from None
    if isinstance(posts, dict) and "code" in posts:
        message = html.unescape(_TAG.sub("", str(posts.get("message") or "")))
        raise ParseError(f"{url}: WordPress error {posts['code']}: {message}")
    if not isinstance(posts, list):
        raise ParseError(f"{url}: WordPress posts must be a JSON list, got {type(posts).__name__}")
    entries: list[Entry] = []
    for post in posts:
        if not isinstance(post, dict):
            continue
        link = _str(post.get("link"))
        if not link.startswith(("http://", "https://")):
            continue
        embedded = post.get("_embedded")
        embedded = embedded if isinstance(embedded, dict) else {}
        protected = _field(post, "content", "protected") is True
        entries.append(
            Entry(
                source_id=source.id,
                guid=html.unescape(_str(_field(post, "guid", "rendered"))) or link,
                url=link,
                title=_plain(_field(post, "title", "rendered")),
                summary_html="" if protected else _str(_field(post, "excerpt", "rendered")),
                content_html="" if protected else _str(_field(post, "content", "rendered")),
                author=_plain(_first(embedded, "author").get("name")),
                published=_date(post, "date"),
                updated=_date(post, "modified"),
                image=_image(post, embedded),
                category_names=_terms(embedded),
            )
        )
    return entries


def _encode(params: list[tuple[str, str]]) -> str:
    return urlencode(params, safe=",:/")


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _plain(value: object) -> str:
    """Rendered HTML as one line of text: tags stripped, entities (``&#8220;``) decoded."""
    return arabic.clean_line(html.unescape(_TAG.sub("", _str(value))))


def _field(post: Mapping[str, Any], name: str, key: str) -> object:
    value = post.get(name)
    return value.get(key) if isinstance(value, dict) else None


def _first(embedded: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The first embedded object under `key`; an error object (no permission) counts as none."""
    values = embedded.get(key)
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return {} if "code" in values[0] else values[0]
    return {}


def _date(post: Mapping[str, Any], name: str) -> datetime | None:
    """`name`_gmt as UTC, else `name` (the site's local time) read as UTC."""
    moment = parse_date(post.get(f"{name}_gmt"))
    return moment or parse_date(post.get(name))


def _image(post: Mapping[str, Any], embedded: Mapping[str, Any]) -> str | None:
    """The featured image, else Jetpack's or Yoast's copy of it."""
    media = _str(_first(embedded, "wp:featuredmedia").get("source_url"))
    if not media:
        media = _str(post.get("jetpack_featured_media_url"))
    if not media:
        yoast = post.get("yoast_head_json")
        images = yoast.get("og_image") if isinstance(yoast, dict) else None
        if isinstance(images, list) and images and isinstance(images[0], dict):
            media = _str(images[0].get("url"))
    return media or None


def _terms(embedded: Mapping[str, Any]) -> tuple[str, ...]:
    """Category names, then tag names, unescaped, each once, in the API's order."""
    groups = embedded.get("wp:term")
    terms = [
        term
        for group in (groups if isinstance(groups, list) else [])
        if isinstance(group, list)
        for term in group
        if isinstance(term, dict)
    ]
    names: list[str] = []
    for taxonomy in ("category", "post_tag"):
        for term in terms:
            name = _plain(term.get("name"))
            if term.get("taxonomy") == taxonomy and name and name not in names:
                names.append(name)
    return tuple(names)

"""The WordPress REST API (`/wp-json/`, namespace wp/v2) of the sample site, as WordPress 6
answers it.

Many Arabic news sites run WordPress, and its API gives a collector what feeds do not: the full
content of every post, the modified time of corrected posts, term and author names, and paging
far beyond the feed's last 10 or 20 items. The collector must read it as it really is: JSON with
`\\/` and `\\uXXXX` escapes, titles "texturized" into entities like `&#8220;`, `_embed`ded
authors, media and terms, `X-WP-Total`/`X-WP-TotalPages` and `Link: rel="next"` headers, and a
400 `rest_post_invalid_page_number` past the last page. Pure functions of a `View`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from syndicator.demo.content import (
    CATEGORIES,
    CATEGORY_IDS,
    SITE_DESCRIPTION,
    PublishedArticle,
    View,
)
from syndicator.demo.wire import Response

NAMESPACES = ("oembed/1.0", "wp/v2", "wp-site-health/v1")
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
EXCERPT_WORDS = 55  # WordPress's excerpt_length
MEDIA_ID_OFFSET = 100_000  # attachment ids: post id + offset, so they never collide with posts
_ORDERBY = ("date", "modified", "id", "title", "slug")
_ROUTES = ("/wp/v2/posts", "/wp/v2/posts/(?P<id>[\\d]+)", "/wp/v2/categories", "/wp/v2/tags")


class _BadParam(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name)
        self.name, self.reason = name, reason


def respond(view: View, route: str, query: Mapping[str, Sequence[str]]) -> Response:
    """Answer `route` (the path after `/wp-json`, e.g. ``/wp/v2/posts``)."""
    route = "/" + route.strip("/")
    try:
        if route == "/":
            return _json(_index(view))
        if route == "/wp/v2":
            return _json({"namespace": "wp/v2", "routes": _routes(view)})
        if route == "/wp/v2/posts":
            return _posts(view, query)
        if m := re.fullmatch(r"/wp/v2/posts/(\d+)", route):
            for item in view.items:
                if item.article.post_id == int(m.group(1)):
                    return _json(_post(view, item, embed="_embed" in query))
            return _error(404, "rest_post_invalid_id", "Invalid post ID.")
        if route == "/wp/v2/categories":
            return _terms(view, query, _categories(view))
        if route == "/wp/v2/tags":
            return _terms(view, query, _tags(view))
    except _BadParam as bad:
        return _error(
            400, "rest_invalid_param", f"Invalid parameter(s): {bad.name}", {bad.name: bad.reason}
        )
    return _error(404, "rest_no_route", "No route was found matching the URL and request method.")


def texturize(text: str) -> str:
    """What `wptexturize` and escaping make of a title: curly-quote and dash entities."""
    text = text.replace("&", "&#038;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("...", "&#8230;").replace(" -- ", " &#8212; ").replace(" - ", " &#8211; ")
    text = re.sub(r'(^|(?<=[\s(\[{]))"', "&#8220;", text)
    text = re.sub(r"(^|(?<=[\s(\[{]))'", "&#8216;", text)
    return text.replace('"', "&#8221;").replace("'", "&#8217;")


def tag_slug(name: str) -> str:
    """`sanitize_title` of an Arabic tag: hyphens for spaces, lower-case percent-encoded UTF-8."""
    return quote("-".join(name.lower().split()), safe="-").lower()


# -- documents ---------------------------------------------------------------------------------


def _json(data: object, status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> Response:
    # WordPress's wp_json_encode: ASCII with \uXXXX escapes, and slashes escaped as \/.
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")
    return Response(
        status,
        text.encode("ascii"),
        "application/json; charset=UTF-8",
        (
            ("X-Robots-Tag", "noindex"),
            ("X-Content-Type-Options", "nosniff"),
            ("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
            *headers,
        ),
        compressible=True,
    )


def _error(
    status: int, code: str, message: str, params: Mapping[str, str] | None = None
) -> Response:
    data: dict[str, Any] = {"status": status}
    if params:
        data["params"] = dict(params)
    return _json({"code": code, "message": message, "data": data}, status)


def _index(view: View) -> dict[str, Any]:
    return {
        "name": view.name,
        "description": SITE_DESCRIPTION,
        "url": view.url,
        "home": view.url,
        "gmt_offset": "0",
        "timezone_string": "UTC",
        "namespaces": list(NAMESPACES),
        "authentication": [],
        "routes": _routes(view),
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }


def _routes(view: View) -> dict[str, Any]:
    routes: dict[str, Any] = {}
    for route in _ROUTES:
        routes[route] = {"namespace": "wp/v2", "methods": ["GET"]}
        if "(" not in route:
            routes[route]["_links"] = {"self": [{"href": f"{view.url}/wp-json{route}"}]}
    return routes


def _wp_date(when: datetime) -> str:
    """WordPress dates: no offset; `date` is site time, which is UTC here, like `date_gmt`."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _post(view: View, item: PublishedArticle, *, embed: bool) -> dict[str, Any]:
    a, site = item.article, view.url
    author = view.author_ids[a.author]
    media = MEDIA_ID_OFFSET + a.post_id if a.image else 0
    words = " ".join(a.paragraphs).split()
    more = " [&hellip;]" if len(words) > EXCERPT_WORDS else ""
    post: dict[str, Any] = {
        "id": a.post_id,
        "date": _wp_date(item.published),
        "date_gmt": _wp_date(item.published),
        "guid": {"rendered": escape(item.guid)},
        "modified": _wp_date(item.last_modified),
        "modified_gmt": _wp_date(item.last_modified),
        "slug": a.slug,
        "status": "publish",
        "type": "post",
        "link": item.url,
        "title": {"rendered": texturize(a.title)},
        "content": {
            "rendered": "".join(f"<p>{texturize(p)}</p>\n" for p in a.paragraphs),
            "protected": False,
        },
        "excerpt": {
            "rendered": f"<p>{texturize(' '.join(words[:EXCERPT_WORDS]))}{more}</p>\n",
            "protected": False,
        },
        "author": author,
        "featured_media": media,
        "comment_status": "open",
        "ping_status": "open",
        "sticky": False,
        "template": "",
        "format": "standard",
        "meta": [],
        "categories": [CATEGORY_IDS[a.category]],
        "tags": [view.tag_ids[t] for t in a.tags],
        "_links": {
            "self": [{"href": f"{site}/wp-json/wp/v2/posts/{a.post_id}"}],
            "collection": [{"href": f"{site}/wp-json/wp/v2/posts"}],
            "author": [{"embeddable": True, "href": f"{site}/wp-json/wp/v2/users/{author}"}],
        },
    }
    if embed:
        embedded: dict[str, Any] = {
            "author": [
                {
                    "id": author,
                    "name": a.author,
                    "url": "",
                    "description": "",
                    "link": f"{site}/author/author-{author}/",
                    "slug": f"author-{author}",
                }
            ]
        }
        if a.image:
            embedded["wp:featuredmedia"] = [
                {
                    "id": media,
                    "date": _wp_date(item.published),
                    "slug": a.image.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                    "type": "attachment",
                    "link": f"{item.url}{a.image.rsplit('/', 1)[-1].rsplit('.', 1)[0]}/",
                    "title": {"rendered": texturize(a.title)},
                    "author": author,
                    "caption": {"rendered": ""},
                    "alt_text": a.title,
                    "media_type": "image",
                    "mime_type": "image/jpeg",
                    "media_details": {"width": 8, "height": 8},
                    "source_url": f"{site}{a.image}",
                }
            ]
        category = next(c for c in _categories(view) if c["slug"] == a.category)
        tags = {t["name"]: t for t in _tags(view)}
        embedded["wp:term"] = [[_term(category)], [_term(tags[t]) for t in a.tags]]
        post["_embedded"] = embedded
    return post


def _term(term: Mapping[str, Any]) -> dict[str, Any]:
    return {key: term[key] for key in ("id", "link", "name", "slug", "taxonomy")}


def _categories(view: View) -> list[dict[str, Any]]:
    return [
        {
            "id": CATEGORY_IDS[slug],
            "count": len(view.in_category(slug)),
            "description": "",
            "link": f"{view.url}/category/{slug}/",
            "name": name,
            "slug": slug,
            "taxonomy": "category",
            "parent": 0,
            "meta": [],
        }
        for slug, name in CATEGORIES.items()
    ]


def _tags(view: View) -> list[dict[str, Any]]:
    return [
        {
            "id": tag_id,
            "count": sum(name in i.article.tags for i in view.items),
            "description": "",
            "link": f"{view.url}/tag/{tag_slug(name)}/",
            "name": name,
            "slug": tag_slug(name),
            "taxonomy": "post_tag",
            "meta": [],
        }
        for name, tag_id in view.tag_ids.items()
    ]


# -- collections -------------------------------------------------------------------------------


def _posts(view: View, query: Mapping[str, Sequence[str]]) -> Response:
    per_page = _int(query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    page = _int(query, "page", 1, None)
    orderby = _choice(query, "orderby", _ORDERBY)
    order = _choice(query, "order", ("desc", "asc"))
    items = list(view.items)
    rank = {i.article.post_id: len(items) - n for n, i in enumerate(items)}  # newer = higher
    for name, field, newer in (
        ("after", "published", True),
        ("before", "published", False),
        ("modified_after", "last_modified", True),
        ("modified_before", "last_modified", False),
    ):
        bound = _date(query, name)
        if bound is not None:
            items = [i for i in items if _beyond(getattr(i, field), bound, after=newer)]
    if "categories" in query:
        wanted = _ids(query, "categories")
        items = [i for i in items if CATEGORY_IDS[i.article.category] in wanted]
    keys: dict[str, Callable[[PublishedArticle], Any]] = {
        "date": lambda i: (i.published, rank[i.article.post_id]),
        "modified": lambda i: (i.last_modified, rank[i.article.post_id]),
        "id": lambda i: i.article.post_id,
        "title": lambda i: i.article.title,
        "slug": lambda i: i.article.slug,
    }
    items.sort(key=keys[orderby], reverse=order == "desc")
    total, pages = len(items), math.ceil(len(items) / per_page)
    if page > pages and total > 0:
        return _error(
            400,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        )
    chunk = items[(page - 1) * per_page : page * per_page]
    embed = "_embed" in query
    headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    links = []
    if page > 1:
        links.append(f'<{_page_url(view, "posts", query, page - 1)}>; rel="prev"')
    if page < pages:
        links.append(f'<{_page_url(view, "posts", query, page + 1)}>; rel="next"')
    if links:
        headers.append(("Link", ", ".join(links)))
    return _json([_post(view, i, embed=embed) for i in chunk], headers=headers)


def _terms(view: View, query: Mapping[str, Sequence[str]], terms: list[dict[str, Any]]) -> Response:
    per_page = _int(query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    page = _int(query, "page", 1, None)
    total, pages = len(terms), math.ceil(len(terms) / per_page)
    headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    return _json(terms[(page - 1) * per_page : page * per_page], headers=headers)


def _page_url(view: View, route: str, query: Mapping[str, Sequence[str]], page: int) -> str:
    params = [(k, v) for k, values in query.items() if k != "page" for v in values]
    return f"{view.url}/wp-json/wp/v2/{route}?{urlencode([*params, ('page', str(page))])}"


# -- parameters ----------------------------------------------------------------------------------


def _int(query: Mapping[str, Sequence[str]], name: str, default: int, high: int | None) -> int:
    if name not in query:
        return default
    try:
        value = int(query[name][-1])
    except ValueError:
        raise _BadParam(name, f"{name} is not of type integer.") from None
    if value < 1 or (high is not None and value > high):
        upper = f" and {high} (inclusive)" if high is not None else ""
        raise _BadParam(name, f"{name} must be between 1 (inclusive){upper}.")
    return value


def _choice(query: Mapping[str, Sequence[str]], name: str, allowed: Sequence[str]) -> str:
    value = query[name][-1] if name in query else allowed[0]
    if value not in allowed:
        raise _BadParam(name, f"{name} is not one of {', '.join(allowed)}.")
    return value


def _date(query: Mapping[str, Sequence[str]], name: str) -> datetime | None:
    if name not in query:
        return None
    try:
        value = datetime.fromisoformat(query[name][-1])
    except ValueError:
        raise _BadParam(name, "Invalid date.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # site time is UTC


def _beyond(when: datetime, bound: datetime, *, after: bool) -> bool:
    """WordPress's date queries are exclusive: `after` is strictly later, `before` earlier."""
    return when > bound if after else when < bound


def _ids(query: Mapping[str, Sequence[str]], name: str) -> set[int]:
    try:
        return {int(part) for value in query[name] for part in value.split(",") if part}
    except ValueError:
        raise _BadParam(name, f"{name}[0] is not of type integer.") from None

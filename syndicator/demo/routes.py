"""The URL layout of the sample site: which path is which document (pure, given a `View`).

One place answers "what does this site serve at this URL", so the layout reads as a table and
the server class stays about lifecycle and state. Every option that removes something (no
feeds, no REST API, no news sitemap) turns the path into the theme's 404 page, as WordPress
with that feature off would.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from syndicator.demo import feeds, pages, wordpress
from syndicator.demo.content import CATEGORIES, JPEG, MONTHS, PublishedArticle, View
from syndicator.demo.wire import Response

HOME_HEADING = "آخر الأخبار"


def respond(view: View, target: str, disallowed: Sequence[str]) -> Response:
    """The answer to GET `target` (path with query); `disallowed` feeds robots.txt."""
    parts = urlsplit(target)
    path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
    site = view.url
    if path == "/":
        if view.api and "rest_route" in query:  # the API without pretty permalinks
            route = query.pop("rest_route")[-1]
            return wordpress.respond(view, route, query)
        post_id = query.get("p", [""])[0]
        if not post_id:
            return _page(view, pages.home_page(view, HOME_HEADING, view.items))
        for item in view.items:
            if str(item.article.post_id) == post_id:
                return Response(301, content_type=None, headers=(("Location", item.url),))
    elif path == "/feed/":
        if view.feeds:
            return feeds.feed(view, None, view.items)
    elif m := re.fullmatch(r"/category/([^/]+)/(feed/)?", path):
        slug = m.group(1)
        if slug in CATEGORIES:
            chosen = view.in_category(slug)
            if not m.group(2):
                return _page(view, pages.home_page(view, CATEGORIES[slug], chosen))
            if view.feeds:
                return feeds.feed(view, slug, chosen)
    elif m := re.fullmatch(r"/(\d{4})/(\d{2})/", path):  # month archive: not an article
        year, month = int(m.group(1)), int(m.group(2))
        chosen = [i for i in view.items if (i.published.year, i.published.month) == (year, month)]
        if chosen:
            heading = f"أرشيف {MONTHS[month - 1]} {year}"
            return _page(view, pages.home_page(view, heading, chosen))
    elif re.fullmatch(r"/\d{4}/\d{2}/\d{2}/[^/]+/", path):
        for item in view.items:
            if item.url == site + path:
                return _page(view, pages.article_page(view, item), item)
    elif path.startswith("/wp-content/uploads/") and path.endswith((".jpg", ".jpeg")):
        return Response(200, JPEG, "image/jpeg")
    elif path == "/robots.txt":
        return feeds.robots(view, disallowed)
    elif path == "/sitemap.xml":
        return feeds.sitemap(view)
    elif path == "/news-sitemap.xml" and view.news_sitemap:
        return feeds.news_sitemap(view)
    elif path == "/post-sitemap.xml" and view.news_sitemap:
        return feeds.post_sitemap(view)
    elif view.api and (path == "/wp-json" or path.startswith("/wp-json/")):
        return wordpress.respond(view, path.removeprefix("/wp-json"), query)
    elif path in pages.STATIC_PAGES:
        return _page(view, pages.static_page(view, path))
    return _page(view, pages.not_found_page(view), status=404)


def _page(
    view: View, html: str, item: PublishedArticle | None = None, status: int = 200
) -> Response:
    headers: list[tuple[str, str]] = []
    if view.api:  # WordPress announces its API on every page, and each post's JSON on its page
        headers.append(("Link", f'<{view.url}/wp-json/>; rel="https://api.w.org/"'))
        if item is not None:
            json_url = f"{view.url}/wp-json/wp/v2/posts/{item.article.post_id}"
            headers.append(("Link", f'<{json_url}>; rel="alternate"; type="application/json"'))
    body = view.charset.encode_html(html)
    content_type = view.charset.content_type("text/html")
    return Response(status, body, content_type, tuple(headers), compressible=True)

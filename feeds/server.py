"""Feed server (I/O edge): Starlette routes over the store.

    GET /                    index page with autodiscovery links
    GET /feeds/{slug}.rss    RSS 2.0 of one category (`all` = every category)
    GET /feeds/{slug}.atom   Atom 1.0 of the same

Responses carry an ETag computed from the entries' data and Last-Modified from the newest
change, and answer 304 to a matching conditional request, so polling readers cost little.
Nothing here writes to the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from feeds.index import ALL, Shelf, render_index, shelves
from feeds.render import FeedDoc, etag, render_atom, render_rss
from syndicator.store import Store

INDEX_HEADLINES = 5
RENDERERS = {
    "rss": (render_rss, "application/rss+xml; charset=utf-8"),
    "atom": (render_atom, "application/atom+xml; charset=utf-8"),
}


@dataclass(frozen=True)
class Site:
    """What the pages say about themselves."""

    title: str
    base_url: str
    limit: int = 50


class FeedServer:
    """Builds the ASGI app; the store and site settings come from the composition root."""

    def __init__(self, store: Store, site: Site) -> None:
        self._store = store
        self._site = site

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.index, methods=["GET", "HEAD"]),
                Route("/feeds/{slug}.{fmt}", self.feed, methods=["GET", "HEAD"]),
            ]
        )

    async def index(self, request: Request) -> Response:
        categories = await self._store.registry.categories()
        latest = {
            c.slug: await self._store.articles.recent(c.slug, INDEX_HEADLINES) for c in categories
        }
        everything = Shelf(
            ALL, "كل الأخبار", await self._store.articles.recent(None, INDEX_HEADLINES)
        )
        page = render_index(
            self._site.title, self._site.base_url, shelves(categories, latest), everything
        )
        return HTMLResponse(page, headers={"Cache-Control": "public, max-age=60"})

    async def feed(self, request: Request) -> Response:
        slug, fmt = request.path_params["slug"], request.path_params["fmt"]
        if fmt not in RENDERERS:
            return Response("unknown feed format\n", status_code=404, media_type="text/plain")
        names = {c.slug: c.name for c in await self._store.registry.categories()}
        if slug != ALL and slug not in names:
            return Response("unknown category\n", status_code=404, media_type="text/plain")
        articles = await self._store.articles.recent(
            None if slug == ALL else slug, self._site.limit
        )
        title = self._site.title if slug == ALL else f"{names[slug]} - {self._site.title}"
        doc = FeedDoc(
            slug=slug,
            title=title,
            description=f"آخر أخبار {names.get(slug, self._site.title)}",
            self_url=f"{self._site.base_url}/feeds/{slug}.{fmt}",
            home_url=f"{self._site.base_url}/",
            articles=articles,
            category_names=names,
        )
        tag = etag(doc, fmt)
        headers = {
            "ETag": tag,
            "Last-Modified": format_datetime(doc.updated, usegmt=True),
            "Cache-Control": "public, max-age=60",
        }
        if _not_modified(request, tag, doc):
            return Response(status_code=304, headers=headers)
        render, media_type = RENDERERS[fmt]
        return Response(render(doc), media_type=media_type, headers=headers)


def _not_modified(request: Request, tag: str, doc: FeedDoc) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only when it is absent."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return tag in candidates or "*" in candidates
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return doc.updated.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False

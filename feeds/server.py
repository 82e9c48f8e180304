"""Feed server (I/O edge): Starlette routes over the catalog, through the document cache.

    GET|HEAD /                                   index page (Arabic, right to left)
    GET|HEAD /c/{slug}/                          a category's page (/c/{slug} redirects)
    GET|HEAD /feeds.opml                         every feed, OPML 2.0 (text/x-opml)
    GET|HEAD /feeds/{slug}.{rss|atom|json}       a category, or `all`
    GET|HEAD /feeds/source/{id}.{rss|atom|json}  a source
    GET|HEAD /feeds/.../archive/{n}.{fmt}        archive pages (RFC 5005, see feeds.paging)
    GET|HEAD /healthz, /readyz, /metrics         operations (feeds.health)

Every answer carries a strong ETag, Last-Modified (the newest change shown), Cache-Control
`public, max-age=[feeds] max_age` (a day for complete archive pages) and `Vary:
Accept-Encoding`; it is gzip-compressed when the request accepts gzip (the compressed bytes
are made once, when the document is cached). If-None-Match (either variant's tag), else
If-Modified-Since, is answered with 304. Live feeds send `Link: <self>; rel="self"` and,
with a WebSub hub, `<hub>; rel="hub"`. Nothing here writes to the store.

While the database does not answer, documents still in the cache are served as usual, and
the others are answered 503 with `Retry-After` (a reader tries again; nothing is cached),
never a 500 with a traceback. `gated` answers 503 the same way before the service is ready.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from feeds import paging
from feeds.cache import DocumentCache
from feeds.catalog import Catalog, Document, Site
from feeds.health import Probes
from feeds.paging import ALL, FeedRef
from syndicator.errors import StoreError
from syndicator.store import Store

__all__ = ["FeedCache", "FeedServer", "Served", "Site", "accepts_gzip", "gated", "served"]

log = logging.getLogger(__name__)

GZIP_ABOVE = 512  # bytes; smaller bodies are sent as they are
RETRY_AFTER = 30  # seconds a reader is asked to wait while the database does not answer
OPERATIONS = ("/healthz", "/readyz", "/metrics")  # answered even before the service is ready
RawHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Variant:
    """One representation (identity or gzip) with its ready-made header lists."""

    body: bytes
    etag: str
    ok: RawHeaders
    not_modified: RawHeaders


@dataclass(frozen=True)
class Served:
    """A document as the server answers it: both variants, validators, cache tags."""

    identity: Variant
    gzipped: Variant | None
    last_modified: datetime | None
    tags: frozenset[str]

    @property
    def size(self) -> int:
        return len(self.identity.body) + (len(self.gzipped.body) if self.gzipped else 0)

    @property
    def etags(self) -> frozenset[str]:
        return frozenset({self.identity.etag, *([self.gzipped.etag] if self.gzipped else [])})


FeedCache = DocumentCache[Served]


def served(document: Document) -> Served:
    """Prepare every header once, when the document is cached."""
    common: RawHeaders = [
        (b"cache-control", f"public, max-age={document.max_age}".encode()),
        (b"vary", b"Accept-Encoding"),
    ]
    if document.last_modified is not None:
        modified = format_datetime(document.last_modified, usegmt=True).encode()
        common.append((b"last-modified", modified))
    full = [*common, (b"content-type", f"{document.media_type}; charset=utf-8".encode())]
    if document.links:
        link = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in document.links)
        full.append((b"link", link.encode()))

    def variant(body: bytes, etag: str, encoding: bytes | None) -> Variant:
        extra = [(b"content-encoding", encoding)] if encoding else []
        tag = [(b"etag", etag.encode())]
        length = [(b"content-length", str(len(body)).encode())]
        return Variant(body, etag, full + extra + tag + length, common + tag)

    identity = variant(document.body, document.etag, None)
    gzipped = None
    if len(document.body) > GZIP_ABOVE:
        packed = gzip.compress(document.body, compresslevel=6, mtime=0)
        gzipped = variant(packed, document.etag[:-1] + '-gzip"', b"gzip")
    return Served(identity, gzipped, document.last_modified, document.tags)


class _Raw(Response):
    """A response whose header list is ready: nothing is recomputed per request."""

    def __init__(self, status: int, headers: RawHeaders, body: bytes = b"") -> None:
        self.status_code = status
        self.raw_headers = headers
        self.body = body
        self.background = None


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value allows gzip (RFC 9110 12.5.3: an explicit `gzip`
    weighs more than `*`, and q=0 refuses)."""
    if "gzip" not in accept_encoding and "*" not in accept_encoding:
        return False
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.partition(";")
        weight = 1.0
        name, _, value = params.partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        weights.setdefault(coding.strip(), weight)
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


class FeedServer:
    """Builds the ASGI app; store, site and cache come from the composition root.

    Without a cache every request renders its document (a cache of 0 bytes keeps nothing).
    """

    def __init__(
        self,
        store: Store,
        site: Site,
        cache: FeedCache | None = None,
        probes: Probes | None = None,
    ) -> None:
        self.catalog = Catalog(store, site)
        self.cache = cache if cache is not None else FeedCache(max_bytes=0)
        self.probes = probes if probes is not None else Probes()

    def app(self) -> Starlette:
        methods = ["GET", "HEAD"]
        return Starlette(
            routes=[
                Route("/feeds/{slug}.{fmt}", self.feed, methods=methods),
                Route("/feeds/source/{key}.{fmt}", self.source_feed, methods=methods),
                Route("/feeds/{slug}/archive/{page:int}.{fmt}", self.archive, methods=methods),
                Route(
                    "/feeds/source/{key}/archive/{page:int}.{fmt}",
                    self.source_archive,
                    methods=methods,
                ),
                Route("/", self.index, methods=methods),
                Route("/c/{slug}/", self.category_page, methods=methods),
                Route("/feeds.opml", self.opml, methods=methods),
                *self.probes.routes(),
            ],
            exception_handlers={StoreError: _store_down},
        )

    # Each handler first looks the request's path up in the cache (the common case, kept
    # short); on a miss the document is built under its canonical path.

    async def feed(self, request: Request) -> Response:
        if (entry := self.cache.get(request.scope["path"])) is not None:
            return _answer(request, entry)
        params = request.path_params
        return await self._feed(request, _category_or_all(params["slug"]), params["fmt"], None)

    async def source_feed(self, request: Request) -> Response:
        if (entry := self.cache.get(request.scope["path"])) is not None:
            return _answer(request, entry)
        params = request.path_params
        return await self._feed(request, paging.source(params["key"]), params["fmt"], None)

    async def archive(self, request: Request) -> Response:
        if (entry := self.cache.get(request.scope["path"])) is not None:
            return _answer(request, entry)
        params = request.path_params
        ref = _category_or_all(params["slug"])
        return await self._feed(request, ref, params["fmt"], params["page"])

    async def source_archive(self, request: Request) -> Response:
        if (entry := self.cache.get(request.scope["path"])) is not None:
            return _answer(request, entry)
        params = request.path_params
        ref = paging.source(params["key"])
        return await self._feed(request, ref, params["fmt"], params["page"])

    async def _feed(self, request: Request, ref: FeedRef, fmt: str, page: int | None) -> Response:
        if fmt not in paging.FORMATS:
            return _not_found("unknown feed format")
        return await self._serve(
            request, ref.path(fmt, page), lambda: self.catalog.feed(ref, fmt, page)
        )

    async def index(self, request: Request) -> Response:
        return await self._serve(request, "/", self.catalog.index)

    async def category_page(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        return await self._serve(
            request, paging.page_path(slug), lambda: self.catalog.category_page(slug)
        )

    async def opml(self, request: Request) -> Response:
        return await self._serve(request, "/feeds.opml", self.catalog.opml)

    async def _serve(
        self, request: Request, key: str, build: Callable[[], Awaitable[Document | None]]
    ) -> Response:
        entry = await self.cache.get_or_build(key, lambda: _built(build))
        if entry is None:
            return _not_found("no such feed or page")
        return _answer(request, entry)


def _answer(request: Request, entry: Served) -> Response:
    """200 with the negotiated variant, or 304 when the reader's copy is current."""
    accept, matches, since = "", [], None  # one pass over the raw headers: the hot path
    for name, value in request.scope["headers"]:
        if name == b"accept-encoding":
            accept = value.decode("latin-1")
        elif name == b"if-none-match":
            matches.append(value.decode("latin-1"))
        elif name == b"if-modified-since" and since is None:
            since = value.decode("latin-1")
    variant = entry.identity
    if entry.gzipped is not None and accepts_gzip(accept):
        variant = entry.gzipped
    if _not_modified(", ".join(matches) if matches else None, since, entry):
        return _Raw(304, variant.not_modified)
    return _Raw(200, variant.ok, b"" if request.method == "HEAD" else variant.body)


async def _built(build: Callable[[], Awaitable[Document | None]]) -> Served | None:
    document = await build()
    return None if document is None else served(document)


def _category_or_all(slug: str) -> FeedRef:
    return ALL if slug == ALL.key else paging.category(slug)


async def _store_down(request: Request, exc: Exception) -> Response:
    # Not a warning per request: the scheduler and /readyz already say the database is down.
    log.debug("%s %s: %s", request.method, request.url.path, exc)
    return _unavailable("the database does not answer; try again later")


def _unavailable(message: str) -> Response:
    return PlainTextResponse(
        f"{message}\n",
        status_code=503,
        headers={"Cache-Control": "no-store", "Retry-After": str(RETRY_AFTER)},
    )


def gated(app: ASGIApp, ready: Callable[[], bool]) -> ASGIApp:
    """`app`, answering 503 (with `Retry-After`) to every request but the operations
    endpoints until `ready()`: while the service waits for its database at start, its
    liveness and readiness probes answer and readers are asked to come back."""

    async def gate(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in OPERATIONS and not ready():
            await _unavailable("starting: waiting for the database")(scope, receive, send)
            return
        await app(scope, receive, send)

    return gate


def _not_found(message: str) -> Response:
    return PlainTextResponse(f"{message}\n", status_code=404, headers={"Cache-Control": "no-store"})


def _not_modified(if_none_match: str | None, since: str | None, entry: Served) -> bool:
    """RFC 9110 13.1: If-None-Match wins; If-Modified-Since only when it is absent."""
    if if_none_match is not None:
        candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in candidates or not candidates.isdisjoint(entry.etags)
    if since and entry.last_modified is not None:
        try:
            return entry.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False

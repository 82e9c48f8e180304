"""Reading a source (I/O): what each kind fetches in one poll, turned into candidate entries.

The parsers next to this module are pure (bytes in, entries out); this module owns the
requests: conditional GETs, WordPress pagination with `modified_after`, sitemap indexes.
Every kind returns a `Collected`, so the pipeline does not care which kind it polled.

    feed       the feed URL, conditional GET; RSS <ttl> and Cache-Control as a floor
    wordpress  /wp-json/wp/v2/posts?_embed, newest modified first, pages until the cursor
               (the newest `modified_gmt` already seen) is reached, at most MAX_PAGES
    sitemap    the sitemap URL, conditional GET; an index is followed to its newest children
    html       a listing page, conditional GET; article links by selector, pattern or heuristic
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syndicator.cadence import source_floor
from syndicator.fetch import Fetcher, Response
from syndicator.model import Entry, Source, SourceState
from syndicator.sources import feed, html, sitemap, wordpress

MAX_PAGES = 5
WORDPRESS_PER_PAGE = 50
MAX_CHILD_SITEMAPS = 3
CURSOR_OVERLAP = timedelta(seconds=1)  # same-second edits are never skipped


@dataclass(frozen=True)
class Collected:
    """One poll's candidate entries and what to remember for the next poll."""

    entries: list[Entry] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    cursor: str | None = None
    floor: float = 0.0  # the shortest poll interval the source asked for, in seconds


Reader = Callable[[Source, SourceState, Fetcher], Awaitable[Collected]]


def _unchanged(response: Response) -> Collected:
    return Collected(
        etag=response.etag,
        last_modified=response.last_modified,
        not_modified=True,
        floor=source_floor(response.headers),
    )


async def _conditional(source: Source, state: SourceState, fetcher: Fetcher) -> Response:
    """The source's URL, with the validators of the last poll."""
    return await fetcher.get(
        source.url, etag=state.etag, last_modified=state.last_modified, respect_robots=source.robots
    )


def _collected(response: Response, entries: list[Entry], ttl: int | None = None) -> Collected:
    return Collected(
        entries,
        response.etag,
        response.last_modified,
        floor=source_floor(response.headers, ttl),
    )


async def read_feed(source: Source, state: SourceState, fetcher: Fetcher) -> Collected:
    response = await _conditional(source, state, fetcher)
    if response.not_modified:
        return _unchanged(response)
    entries = feed.parse(response.body, source, response.url, response.content_type)
    return _collected(response, entries, feed.ttl(response.body))


async def read_wordpress(source: Source, state: SourceState, fetcher: Fetcher) -> Collected:
    root = source.url if "/wp-json" in source.url else wordpress.api_root(source.url)
    since = datetime.fromisoformat(state.cursor) - CURSOR_OVERLAP if state.cursor else None
    entries: list[Entry] = []
    first: Response | None = None
    for page in range(1, MAX_PAGES + 1):
        url = wordpress.posts_url(
            root, page=page, per_page=WORDPRESS_PER_PAGE, modified_after=since
        )
        conditional = page == 1
        response = await fetcher.get(
            url,
            etag=state.etag if conditional else None,
            last_modified=state.last_modified if conditional else None,
            respect_robots=source.robots,
        )
        if response.not_modified:
            return _unchanged(response)
        first = first or response
        entries += wordpress.parse_posts(response.body, source, response.url)
        if since is None or page >= wordpress.total_pages(response.headers):
            break  # the first poll takes only the newest page; later ones catch up to the cursor
    stamps = [e.updated or e.published for e in entries]
    newest = max((s for s in stamps if s is not None), default=None)
    cursor = newest.isoformat() if newest else state.cursor
    assert first is not None
    return dataclasses.replace(_collected(first, entries), cursor=cursor)


async def read_sitemap(source: Source, state: SourceState, fetcher: Fetcher) -> Collected:
    response = await _conditional(source, state, fetcher)
    if response.not_modified:
        return _unchanged(response)
    found = sitemap.parse_sitemap(response.body, source, response.url, response.content_type)
    entries = list(found.entries)
    for child in found.children[:MAX_CHILD_SITEMAPS]:
        page = await fetcher.get(child, respect_robots=source.robots)
        entries += sitemap.parse_sitemap(page.body, source, page.url, page.content_type).entries
    return _collected(response, entries)


async def read_html(source: Source, state: SourceState, fetcher: Fetcher) -> Collected:
    response = await _conditional(source, state, fetcher)
    if response.not_modified:
        return _unchanged(response)
    return _collected(
        response, html.parse_listing(response.body, source, response.url, response.content_type)
    )


READERS: dict[str, Reader] = {
    "feed": read_feed,
    "wordpress": read_wordpress,
    "sitemap": read_sitemap,
    "html": read_html,
}

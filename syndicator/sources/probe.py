"""Site discovery (I/O): what a news site offers, for `syndicator sources discover URL`.

Fetches the home page (feeds announced with `<link rel="alternate">`, the WordPress API
root), robots.txt (sitemaps) and, when the page did not announce it, probes `/wp-json/`.
The reading of each document is `syndicator.discover`'s (pure).
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import urljoin

from syndicator.discover import (
    Discovery,
    discover_page,
    main_feeds,
    news_sitemaps,
    with_robots,
    with_sitemaps,
)
from syndicator.errors import SourceError
from syndicator.fetch import Fetcher
from syndicator.model import Source
from syndicator.sources import sitemap

MAX_INDEXES = 3  # sitemaps opened to look for a news sitemap inside an index
_PROBE = Source("discover", "discover", "")  # entries are not kept: only the index's children


async def probe(url: str, fetcher: Fetcher) -> Discovery:
    home = await fetcher.get(url, respect_robots=False)
    found = discover_page(home.body, home.url, home.content_type)
    try:
        robots = await fetcher.get(urljoin(home.url, "/robots.txt"), respect_robots=False)
        found = with_robots(found, robots.body.decode("utf-8", errors="replace"))
    except SourceError:
        pass  # no robots.txt: nothing to learn from it
    if found.wordpress_api is None:
        api = urljoin(home.url, "/wp-json/")
        try:
            answer = await fetcher.get(api, respect_robots=False)
            namespaces = json.loads(answer.body).get("namespaces", [])
        except (SourceError, ValueError, AttributeError):
            namespaces = []
        if "wp/v2" in namespaces:
            found = dataclasses.replace(found, wordpress_api=api)
    if not main_feeds(found) and found.wordpress_api is None and not news_sitemaps(found):
        found = await _news_in_indexes(found, fetcher)
    return found


async def _news_in_indexes(found: Discovery, fetcher: Fetcher) -> Discovery:
    """The news sitemaps that the listed sitemap indexes name (robots.txt often lists only
    the index, e.g. Yoast's ``sitemap_index.xml``): the best kind left to suggest."""
    children: list[str] = []
    for url in found.sitemaps[:MAX_INDEXES]:
        try:
            answer = await fetcher.get(url, respect_robots=False)
            parsed = sitemap.parse_sitemap(answer.body, _PROBE, answer.url, answer.content_type)
        except SourceError:
            continue
        children += parsed.children
    return with_sitemaps(found, children)

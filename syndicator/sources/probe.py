"""Site discovery (I/O): what a news site offers, for `syndicator sources discover URL`.

Fetches the home page (feeds announced with `<link rel="alternate">`, the WordPress API
root), robots.txt (sitemaps) and, when the page did not announce it, probes `/wp-json/`.
The reading of each document is `syndicator.discover`'s (pure).
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import urljoin

from syndicator.discover import Discovery, discover_page, with_robots
from syndicator.errors import SourceError
from syndicator.fetch import Fetcher


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
    return found

"""JSON Feed 1.1 (pure): a prepared document -> `application/feed+json` bytes.

Written directly (no library): version, title, home_page_url, feed_url, description,
language, authors, the WebSub hub, and `next_url` to the older entries (the newest archive
page from the live document, then page by page). Every item has id, url, title, summary,
content_html (or content_text when the article has no HTML), dates, authors, tags, the lead
image and its own `language`. Keys in a fixed order and no whitespace: same data, same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from feeds.document import LANGUAGE, Item, Prepared

VERSION = "https://jsonfeed.org/version/1.1"


def _date(moment: datetime) -> str:
    return moment.isoformat()


def write(prepared: Prepared) -> bytes:
    document: dict[str, Any] = {
        "version": VERSION,
        "title": prepared.title,
        "home_page_url": prepared.home_url,
        "feed_url": prepared.self_url,
        "description": prepared.description,
        "language": LANGUAGE,
        "authors": [{"name": prepared.author}],
    }
    next_url = prepared.link("next")
    if next_url:
        document["next_url"] = next_url
    hub = prepared.link("hub")
    if hub:
        document["hubs"] = [{"type": "WebSub", "url": hub}]
    document["items"] = [_item(item) for item in prepared.items]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id}
    if item.url:
        out["url"] = item.url
    out["title"] = item.title
    out["summary"] = item.summary
    if item.content_html:
        out["content_html"] = item.content_html
    else:
        out["content_text"] = item.summary
    if item.image:
        out["image"] = item.image
    out["date_published"] = _date(item.published)
    out["date_modified"] = _date(item.updated)
    if item.author:
        out["authors"] = [{"name": item.author}]
    if item.categories:
        out["tags"] = [label for _, label in item.categories]
    out["language"] = LANGUAGE
    return out

"""What every produced feed must satisfy, checked the way readers and the specs see it.

- RSS and Atom parse with feedparser (not bozo), with every entry, its dates and Arabic;
- Atom has every element RFC 4287 requires (feed: id, title, updated, an author or one per
  entry; entry: id, title, updated, and an alternate link or content), no two alternate
  links of one type (a link without rel is an alternate), `xml:lang="ar"` on the feed and
  on each entry;
- JSON Feed has every field 1.1 requires (version, title, items with id and content) and
  what readers need (home_page_url, feed_url, language, per-item language, RFC 3339 dates);
- all three read back through our own collector's parser (`syndicator.sources.feed`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import feedparser
from lxml import etree

from syndicator.model import Entry, Source
from syndicator.sources.feed import parse

A = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JSON_FEED_11 = "https://jsonfeed.org/version/1.1"
READER = Source("reader", "قارئ", "https://feeds.example.com/")


def check_rss(body: bytes, entries: int) -> Any:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.language == "ar"
    assert len(parsed.entries) == entries
    for entry in parsed.entries:
        assert entry.published_parsed is not None
        assert entry.guidislink is False
        assert entry.title
    assert len(read_back(body, "application/rss+xml")) == entries
    return parsed


def check_atom(body: bytes, entries: int) -> Any:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.language == "ar"
    assert len(parsed.entries) == entries
    root = etree.fromstring(body)
    assert root.tag == f"{A}feed"
    assert root.get(XML_LANG) == "ar"
    for name in ("id", "title", "updated"):
        assert root.find(f"{A}{name}") is not None, f"feed without {name}"
    feed_author = root.find(f"{A}author/{A}name") is not None
    check_alternates(root)
    found = root.findall(f"{A}entry")
    assert len(found) == entries
    for entry in found:
        assert entry.get(XML_LANG) == "ar"
        for name in ("id", "title", "updated"):
            element = entry.find(f"{A}{name}")
            assert element is not None, f"entry without {name}"
            assert element.text, f"empty {name}"
        datetime.fromisoformat(entry.findtext(f"{A}updated") or "")
        alternate = entry.find(f"{A}link[@rel='alternate']")
        assert alternate is not None or entry.find(f"{A}content") is not None
        check_alternates(entry)
        assert feed_author or entry.find(f"{A}author/{A}name") is not None
    for entry in parsed.entries:
        assert entry.updated_parsed is not None
    assert len(read_back(body, "application/atom+xml")) == entries
    return parsed


def check_alternates(element: Any) -> None:
    """RFC 4287 4.1.1/4.1.2: at most one alternate link per type and hreflang."""
    alternates = [
        (link.get("type"), link.get("hreflang"))
        for link in element.findall(f"{A}link")
        if link.get("rel", "alternate") == "alternate"
    ]
    assert len(set(alternates)) == len(alternates), f"alternate links {alternates}"


def check_json(body: bytes, entries: int) -> dict[str, Any]:
    document = json.loads(body)
    assert document["version"] == JSON_FEED_11
    assert isinstance(document["title"], str)
    assert document["title"]
    for name in ("home_page_url", "feed_url"):
        assert document[name].startswith(("http://", "https://"))
    assert document["language"] == "ar"
    assert isinstance(document["items"], list)
    assert len(document["items"]) == entries
    ids = [item["id"] for item in document["items"]]
    assert len(set(ids)) == len(ids)
    for item in document["items"]:
        assert isinstance(item["id"], str)
        assert item["id"]
        assert "content_html" in item or "content_text" in item
        assert item["language"] == "ar"
        for name in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[name]).tzinfo is not None
    assert len(read_back(body, "application/feed+json")) == entries
    return dict(document)


CHECKS = {"rss": check_rss, "atom": check_atom, "json": check_json}


def check(fmt: str, body: bytes, entries: int) -> Any:
    return CHECKS[fmt](body, entries)


def read_back(body: bytes, content_type: str) -> list[Entry]:
    """The entries our own collector reads from the document."""
    return parse(body, READER, READER.url, content_type)

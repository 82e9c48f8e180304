"""JSON Feed 1.1: every required field, language per item, paging with next_url."""

from __future__ import annotations

import json
from dataclasses import replace

from feeds.render import render
from tests.feeds.checks import check_json, read_back
from tests.feeds.samples import ARTICLES, BASE, HUB, SYRIA, WORLD, feed_doc


def test_document_fields() -> None:
    document = check_json(render(feed_doc(fmt="json"), "json").body, 3)
    assert document["title"] == SYRIA
    assert document["home_page_url"] == f"{BASE}/c/syria/"
    assert document["feed_url"] == f"{BASE}/feeds/syria.json"
    assert document["description"] == "آخر أخبار الشأن السوري"
    assert document["authors"] == [{"name": "أخبار"}]
    assert document["next_url"] == f"{BASE}/feeds/syria/archive/2.json"
    assert document["hubs"] == [{"type": "WebSub", "url": HUB}]


def test_items_newest_first_with_everything_a_reader_shows() -> None:
    items = check_json(render(feed_doc(fmt="json"), "json").body, 3)["items"]
    assert [i["id"] for i in items] == [a.url for a in ARTICLES]
    assert [i["url"] for i in items] == [a.url for a in ARTICLES]
    assert [i["title"] for i in items] == [a.title for a in ARTICLES]
    assert [i["summary"] for i in items] == [a.summary for a in ARTICLES]
    assert items[1]["tags"] == [SYRIA, WORLD]
    assert items[1]["date_published"] == "2017-10-19T20:00:00+00:00"
    assert items[1]["date_modified"] == "2017-10-19T23:30:00+00:00"
    assert items[0]["image"] == "https://news.example.com/wp-content/uploads/2017/10/story-3.jpg"
    assert "image" not in items[2]
    assert items[0]["authors"] == [{"name": "فريق التحرير"}]
    assert items[0]["content_html"].startswith('<div dir="rtl" lang="ar"><p>')


def test_without_html_the_summary_is_the_text_content() -> None:
    doc = feed_doc((replace(ARTICLES[0], content_html=""),), fmt="json")
    [item] = check_json(render(doc, "json").body, 1)["items"]
    assert item["content_text"] == ARTICLES[0].summary
    assert "content_html" not in item


def test_last_page_has_no_next_url() -> None:
    doc = feed_doc(links=(), fmt="json")
    document = json.loads(render(doc, "json").body)
    assert "next_url" not in document
    assert "hubs" not in document


def test_our_collector_reads_it_back() -> None:
    entries = read_back(render(feed_doc(fmt="json"), "json").body, "application/feed+json")
    assert [(e.url, e.title) for e in entries] == [(a.url, a.title) for a in ARTICLES]
    assert entries[1].category_names == (SYRIA, WORLD)

"""Discovery pages: Arabic, right to left, responsive, every feed linked and discoverable."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html

from feeds.index import Shelf, arabic_date, render_category, render_index
from feeds.paging import ALL, category, source
from tests.feeds.samples import ARTICLES, BASE, HOSTILE, SYRIA, WORLD

MIME = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


def index() -> str:
    return render_index(
        "أخبار",
        BASE,
        Shelf(ALL, "كل الأخبار", ARTICLES),
        [Shelf(category("syria"), SYRIA, HOSTILE), Shelf(category("world"), WORLD, ())],
    )


def test_index_is_arabic_right_to_left_and_responsive() -> None:
    page = index()
    root = lxml.html.fromstring(page)
    assert page.startswith("<!doctype html>")
    assert root.get("lang") == "ar"
    assert root.get("dir") == "rtl"
    viewport = root.find(".//meta[@name='viewport']")
    assert viewport is not None
    assert "width=device-width" in viewport.get("content", "")
    style = root.findtext(".//style") or ""
    assert "minmax(min(18rem,100%),1fr)" in style  # one column on a phone, no sideways scroll
    assert "overflow-wrap:anywhere" in style  # a 5,000-character title wraps


def test_index_autodiscovery_and_links_of_every_feed() -> None:
    root = lxml.html.fromstring(index())
    alternates = {
        (link.get("type"), link.get("href")) for link in root.findall(".//link[@rel='alternate']")
    }
    anchors = {a.get("href") for a in root.iter("a")}
    for stem in ("all", "syria", "world"):
        for fmt, mime in MIME.items():
            assert (mime, f"{BASE}/feeds/{stem}.{fmt}") in alternates
            assert f"{BASE}/feeds/{stem}.{fmt}" in anchors
    assert f"{BASE}/c/syria/" in anchors
    assert f"{BASE}/feeds.opml" in anchors
    outline = root.find(".//link[@rel='outline']")
    assert outline is not None
    assert outline.get("href") == f"{BASE}/feeds.opml"


def test_index_lists_latest_headlines_and_escapes_what_sources_sent() -> None:
    page = index()
    root = lxml.html.fromstring(page)
    sections = root.findall(".//section")
    assert [s.get("id") for s in sections] == ["all", "syria", "world"]
    assert [a.text_content() for a in sections[0].findall(".//ul[@class='headlines']/li/a")] == [
        a.title for a in ARTICLES
    ]
    assert "لا توجد أخبار بعد" in sections[2].text_content()
    assert "<script" not in page.split("<style>")[0] + page.split("</style>")[1]
    assert "عاجل خبر فيه وسم" in page
    assert "javascript:" not in page


def test_category_page() -> None:
    shelf = Shelf(category("syria"), SYRIA, ARTICLES)
    page = render_category("أخبار", BASE, shelf, {"syria-news": "أخبار سوريا"})
    root = lxml.html.fromstring(page)
    assert root.get("dir") == "rtl"
    assert root.findtext(".//title") == f"{SYRIA} - أخبار"
    assert [a.get("href") for a in root.findall(".//ul[@class='articles']/li/a")] == [
        a.url for a in ARTICLES
    ]
    assert ARTICLES[0].summary in page
    assert "أخبار سوريا" in page
    assert f'href="{BASE}/"' in page  # back to the index
    hrefs = {link.get("href") for link in root.findall(".//link[@rel='alternate']")}
    assert {f"{BASE}/feeds/syria.{fmt}" for fmt in MIME} <= hrefs


def test_arabic_date() -> None:
    assert arabic_date(datetime(2017, 10, 19, 18, 5, tzinfo=UTC)) == "19 أكتوبر 2017، 18:05 غرينتش"


def test_index_lists_every_source_with_its_feeds() -> None:
    page = render_index(
        "أخبار", BASE, Shelf(ALL, "كل الأخبار"), [], [Shelf(source("sham"), "أخبار الشام")]
    )
    section = lxml.html.fromstring(page).find(".//section[@id='sources']")
    assert section is not None
    assert "أخبار الشام" in section.text_content()
    assert [a.get("href") for a in section.iter("a")] == [
        f"{BASE}/feeds/source/sham.{fmt}" for fmt in MIME
    ]

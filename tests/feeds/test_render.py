"""Feed rendering: RSS 2.0 and Atom 1.0 that readers parse, stable bytes, data-based ETags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest
from lxml import etree

from feeds.document import etag, prepare
from feeds.render import FeedDoc, render, render_atom, render_rss
from syndicator.model import Article, Entry
from syndicator.normalize import Body, normalize_entry
from tests.feeds.checks import XML_LANG, A, check, check_atom, check_rss
from tests.feeds.samples import (
    ARTICLES,
    BASE,
    HOSTILE,
    HUB,
    NEWEST_CHANGE,
    SOURCE_NAMES,
    SYRIA,
    T0,
    WORLD,
    feed_doc,
)

RSS_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "fh": "http://purl.org/syndication/history/1.0",
}
RENDERERS = [pytest.param(render_rss, id="rss"), pytest.param(render_atom, id="atom")]
FORMATS = ["rss", "atom", "json"]
Renderer = Callable[[FeedDoc], bytes]


def content(n: int) -> str:
    return f'<div dir="rtl" lang="ar"><p>نص المقال {n}: تركيا &amp; إيران</p></div>'


def test_rss_parses_back() -> None:
    parsed = check_rss(render_rss(feed_doc()), 3)
    assert parsed.feed.title == SYRIA
    assert parsed.feed.link == f"{BASE}/c/syria/"
    assert [e.title for e in parsed.entries] == [a.title for a in ARTICLES]
    assert [e.link for e in parsed.entries] == [a.url for a in ARTICLES]
    assert [e.id for e in parsed.entries] == [a.url for a in ARTICLES]
    assert [e.summary for e in parsed.entries] == [a.summary for a in ARTICLES]
    assert [e.content[0].value for e in parsed.entries] == [content(n) for n in (3, 2, 1)]
    assert [[t.term for t in e.tags] for e in parsed.entries] == [
        [SYRIA],
        [SYRIA, WORLD],
        [SYRIA],
    ]
    assert [e.published_parsed[:5] for e in parsed.entries] == [
        (2017, 10, 19, 21, 0),
        (2017, 10, 19, 20, 0),
        (2017, 10, 19, 19, 0),
    ]
    # the article's author, else the source's name
    assert [e.author for e in parsed.entries] == ["فريق التحرير", "فريق التحرير", "أخبار سوريا"]


def test_rss_channel_links_guid_and_enclosure() -> None:
    raw = render_rss(feed_doc())
    channel = etree.fromstring(raw).find("channel")
    assert channel is not None
    links = [
        (x.get("rel"), x.get("href"), x.get("type")) for x in channel.findall("atom:link", RSS_NS)
    ]
    assert links == [
        ("self", f"{BASE}/feeds/syria.rss", "application/rss+xml"),
        ("hub", HUB, None),
        ("next", f"{BASE}/feeds/syria/archive/2.rss", "application/rss+xml"),
        ("prev-archive", f"{BASE}/feeds/syria/archive/2.rss", "application/rss+xml"),
    ]
    assert channel.findtext("link") == f"{BASE}/c/syria/"  # not the last atom:link added
    assert channel.findtext("language") == "ar"
    items = channel.findall("item")
    assert [i.find("guid").get("isPermaLink") for i in items] == ["false"] * 3  # type: ignore[union-attr]
    assert [i.findtext("content:encoded", namespaces=RSS_NS) for i in items] == [
        content(n) for n in (3, 2, 1)
    ]
    enclosures = [i.find("enclosure") for i in items]
    assert enclosures[2] is None  # the third article has no image
    assert [dict(e.attrib) for e in enclosures[:2] if e is not None] == [
        {
            "url": f"https://news.example.com/wp-content/uploads/2017/10/story-{n}.jpg",
            "length": "0",
            "type": "image/jpeg",
        }
        for n in (3, 2)
    ]
    assert channel.find("fh:archive", RSS_NS) is None


def test_atom_parses_back() -> None:
    raw = render_atom(feed_doc(fmt="atom"))
    parsed = check_atom(raw, 3)
    assert parsed.feed.title == SYRIA
    assert [e.title for e in parsed.entries] == [a.title for a in ARTICLES]
    assert [e.id for e in parsed.entries] == [a.url for a in ARTICLES]
    assert [e.content[0].value for e in parsed.entries] == [content(n) for n in (3, 2, 1)]
    assert [e.content[0].type for e in parsed.entries] == ["text/html"] * 3
    assert [[(t.term, t.label) for t in e.tags] for e in parsed.entries] == [
        [("syria", SYRIA)],
        [("syria", SYRIA), ("world", WORLD)],
        [("syria", SYRIA)],
    ]
    assert [e.author for e in parsed.entries] == ["فريق التحرير", "فريق التحرير", "أخبار سوريا"]
    assert [e.updated_parsed[:5] for e in parsed.entries] == [
        (2017, 10, 19, 21, 0),
        (2017, 10, 19, 23, 30),
        (2017, 10, 19, 19, 0),
    ]


def test_atom_links_language_and_author() -> None:
    root = etree.fromstring(render_atom(feed_doc(fmt="atom")))
    assert root.get(XML_LANG) == "ar"
    assert [e.get(XML_LANG) for e in root.findall(f"{A}entry")] == ["ar"] * 3
    assert [(x.get("rel"), x.get("href")) for x in root.findall(f"{A}link")] == [
        ("self", f"{BASE}/feeds/syria.atom"),
        ("alternate", f"{BASE}/c/syria/"),
        ("hub", HUB),
        ("next", f"{BASE}/feeds/syria/archive/2.atom"),
        ("prev-archive", f"{BASE}/feeds/syria/archive/2.atom"),
    ]
    assert root.findtext(f"{A}author/{A}name") == "أخبار"
    first = root.findall(f"{A}entry")[0]
    assert [(x.get("rel"), x.get("type")) for x in first.findall(f"{A}link")] == [
        ("alternate", "text/html"),
        ("enclosure", "image/jpeg"),
    ]
    assert first.find(f"{A}category").get("scheme") == f"{BASE}/c/"  # type: ignore[union-attr]


@pytest.mark.parametrize("render_doc", RENDERERS)
def test_complete_archive_carries_fh_archive(render_doc: Renderer) -> None:
    raw = render_doc(feed_doc(archive=True))
    assert raw.count(b"<fh:archive/>") == 1
    assert b'xmlns:fh="http://purl.org/syndication/history/1.0"' in raw


def test_feed_date_is_the_newest_change() -> None:
    rss = check_rss(render_rss(feed_doc()), 3)
    atom = check_atom(render_atom(feed_doc()), 3)
    assert feed_doc().updated == NEWEST_CHANGE
    assert rss.feed.updated == "Thu, 19 Oct 2017 23:30:00 +0000"  # lastBuildDate
    assert atom.feed.updated == "2017-10-19T23:30:00+00:00"


def test_category_without_name_falls_back_to_slug() -> None:
    doc = feed_doc((replace(ARTICLES[0], categories=("economy",)),))
    parsed = check_atom(render_atom(doc), 1)
    assert [(t.term, t.label) for t in parsed.entries[0].tags] == [("economy", "economy")]


def test_article_without_summary_or_content() -> None:
    doc = feed_doc((replace(ARTICLES[0], summary="", content_html="", author="", image=None),))
    for fmt in FORMATS:
        check(fmt, render(replace(doc, self_url=f"{BASE}/feeds/syria.{fmt}"), fmt).body, 1)
    parsed = check_rss(render_rss(doc), 1)
    assert parsed.entries[0].summary == ARTICLES[0].title
    assert "content" not in parsed.entries[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_input_never_breaks_a_feed(fmt: str) -> None:
    """XML-illegal characters, a 5,000-character title, HTML in titles, empty fields."""
    body = render(feed_doc(HOSTILE, fmt=fmt), fmt).body
    check(fmt, body, len(HOSTILE))
    text = body.decode()
    for bad in ("<script", "&lt;script", "onclick", "onerror", "javascript:", "iframe", "style="):
        assert bad not in text, bad
    assert "\x00" not in text
    assert "\x0b" not in text


def test_hostile_input_is_cleaned_the_same_way_in_every_format() -> None:
    items = prepare(feed_doc(HOSTILE)).items
    assert items[0].title == "عاجل خبر فيه وسم"
    assert items[0].summary == "ملخص فيه وسم ومحرف تحكم & علامة"
    assert items[0].author == "مراسل الوكالة"
    assert 'href="https://news.example.com/tag/syria/"' in items[0].content_html  # absolute
    assert 'src="https://news.example.com/2017/10/19/hostile/pic.png"' in items[0].content_html
    assert len(items[1].title) <= 1000
    assert items[1].title.endswith("…")
    assert items[2].title == "https://news.example.com/empty/"  # no title, no summary: the link


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_entry_without_a_date_at_its_source_renders(fmt: str) -> None:
    """The source gave no date: the article is dated when it was first seen, and renders."""
    seen = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    entry = Entry("syria-news", "p-1", "https://news.example.com/undated/", "خبر بلا تاريخ")
    undated = normalize_entry(entry, Body("نص.", "<p>نص.</p>"), seen)
    body = render(feed_doc((replace(undated, summary="ملخص.", id=1),), fmt=fmt), fmt).body
    check(fmt, body, 1)
    assert b"2026-11-29T12:00:00+00:00" in body or b"29 Nov 2026 12:00:00" in body


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_an_entry_without_title_summary_or_web_address_renders(fmt: str) -> None:
    """feedgen refuses an empty title: the entry is titled with its address, as given."""
    odd = replace(ARTICLES[2], url="urn:example:p-441", title="", summary="", content_html="")
    assert prepare(feed_doc((odd,))).items[0].title == "urn:example:p-441"
    parsed = feedparser.parse(render(feed_doc((odd,), fmt=fmt), fmt).body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [(e.title, e.id) for e in parsed.entries] == [("urn:example:p-441",) * 2]


def test_naive_and_microsecond_dates_render_as_utc_seconds() -> None:
    naive = replace(
        ARTICLES[0], published=datetime(2017, 10, 19, 21, 0, 5, 123456), updated=T0
    )  # updated before published: the entry's updated is the later of the two
    item = prepare(feed_doc((naive,))).items[0]
    assert item.published == datetime(2017, 10, 19, 21, 0, 5, tzinfo=UTC)
    assert item.updated == item.published


@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_twice_gives_identical_bytes(fmt: str) -> None:
    assert render(feed_doc(fmt=fmt), fmt).body == render(feed_doc(fmt=fmt), fmt).body


def test_empty_feed_has_stable_date() -> None:
    doc = feed_doc(())
    rss, atom = render_rss(doc), render_atom(doc)
    assert b"<lastBuildDate>Sat, 01 Jan 2000 00:00:00 +0000</lastBuildDate>" in rss
    assert b"<updated>2000-01-01T00:00:00+00:00</updated>" in atom
    check_rss(rss, 0)
    check_atom(atom, 0)


@pytest.mark.parametrize("kind", FORMATS)
def test_etag_stable_for_same_data(kind: str) -> None:
    tag = etag(feed_doc(), kind)
    assert tag == etag(feed_doc(tuple(replace(a) for a in ARTICLES)), kind)
    assert tag == render(feed_doc(), kind).etag
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert len(tag) == 34


def test_etag_differs_between_formats() -> None:
    assert len({etag(feed_doc(), kind) for kind in FORMATS}) == 3


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(
            replace(ARTICLES[1], title="دي ميستورا: جولة جديدة من مفاوضات جنيف في ديسمبر"),
            id="title",
        ),
        pytest.param(replace(ARTICLES[1], summary="ملخص آخر"), id="summary"),
        pytest.param(
            replace(ARTICLES[1], updated=NEWEST_CHANGE + timedelta(minutes=1)), id="updated"
        ),
        pytest.param(replace(ARTICLES[1], categories=("syria",)), id="categories"),
        pytest.param(
            replace(ARTICLES[1], content_html="<p>نص المقال 2 مع صورة</p>"), id="content-html"
        ),
        pytest.param(replace(ARTICLES[1], url=ARTICLES[1].url + "amp/"), id="url"),
        pytest.param(replace(ARTICLES[1], published=T0), id="published"),
        pytest.param(replace(ARTICLES[1], author="سيرغي لافروف"), id="author"),
        pytest.param(replace(ARTICLES[1], image="https://cdn.example.com/x.png"), id="image"),
    ],
)
def test_etag_changes_when_an_article_changes(changed: Article) -> None:
    doc = feed_doc((ARTICLES[0], changed, ARTICLES[2]))
    for kind in FORMATS:
        assert render(doc, kind).body != render(feed_doc(), kind).body  # the bytes did change
        assert etag(doc, kind) != etag(feed_doc(), kind)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"title": "سوريا"}, id="feed-title"),
        pytest.param({"description": "كل أخبار سوريا"}, id="description"),
        pytest.param({"home_url": "https://feeds.example.com/syria/"}, id="home-url"),
        pytest.param({"category_names": {"syria": "سوريا", "world": WORLD}}, id="category-label"),
        pytest.param({"links": ()}, id="links"),
        pytest.param({"archive": True}, id="archive"),
        pytest.param({"source_names": {}}, id="source-name"),
    ],
)
def test_etag_changes_when_the_feed_changes(changes: dict[str, Any]) -> None:
    changed = feed_doc(**changes)
    for kind in FORMATS:
        if changes.keys() == {"archive"} and kind == "json":
            continue  # JSON Feed has no archive marker: same bytes, same tag
        assert render(changed, kind).body != render(feed_doc(), kind).body
        assert etag(changed, kind) != etag(feed_doc(), kind)


def test_etag_changes_when_articles_are_added_or_removed() -> None:
    assert etag(feed_doc(ARTICLES[:2]), "rss") != etag(feed_doc(), "rss")
    assert etag(feed_doc(()), "rss") != etag(feed_doc(), "rss")


def test_etag_ignores_fields_that_are_not_rendered() -> None:
    """Plain article text, the content hash and the cluster are not part of the feed."""
    same = tuple(
        replace(a, text="نص آخر لا يظهر في الخلاصة", content_hash="f" * 64, cluster_id=7)
        for a in ARTICLES
    )
    assert etag(feed_doc(same), "rss") == etag(feed_doc(), "rss")


def test_source_names_are_only_a_fallback_author() -> None:
    assert SOURCE_NAMES["syria-news"] not in render_rss(feed_doc(ARTICLES[:1])).decode()

"""Feeds: every RSS flavour, Atom and JSON Feed with Arabic content; hostile and broken bodies."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndicator.errors import ParseError
from syndicator.model import Source
from syndicator.sources import feed

SOURCE = Source(id="sham-today", name="شام اليوم", url="https://sham-today.example/feed/")
URL = "https://sham-today.example/feed/"
TITLE = "الحكومة السورية تعلن خطة لإعادة إعمار ريف دمشق"
BODY = "<p>أعلنت الحكومة اليوم عن خطة جديدة تشمل بناء آلاف الوحدات السكنية.</p>"
LINK = "https://sham-today.example/2024/05/reconstruction-plan/"

RSS_091 = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>شام اليوم</title><link>https://sham-today.example/</link>
<language>ar</language>
<item><title>{TITLE}</title><link>{LINK}</link>
<description>أعلنت الحكومة اليوم عن خطة جديدة.</description></item>
</channel></rss>"""

RSS_092 = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="0.92"><channel><title>شام اليوم</title><link>https://sham-today.example/</link>
<item><title>{TITLE}</title><link>{LINK}</link>
<description>أعلنت الحكومة اليوم عن خطة جديدة.</description>
<category>الشأن السوري</category>
<enclosure url="https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg"
  length="12345" type="image/jpeg"/></item>
</channel></rss>"""

RSS_10 = f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://sham-today.example/"><title>شام اليوم</title>
<link>https://sham-today.example/</link><description>أخبار</description>
<items><rdf:Seq><rdf:li rdf:resource="{LINK}"/></rdf:Seq></items></channel>
<item rdf:about="{LINK}"><title>{TITLE}</title><link>{LINK}</link>
<description>أعلنت الحكومة اليوم عن خطة جديدة.</description>
<dc:date>2024-05-01T10:00:00+03:00</dc:date><dc:creator>سامر الأحمد</dc:creator>
<dc:subject>الشأن السوري</dc:subject></item>
</rdf:RDF>"""

RSS_20 = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>شام اليوم</title><link>https://sham-today.example/</link><ttl>15</ttl>
<item><title>{TITLE}</title><link>{LINK}</link>
<guid isPermaLink="false">https://sham-today.example/?p=4521</guid>
<pubDate>Wed, 01 May 2024 10:00:00 +0300</pubDate><dc:creator><![CDATA[سامر الأحمد]]></dc:creator>
<category><![CDATA[الشأن السوري]]></category><category><![CDATA[إعادة الإعمار]]></category>
<description><![CDATA[أعلنت الحكومة اليوم عن خطة جديدة&#8230;]]></description>
<content:encoded><![CDATA[{BODY}]]></content:encoded>
<media:content url="https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg"
  medium="image"/></item>
</channel></rss>"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar"><title>شام اليوم</title>
<id>https://sham-today.example/</id><updated>2024-05-01T09:00:00Z</updated>
<entry><title type="html">{TITLE}</title>
<link rel="alternate" href="/2024/05/reconstruction-plan/"/>
<id>tag:sham-today.example,2024:4521</id><published>2024-05-01T10:00:00+03:00</published>
<updated>2024-05-02T08:30:00Z</updated><author><name>سامر الأحمد</name></author>
<category term="الشأن السوري"/><summary>أعلنت الحكومة اليوم عن خطة جديدة.</summary>
<content type="html"><![CDATA[{BODY}]]></content></entry>
</feed>"""


@pytest.mark.parametrize(
    ("document", "guid", "category", "published"),
    [
        (RSS_091, LINK, None, None),
        (RSS_092, LINK, "الشأن السوري", None),
        (RSS_10, LINK, "الشأن السوري", datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
        (
            RSS_20,
            "https://sham-today.example/?p=4521",
            "الشأن السوري",
            datetime(2024, 5, 1, 7, 0, tzinfo=UTC),
        ),
        (
            ATOM,
            "tag:sham-today.example,2024:4521",
            "الشأن السوري",
            datetime(2024, 5, 1, 7, 0, tzinfo=UTC),
        ),
    ],
    ids=["rss-0.91", "rss-0.92", "rss-1.0-rdf", "rss-2.0", "atom"],
)
def test_every_flavour_gives_the_arabic_entry(
    document: str, guid: str, category: str | None, published: datetime | None
) -> None:
    (entry,) = feed.parse(document.encode(), SOURCE, URL)
    assert entry.source_id == "sham-today"
    assert entry.title == TITLE
    assert entry.url == LINK
    assert entry.guid == guid
    assert (entry.published or entry.updated) == published  # RSS 1.0 dc:date is `updated`
    assert (category in entry.category_names) if category else entry.category_names == ()
    assert "أعلنت الحكومة" in entry.summary_html + entry.content_html


def test_rss_20_details() -> None:
    (entry,) = feed.parse(RSS_20.encode(), SOURCE, URL, "application/rss+xml; charset=UTF-8")
    assert entry.content_html == BODY
    assert entry.author == "سامر الأحمد"
    assert entry.category_names == ("الشأن السوري", "إعادة الإعمار")
    assert entry.image == "https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg"
    assert entry.summary_html == "أعلنت الحكومة اليوم عن خطة جديدة&#8230;"  # HTML, kept


def test_rss_092_image_enclosure_and_atom_updated() -> None:
    (rss,) = feed.parse(RSS_092.encode(), SOURCE, URL)
    assert rss.image == "https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg"
    (atom,) = feed.parse(ATOM.encode(), SOURCE, URL)
    assert atom.updated == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    assert atom.author == "سامر الأحمد"
    assert atom.content_html == BODY


@pytest.mark.parametrize(
    ("declared", "codec", "content_type"),
    [
        ("windows-1256", "cp1256", ""),
        ("windows-1256", "cp1256", "application/rss+xml; charset=windows-1256"),
        ("utf-8", "cp1256", "application/rss+xml; charset=windows-1256"),  # declaration lies
        ("iso-8859-6", "iso8859_6", "text/xml"),
        ("windows-1256", "utf-8", "text/xml; charset=windows-1256"),  # both labels lie
    ],
)
def test_legacy_arabic_encodings(declared: str, codec: str, content_type: str) -> None:
    title = "وزير الخارجية يصل إلى القاهرة في زيارة رسمية"
    document = (
        f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel><title>ق</title>'
        f"<item><title>{title}</title><link>{LINK}</link></item></channel></rss>"
    )
    (entry,) = feed.parse(document.encode(codec), SOURCE, URL, content_type)
    assert entry.title == title


def test_leading_whitespace_before_the_declaration() -> None:
    (entry,) = feed.parse(b"\n\n" + RSS_20.encode(), SOURCE, URL)
    assert entry.title == TITLE


def test_valid_feed_without_items_is_empty() -> None:
    empty = '<rss version="2.0"><channel><title>شام اليوم</title></channel></rss>'
    assert feed.parse(empty.encode(), SOURCE, URL) == []


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body><p>\xd8\xae\xd8\xb7\xd8\xa3 500</p></body></html>", b"not a feed at all"],
)
def test_unreadable_bodies_raise_parse_error_naming_the_url(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"sham-today\.example/feed/"):
        feed.parse(body, SOURCE, URL)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wed, 01 May 2024 10:00:00 +0300", datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),
        ("Sat, 01 Jan 0000 00:00:00 GMT", None),
        ("0000-00-00T00:00:00Z", None),
        ("1970-01-01T00:00:00Z", None),
        ("1989-12-31T23:59:59Z", None),
        ("garbage", None),
        ("الأربعاء 1 مايو 2024", None),
    ],
)
def test_impossible_dates_become_none(raw: str, expected: datetime | None) -> None:
    document = RSS_20.replace("Wed, 01 May 2024 10:00:00 +0300", raw)
    (entry,) = feed.parse(document.encode(), SOURCE, URL)
    assert entry.published == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T10:00:00+03:00", datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
        ("2024-05-01T07:00:00Z", datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
        ("2024-05-01T07:00:00.123Z", datetime(2024, 5, 1, 7, 0, 0, 123000, tzinfo=UTC)),
        ("2024-05-01T07:00:00", datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
        ("Wed, 01 May 2024 10:00:00 +0300", datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
        ("9999-12-31T23:59:59-05:00", None),
        ("0001-01-01T00:00:00+05:00", None),
        ("0000-00-00T00:00:00", None),
        ("1985-06-01T00:00:00Z", None),
        ("2024-13-45", None),
        ("", None),
        (None, None),
        (1714546800, None),
    ],
)
def test_parse_date(raw: object, expected: datetime | None) -> None:
    assert feed.parse_date(raw) == expected


def test_ttl() -> None:
    assert feed.ttl(RSS_20.encode()) == 15
    assert feed.ttl(ATOM.encode()) is None
    assert feed.ttl(b"<rss><channel><ttl>0</ttl></channel></rss>") is None


# JSON Feed

JSON_FEED_11 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "شام اليوم",
    "home_page_url": "https://sham-today.example/",
    "authors": [{"name": "فريق التحرير"}],
    "language": "ar",
    "items": [
        {
            "id": "4521",
            "url": "/2024/05/reconstruction-plan/",
            "title": TITLE,
            "content_html": BODY,
            "summary": "خطة إعمار <جديدة> & شاملة",
            "image": "/wp-content/uploads/2024/05/damascus.jpg",
            "date_published": "2024-05-01T10:00:00+03:00",
            "date_modified": "2024-05-02T08:30:00Z",
            "authors": [{"name": "سامر الأحمد"}, {"name": "ليلى حسن"}],
            "tags": ["الشأن السوري", "إعادة الإعمار", 7],
        },
        {
            "id": 4522,
            "url": "https://sham-today.example/2024/05/weather/",
            "title": "طقس حار في دمشق",
            "content_text": "درجات الحرارة أعلى من المعدل.\n\nتحذير من <العواصف> الرملية.",
            "banner_image": "https://sham-today.example/banner.jpg",
            "date_published": "garbage",
        },
        {"id": "no-url", "title": "بلا رابط"},
        "not an item",
    ],
}

JSON_FEED_10 = {
    "version": "https://jsonfeed.org/version/1",
    "title": "شام اليوم",
    "items": [
        {
            "id": "https://sham-today.example/?p=4521",
            "url": LINK,
            "title": TITLE,
            "content_text": "أعلنت الحكومة اليوم عن خطة جديدة.",
            "author": {"name": "سامر الأحمد"},
            "date_published": "2024-05-01T07:00:00Z",
        }
    ],
}


def test_json_feed_11() -> None:
    body = json.dumps(JSON_FEED_11, ensure_ascii=False).encode()
    first, second = feed.parse(body, SOURCE, URL, "application/feed+json")
    assert first.guid == "4521"
    assert first.url == LINK
    assert first.title == TITLE
    assert first.content_html == BODY
    assert first.summary_html == "خطة إعمار &lt;جديدة&gt; &amp; شاملة"
    assert first.image == "https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg"
    assert first.published == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    assert first.author == "سامر الأحمد, ليلى حسن"
    assert first.category_names == ("الشأن السوري", "إعادة الإعمار")
    assert second.guid == "4522"
    assert second.content_html == (
        "<p>درجات الحرارة أعلى من المعدل.</p><p>تحذير من &lt;العواصف&gt; الرملية.</p>"
    )
    assert second.image == "https://sham-today.example/banner.jpg"
    assert second.author == "فريق التحرير"  # the feed's authors
    assert second.published is None


def test_json_feed_10_sniffed_without_content_type() -> None:
    body = b"\n  " + json.dumps(JSON_FEED_10).encode()
    (entry,) = feed.parse(body, SOURCE, URL, "")
    assert entry.guid == "https://sham-today.example/?p=4521"
    assert entry.author == "سامر الأحمد"
    assert entry.content_html == "<p>أعلنت الحكومة اليوم عن خطة جديدة.</p>"
    assert entry.published == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"version": "1.1", "items": []}', "not a JSON Feed"),
        (b'{"title": "x"}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "items"),
        (b"{not json", "not a readable JSON Feed"),
        (b"[1, 2]", "not a JSON Feed"),
    ],
)
def test_bad_json_feeds(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        feed.parse(body, SOURCE, URL, "application/feed+json")


# Hostile bodies


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-الرمز-السري", encoding="utf-8")
    for doctype in (
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        f'<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{secret}">\n]>',
        f'<!DOCTYPE rss SYSTEM "file://{secret}">',
    ):
        document = (
            f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n<rss version="2.0"><channel>'
            f"<title>&xxe;</title><item><title>خبر &xxe;</title><link>{LINK}</link>"
            f"<description>&xxe;</description></item></channel></rss>"
        )
        try:
            outcome = repr(feed.parse(document.encode(), SOURCE, URL))
        except ParseError as exc:
            outcome = str(exc)
        assert "TOP-SECRET" not in outcome


def test_a_body_that_is_a_local_path_is_not_opened(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_text(RSS_20.replace(TITLE, "TOP-SECRET"), encoding="utf-8")
    with pytest.raises(ParseError):
        feed.parse(str(secret).encode(), SOURCE, URL)


def test_billion_laughs_is_harmless() -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    document = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(entities) + "\n]>\n"
        f'<rss version="2.0"><channel><title>t</title><item><title>&lol9;</title>'
        f"<link>{LINK}</link></item></channel></rss>"
    )
    start = time.perf_counter()
    try:
        entries = feed.parse(document.encode(), SOURCE, URL)
    except ParseError:
        entries = []
    assert time.perf_counter() - start < 2
    assert all(len(entry.title) < 1000 for entry in entries)

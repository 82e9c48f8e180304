"""Sitemaps: Google News and image sitemaps in Arabic, indexes, gzip, bombs and broken XML."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndicator.errors import ParseError
from syndicator.model import Source
from syndicator.sources import sitemap
from syndicator.sources.sitemap import Sitemap, parse_sitemap

SOURCE = Source(
    id="sham-today", name="شام اليوم", url="https://sham-today.example/", kind="sitemap"
)
URL = "https://sham-today.example/news-sitemap.xml"

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="//sham-today.example/main-sitemap.xsl"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://sham-today.example/2024/05/01/%d8%ae%d8%b7%d8%a9-%d8%a7%d9%84%d8%a5%d8%b9%d9%85%d8%a7%d8%b1/</loc>
    <lastmod>2024-05-02T11:30:00+03:00</lastmod>
    <news:news>
      <news:publication>
        <news:name>شام اليوم</news:name><news:language>ar</news:language>
      </news:publication>
      <news:publication_date>2024-05-01T10:00:00+03:00</news:publication_date>
      <news:title>الحكومة تعلن &quot;خطة الإعمار&quot; لريف دمشق</news:title>
      <news:keywords>الشأن السوري، إعادة الإعمار, ريف دمشق ,  </news:keywords>
    </news:news>
    <image:image><image:loc>https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg</image:loc></image:image>
    <image:image><image:loc>https://sham-today.example/wp-content/uploads/2024/05/second.jpg</image:loc></image:image>
  </url>
  <url>
    <loc>/2024/05/02/weather/</loc>
    <lastmod>2024-05-02</lastmod>
  </url>
  <url><loc>mailto:editor@sham-today.example</loc></url>
  <url><lastmod>2024-05-02</lastmod></url>
</urlset>"""

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://sham-today.example/post-sitemap.xml</loc><lastmod>2024-04-30T08:00:00+00:00</lastmod></sitemap>
  <sitemap><loc>https://sham-today.example/post-sitemap2.xml</loc><lastmod>2024-05-02T09:00:00+00:00</lastmod></sitemap>
  <sitemap><loc>https://sham-today.example/page-sitemap.xml</loc></sitemap>
  <sitemap><loc>https://sham-today.example/category-sitemap.xml</loc><lastmod>2024-05-01T09:00:00+00:00</lastmod></sitemap>
  <sitemap><loc>https://sham-today.example/news-sitemap.xml</loc></sitemap>
  <sitemap><loc>https://sham-today.example/newsletter-sitemap.xml</loc><lastmod>2024-05-03T09:00:00+00:00</lastmod></sitemap>
  <sitemap><loc>/sitemap_news_ar.xml</loc><lastmod>2023-01-01</lastmod></sitemap>
  <sitemap><loc>/sitemap.xml?type=news</loc><lastmod>2022-01-01</lastmod></sitemap>
  <sitemap><loc>https://sham-today.example/post-sitemap.xml</loc></sitemap>
</sitemapindex>"""


def test_google_news_sitemap() -> None:
    found = parse_sitemap(NEWS.encode(), SOURCE, URL, "application/xml")
    assert found.children == ()
    first, second = found.entries
    assert first.url == first.guid
    assert first.url.startswith("https://sham-today.example/2024/05/01/%d8%ae")
    assert first.title == 'الحكومة تعلن "خطة الإعمار" لريف دمشق'
    assert first.published == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    assert first.image == "https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg"
    assert first.category_names == ("الشأن السوري", "إعادة الإعمار", "ريف دمشق")
    assert first.source_id == "sham-today"
    # A plain <url>: lastmod stands for both dates, no title.
    assert second.url == "https://sham-today.example/2024/05/02/weather/"
    assert second.title == ""
    assert second.published == second.updated == datetime(2024, 5, 2, tzinfo=UTC)
    assert (second.image, second.category_names) == (None, ())


def test_index_children_news_first_then_newest() -> None:
    found = parse_sitemap(INDEX.encode(), SOURCE, "https://sham-today.example/sitemap_index.xml")
    assert found.entries == ()
    assert found.children == (
        "https://sham-today.example/sitemap_news_ar.xml",  # news, with a lastmod
        "https://sham-today.example/sitemap.xml?type=news",  # news, older
        "https://sham-today.example/news-sitemap.xml",  # news, no lastmod
        "https://sham-today.example/newsletter-sitemap.xml",  # not news: "newsletter"
        "https://sham-today.example/post-sitemap2.xml",
        "https://sham-today.example/category-sitemap.xml",
        "https://sham-today.example/post-sitemap.xml",
        "https://sham-today.example/page-sitemap.xml",  # no lastmod: last
    )


@pytest.mark.parametrize("name", ["sitemap.xml.gz", "sitemap.xml"])
def test_gzip_by_magic_bytes(name: str) -> None:
    found = parse_sitemap(gzip.compress(NEWS.encode()), SOURCE, f"https://x.example/{name}")
    assert len(found.entries) == 2


def test_multi_member_gzip() -> None:
    head, tail = NEWS.encode()[:500], NEWS.encode()[500:]
    found = parse_sitemap(gzip.compress(head) + gzip.compress(tail), SOURCE, URL)
    assert len(found.entries) == 2


def test_gzip_bomb_is_stopped_at_the_cap() -> None:
    """100 MB of spaces in 100 KB of gzip: refused without ever being held in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    megabyte = b" " * (1 << 20)
    bomb = (
        b"".join([packer.compress(b"<urlset>"), *(packer.compress(megabyte) for _ in range(100))])
        + packer.compress(b"</urlset>")
        + packer.flush()
    )
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(ParseError, match="larger than 1000000 bytes"):
            parse_sitemap(bomb, SOURCE, URL, max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_plain_body_over_the_cap() -> None:
    with pytest.raises(ParseError, match="larger than"):
        parse_sitemap(NEWS.encode(), SOURCE, URL, max_bytes=100)


def test_broken_gzip() -> None:
    with pytest.raises(ParseError, match="broken gzip"):
        parse_sitemap(b"\x1f\x8b\x08\x00garbage-garbage", SOURCE, URL)


def test_windows_1256_sitemap() -> None:
    body = NEWS.replace('encoding="UTF-8"', 'encoding="windows-1256"').encode("cp1256")
    (first, _) = parse_sitemap(body, SOURCE, URL, "text/xml").entries
    assert first.title == 'الحكومة تعلن "خطة الإعمار" لريف دمشق'


def test_unescaped_ampersands_are_recovered() -> None:
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://sham-today.example/?p=4521&lang=ar</loc></url>"
        b"<url><loc>https://sham-today.example/2024/05/02/weather/</loc></url></urlset>"
    )
    assert [e.url for e in parse_sitemap(body, SOURCE, URL).entries] == [
        "https://sham-today.example/?p=4521&lang=ar",
        "https://sham-today.example/2024/05/02/weather/",
    ]


def test_namespace_mistakes_are_tolerated() -> None:
    body = (
        '<urlset xmlns="http://www.google.com/schemas/sitemap/0.84" '
        'xmlns:n="http://www.google.com/schemas/sitemap-news/0.84">'
        "<url><loc>https://sham-today.example/a/</loc><n:news><n:title>عاجل</n:title>"
        "</n:news></url></urlset>"
    ).encode()
    (entry,) = parse_sitemap(body, SOURCE, URL).entries
    assert entry.title == "عاجل"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>404</body></html>", "root element <html>"),
        (b'<rss version="2.0"><channel/></rss>', "root element <rss>"),
        (b"", "not a readable sitemap"),
        (b"\x00\x01\x02", "not a readable sitemap"),
    ],
)
def test_not_a_sitemap(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        parse_sitemap(body, SOURCE, URL)
    assert URL in str(caught.value)


def test_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        "<url><loc>https://sham-today.example/a/</loc>"
        "<news:news><news:title>&xxe;</news:title></news:news></url></urlset>"
    ).encode()
    assert "TOP-SECRET" not in repr(parse_sitemap(body, SOURCE, URL))


def test_billion_laughs_is_harmless() -> None:
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    ]
    body = (
        '<?xml version="1.0"?><!DOCTYPE urlset [' + "".join(entities) + "]>"
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        "<url><loc>https://sham-today.example/a/</loc>"
        "<news:news><news:title>&l9;</news:title></news:news></url></urlset>"
    ).encode()
    start = time.perf_counter()
    try:
        found = parse_sitemap(body, SOURCE, URL)
    except ParseError:
        found = Sitemap()
    assert time.perf_counter() - start < 2
    assert all(len(entry.title) < 1000 for entry in found.entries)


def test_gunzip_is_capped_exactly() -> None:
    data = b"x" * 1000
    assert sitemap.gunzip(gzip.compress(data), URL, max_bytes=1000) == data
    with pytest.raises(ParseError):
        sitemap.gunzip(gzip.compress(data), URL, max_bytes=999)

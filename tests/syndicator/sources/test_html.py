"""HTML listings: article links of an Arabic WordPress theme's page by selector, pattern, guess."""

from __future__ import annotations

import dataclasses

import pytest

from syndicator.errors import ParseError
from syndicator.model import Source
from syndicator.sources.html import looks_like_article, parse_listing

SOURCE = Source(id="sham-today", name="شام اليوم", url="https://sham-today.example/", kind="html")
URL = "https://sham-today.example/category/syria/"
A1 = "https://sham-today.example/2024/05/01/%d8%ae%d8%b7%d8%a9-%d8%a7%d9%84%d8%a5%d8%b9%d9%85%d8%a7%d8%b1/"
A2 = "https://sham-today.example/2024/05/02/weather-damascus/"
A3 = "https://sham-today.example/news/128455"
A4 = "https://www.sham-today.example/%D9%88%D8%B2%D9%8A%D8%B1-%D8%A7%D9%84%D8%AE%D8%A7%D8%B1%D8%AC%D9%8A%D8%A9-%D9%8A%D8%B5%D9%84-%D8%A5%D9%84%D9%89-%D8%A7%D9%84%D9%82%D8%A7%D9%87%D8%B1%D8%A9/"

LISTING = f"""<!DOCTYPE html>
<html dir="rtl" lang="ar"><head><meta charset="UTF-8">
<title>الشأن السوري – شام اليوم</title>
<link rel="alternate" type="application/rss+xml" href="https://sham-today.example/feed/">
</head><body class="archive category">
<header id="theme-header"><nav class="main-nav"><ul>
  <li><a href="https://sham-today.example/">الرئيسية</a></li>
  <li><a href="https://sham-today.example/category/%d8%a7%d9%84%d8%b4%d8%a3%d9%86-%d8%a7%d9%84%d8%b3/"
    >الشأن السوري</a></li>
  <li><a href="/category/economy/">اقتصاد</a></li>
  <li><a href="/feed/">RSS</a></li>
  <li><a href="javascript:void(0)" class="search">بحث</a></li>
</ul></nav></header>
<div id="content"><div class="post-listing">
  <article class="item-list post-4521">
    <div class="post-thumbnail"><a href="{A1}">
      <img src="/wp-content/uploads/2024/05/damascus.jpg" alt="خطة الإعمار"></a></div>
    <h2 class="post-box-title"><a href="{A1}">الحكومة تعلن «خطة الإعمار»
        لريف دمشق</a></h2>
    <p class="post-meta"><span class="post-cats">
      <a href="/category/syria/" rel="category tag">الشأن السوري</a></span>
      <a href="/author/samer/">سامر الأحمد</a> <a href="{A1}#respond">3 تعليقات</a></p>
    <div class="entry"><p>أعلنت الحكومة اليوم عن خطة جديدة…</p>
      <a class="more-link" href="{A1}">اقرأ المزيد »</a></div>
  </article>
  <article class="item-list post-4522">
    <h2 class="post-box-title">
      <a href="/2024/05/02/weather-damascus/#main" title="طقس حار في دمشق"> </a></h2>
    <a class="more-link" href="/2024/05/02/weather-damascus/">اقرأ المزيد</a>
  </article>
  <article class="item-list"><h2 class="post-box-title">
    <a href="/news/128455">انطلاق معرض دمشق الدولي</a></h2></article>
  <article class="item-list"><h2 class="post-box-title">
    <a href="{A4}">وزير الخارجية يصل إلى القاهرة</a></h2></article>
</div>
<div class="pagination"><a href="/category/syria/page/2/">2</a>
  <a href="/category/syria/page/3/">التالي</a></div>
</div>
<aside id="sidebar"><div class="widget"><h4>الأكثر قراءة</h4>
  <a href="/news/128455">انطلاق معرض دمشق الدولي (الأكثر قراءة)</a>
  <a href="/tag/%d8%af%d9%85%d8%b4%d9%82/">دمشق</a>
  <a href="https://www.facebook.com/sharer.php?u={A1}">فيسبوك</a>
  <a href="whatsapp://send?text={A1}">واتساب</a>
  <a href="https://other-news.example/2024/05/01/some-story/">خبر من موقع آخر</a>
</div></aside>
<footer><a href="/about-us/">من نحن</a> <a href="/privacy-policy/">سياسة الخصوصية</a>
  <a href="mailto:editor@sham-today.example">راسلنا</a> <a href="tel:+963111234567">اتصل</a>
  <a href="/wp-admin/">دخول</a> <a href="/wp-content/uploads/2024/05/report.pdf">تقرير</a>
  <a href="/2024/05/">أرشيف مايو</a> <a href="#theme-header">زر الذهاب إلى الأعلى</a></footer>
</body></html>"""


def links(source: Source = SOURCE, body: str = LISTING, url: str = URL) -> list[tuple[str, str]]:
    return [(e.url, e.title) for e in parse_listing(body.encode(), source, url)]


def test_heuristic_finds_the_articles_and_nothing_else() -> None:
    assert links() == [
        (A1, "الحكومة تعلن «خطة الإعمار» لريف دمشق"),
        # The title link carries #main and is skipped; «read more» is no title: the
        # pipeline takes the one of the article page.
        (A2, ""),
        (A3, "انطلاق معرض دمشق الدولي"),
        (A4, "وزير الخارجية يصل إلى القاهرة"),
    ]


def test_entries_are_candidates_with_guid_and_source() -> None:
    entries = parse_listing(LISTING.encode(), SOURCE, URL)
    assert all(e.guid == e.url and e.source_id == "sham-today" for e in entries)
    assert all(e.content_html == "" and e.published is None for e in entries)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        # The <a> elements themselves; a fragment is dropped, the title attribute used.
        (
            "h2.post-box-title a",
            [
                (A1, "الحكومة تعلن «خطة الإعمار» لريف دمشق"),
                (A2, "طقس حار في دمشق"),
                (A3, "انطلاق معرض دمشق الدولي"),
                (A4, "وزير الخارجية يصل إلى القاهرة"),
            ],
        ),
        # Containers: every <a> inside; the image link comes first but the real title wins.
        (
            "article.post-4521",
            [
                (A1, "الحكومة تعلن «خطة الإعمار» لريف دمشق"),
                ("https://sham-today.example/category/syria/", "الشأن السوري"),
                ("https://sham-today.example/author/samer/", "سامر الأحمد"),
            ],
        ),
        (".post-thumbnail", [(A1, "خطة الإعمار")]),  # only an image: its alt text
        (
            "aside a[href*='other-news']",
            [("https://other-news.example/2024/05/01/some-story/", "خبر من موقع آخر")],
        ),
        ("div.nothing-here a", []),
    ],
)
def test_link_selector(selector: str, expected: list[tuple[str, str]]) -> None:
    assert links(dataclasses.replace(SOURCE, link_selector=selector)) == expected


def test_link_pattern_is_searched_in_the_absolute_url() -> None:
    source = dataclasses.replace(SOURCE, link_pattern=r"/news/\d+$|/2024/05/02/")
    assert links(source) == [(A2, "طقس حار في دمشق"), (A3, "انطلاق معرض دمشق الدولي")]


def test_selector_wins_over_pattern() -> None:
    source = dataclasses.replace(
        SOURCE, link_selector="footer a[href^='/about']", link_pattern="news"
    )
    assert links(source) == [("https://sham-today.example/about-us/", "من نحن")]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("link_selector", "h2 a[", "invalid link_selector 'h2 a\\['"),
        ("link_selector", "a::text", "invalid link_selector 'a::text'"),
        ("link_pattern", "/news/(\\d+", "invalid link_pattern '/news/\\(\\\\\\\\d\\+'"),
    ],
)
def test_invalid_selector_or_pattern(field: str, value: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        links(dataclasses.replace(SOURCE, **{field: value}))
    assert URL in str(caught.value)


def test_base_href_and_windows_1256() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
        '<base href="https://cdn.sham-today.example/ar/"></head><body>'
        '<a href="2024/05/01/flood-in-homs/">فيضانات في حمص</a></body></html>'
    )
    source = dataclasses.replace(SOURCE, link_pattern="flood")
    entries = parse_listing(page.encode("cp1256"), source, "https://sham-today.example/")
    assert [(e.url, e.title) for e in entries] == [
        ("https://cdn.sham-today.example/ar/2024/05/01/flood-in-homs/", "فيضانات في حمص")
    ]


@pytest.mark.parametrize("body", [b"", b"   \n "])
def test_empty_page(body: bytes) -> None:
    with pytest.raises(ParseError, match="empty HTML page"):
        parse_listing(body, SOURCE, URL)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (A1, True),
        ("https://sham-today.example/2024/05/01/4521/", True),
        ("https://sham-today.example/2024/5/1/flood/", True),
        ("https://sham-today.example/news/128455", True),
        ("https://sham-today.example/article-128455.html", True),
        ("https://sham-today.example/?p=4521", True),
        (
            "https://sham-today.example/%d9%88%d8%b2%d9%8a%d8%b1-%d9%8a%d8%b5%d9%84-%d8%a5%d9%84%d9%89-%d8%af%d9%85%d8%b4%d9%82/",
            True,
        ),
        ("https://sham-today.example/syrian-minister-visits-cairo-today/", True),
        ("https://sham-today.example/", False),
        ("https://sham-today.example/2024/05/", False),
        ("https://sham-today.example/2024/05/01/", False),
        ("https://sham-today.example/2024/", False),
        ("https://sham-today.example/about-us/", False),
        ("https://sham-today.example/elections-2024/", False),
        ("https://sham-today.example/news/1234", True),
        ("https://sham-today.example/category/syria-news-of-the-day/", False),
        ("https://sham-today.example/tag/2024-elections-in-syria/", False),
        ("https://sham-today.example/author/samer-al-ahmad-the-editor/", False),
        ("https://sham-today.example/2024/05/01/flood/feed/", False),
        ("https://sham-today.example/page/12345/", False),
        ("https://sham-today.example/wp-admin/post.php?post=4521", False),
        ("https://sham-today.example/wp-content/uploads/2024/05/damascus-old-city-view.jpg", False),
        ("https://sham-today.example/sitemap-posts-2024-05.xml", False),
        ("https://other-news.example/2024/05/01/flood/", False),
    ],
)
def test_looks_like_article(link: str, expected: bool) -> None:
    assert looks_like_article(link, URL) is expected

"""Discovery: an Arabic WordPress home page and robots.txt -> feeds, API, sitemaps, TOML entry."""

from __future__ import annotations

import ast
import dataclasses
import tomllib
from pathlib import Path

import pytest

from syndicator.discover import (
    Discovery,
    FoundFeed,
    discover_page,
    main_feeds,
    sitemaps_from_robots,
    slug,
    suggest,
    with_robots,
)
from syndicator.errors import ParseError

URL = "https://www.sham-today.example/"

HOME = """<!DOCTYPE html>
<html dir="rtl" lang="ar"><head>
<meta charset="UTF-8">
<title>شام اليوم &#8211; أخبار سوريا والعالم على مدار الساعة</title>
<link rel="alternate" type="application/rss+xml" title="شام اليوم &raquo; الخلاصة"
      href="https://www.sham-today.example/feed/" />
<link rel="alternate" type="application/rss+xml" title="شام اليوم &raquo; خلاصة التعليقات"
      href="https://www.sham-today.example/comments/feed/" />
<link rel="alternate" type="application/atom+xml" title="Atom" href="/feed/atom/#x" />
<link rel="alternate" type="application/feed+json" title="JSON Feed" href="feed/json/" />
<link rel="alternate" type="application/rss+xml" href="https://www.sham-today.example/feed/" />
<link rel="https://api.w.org/" href="https://www.sham-today.example/wp-json/" />
<link rel="alternate" title="JSON" type="application/json"
      href="https://www.sham-today.example/wp-json/wp/v2/pages/2" />
<link rel="alternate" type="application/json+oembed"
      href="https://www.sham-today.example/wp-json/oembed/1.0/embed?url=x" />
<link rel="EditURI" type="application/rsd+xml"
      href="https://www.sham-today.example/xmlrpc.php?rsd" />
<link rel="sitemap" type="application/xml" href="/wp-sitemap.xml" />
<link rel="stylesheet" href="/wp-content/themes/jannah/style.css" />
<meta name="generator" content="WordPress 6.5.3" />
<meta property="og:site_name" content="شام اليوم" />
</head><body><h1>شام اليوم</h1></body></html>"""

ROBOTS = """# robots.txt for sham-today
User-agent: *
Disallow: /wp-admin/
Allow: /wp-admin/admin-ajax.php

Sitemap: https://www.sham-today.example/sitemap_index.xml
sitemap:https://www.sham-today.example/news-sitemap.xml # Yoast News
SITEMAP: /wp-sitemap.xml
Sitemap: https://www.sham-today.example/sitemap_index.xml
Sitemap: ftp://www.sham-today.example/old.xml
# Sitemap: https://www.sham-today.example/commented-out.xml
"""


def test_discover_a_wordpress_home_page() -> None:
    found = discover_page(HOME.encode(), URL, "text/html; charset=UTF-8")
    assert found.site_url == URL
    assert found.site_name == "شام اليوم"
    assert found.feeds == (
        FoundFeed(
            "https://www.sham-today.example/feed/", "شام اليوم » الخلاصة", "application/rss+xml"
        ),
        FoundFeed(
            "https://www.sham-today.example/comments/feed/",
            "شام اليوم » خلاصة التعليقات",
            "application/rss+xml",
        ),
        FoundFeed("https://www.sham-today.example/feed/atom/", "Atom", "application/atom+xml"),
        FoundFeed(
            "https://www.sham-today.example/feed/json/", "JSON Feed", "application/feed+json"
        ),
    )
    assert found.wordpress_api == "https://www.sham-today.example/wp-json/"
    assert found.sitemaps == ("https://www.sham-today.example/wp-sitemap.xml",)
    assert [f.url for f in main_feeds(found)] == [
        "https://www.sham-today.example/feed/",
        "https://www.sham-today.example/feed/atom/",
        "https://www.sham-today.example/feed/json/",
    ]


@pytest.mark.parametrize(
    ("head", "name"),
    [
        ("<title>شام اليوم &#8211; أخبار سوريا</title>", "شام اليوم"),
        ("<title>شام اليوم | الصفحة الرئيسية</title>", "شام اليوم"),
        ("<title>\n  شام اليوم  </title>", "شام اليوم"),
        ("<title>Al-Watan - أخبار</title>", "Al-Watan"),
        ('<meta name="application-name" content="الوطن"><title>x - y</title>', "الوطن"),
        ("", ""),
    ],
)
def test_site_name(head: str, name: str) -> None:
    page = f"<html><head>{head}</head><body><p>نص</p></body></html>"
    assert discover_page(page.encode(), URL).site_name == name


def test_windows_1256_home_page_without_anything() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
        "<title>جريدة البعث</title></head><body><a href='/news/1234'>خبر</a></body></html>"
    )
    found = discover_page(page.encode("cp1256"), "http://albaath.example/index.php")
    assert found == Discovery("http://albaath.example/index.php", "جريدة البعث", (), None, ())


def test_unreadable_home_page() -> None:
    with pytest.raises(ParseError, match="sham-today"):
        discover_page(b"", URL)


def test_sitemaps_from_robots() -> None:
    assert sitemaps_from_robots(ROBOTS, URL) == (
        "https://www.sham-today.example/sitemap_index.xml",
        "https://www.sham-today.example/news-sitemap.xml",
        "https://www.sham-today.example/wp-sitemap.xml",
    )
    assert sitemaps_from_robots("", URL) == ()
    assert sitemaps_from_robots("User-agent: *\nDisallow:\n", URL) == ()


def test_with_robots_appends_new_sitemaps() -> None:
    found = with_robots(discover_page(HOME.encode(), URL), ROBOTS)
    assert found.sitemaps == (
        "https://www.sham-today.example/wp-sitemap.xml",
        "https://www.sham-today.example/sitemap_index.xml",
        "https://www.sham-today.example/news-sitemap.xml",
    )
    assert found.feeds == discover_page(HOME.encode(), URL).feeds


BARE = Discovery(site_url="https://sham-today.example/", site_name="شام اليوم")
ONLY_COMMENTS = dataclasses.replace(
    BARE,
    feeds=(
        FoundFeed(
            "https://sham-today.example/comments/feed/", "Comments Feed", "application/rss+xml"
        ),
    ),
)


@pytest.mark.parametrize(
    ("found", "kind", "url"),
    [
        (discover_page(HOME.encode(), URL), "feed", "https://www.sham-today.example/feed/"),
        (
            dataclasses.replace(ONLY_COMMENTS, wordpress_api="https://sham-today.example/wp-json/"),
            "wordpress",
            "https://sham-today.example/wp-json/",
        ),
        (
            dataclasses.replace(
                ONLY_COMMENTS,
                sitemaps=(
                    "https://sham-today.example/sitemap_index.xml",
                    "https://sham-today.example/sitemap-news.xml",
                ),
            ),
            "sitemap",
            "https://sham-today.example/sitemap-news.xml",
        ),
        (
            dataclasses.replace(BARE, sitemaps=("https://sham-today.example/sitemap_index.xml",)),
            "html",
            "https://sham-today.example/",
        ),
    ],
    ids=["feed", "wordpress", "news-sitemap", "html"],
)
def test_suggest_prefers_feed_then_wordpress_then_news_sitemap(
    found: Discovery, kind: str, url: str
) -> None:
    snippet = suggest(found)
    (source,) = tomllib.loads(snippet)["sources"]
    assert source["kind"] == kind
    assert source["url"] == url
    assert source["name"] == "شام اليوم"
    assert source["id"] == "sham-today-example"
    assert ("link_selector" in snippet) is (kind == "html")


def test_suggest_escapes_toml_and_takes_an_id() -> None:
    found = dataclasses.replace(BARE, site_name='شام "اليوم" \\ نشرة\nثانية\t\x7f\x01')
    snippet = suggest(found, source_id="sham")
    (source,) = tomllib.loads(snippet)["sources"]
    assert source["id"] == "sham"
    assert source["name"] == found.site_name


def test_suggest_without_a_site_name_uses_the_host() -> None:
    (source,) = tomllib.loads(suggest(dataclasses.replace(BARE, site_name="")))["sources"]
    assert source["name"] == "sham-today.example"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.sham-today.example/", "sham-today-example"),
        ("https://sham-today.example:8443/ar/", "sham-today-example"),
        ("http://NEWS.Example.COM", "news-example-com"),
        ("https://أخبار.example/", "xn-igbicxr-example"),  # punycode, dashes collapsed
        ("not a url", "source"),
    ],
)
def test_slug(url: str, expected: str) -> None:
    assert slug(url) == expected


PARSING_MODULES = [
    "syndicator/encoding.py",
    "syndicator/discover.py",
    "syndicator/sources/feed.py",
    "syndicator/sources/wordpress.py",
    "syndicator/sources/sitemap.py",
    "syndicator/sources/html.py",
]


@pytest.mark.parametrize("path", PARSING_MODULES)
def test_parsing_modules_are_pure(path: str) -> None:
    """No network, database or clock in the parsing layer (the I/O shell calls it)."""
    tree = ast.parse((Path(__file__).resolve().parents[2] / path).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert not imported & {
        "httpx",
        "sqlalchemy",
        "telegram",
        "urllib3",
        "requests",
        "socket",
        "time",
    }
    clock = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"now", "utcnow", "today", "time", "monotonic"}
    ]
    assert clock == []

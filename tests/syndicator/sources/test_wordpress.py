"""WordPress REST API: URLs, posts JSON as WordPress 6 sends it (Arabic), errors, pagination."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from syndicator.errors import ParseError
from syndicator.model import Source
from syndicator.sources import wordpress

SOURCE = Source(
    id="sham-today", name="شام اليوم", url="https://sham-today.example/", kind="wordpress"
)
API = "https://sham-today.example/wp-json/"
URL = API + "wp/v2/posts?_embed=1"


def post(**overrides: Any) -> dict[str, Any]:
    """One post as ``/wp-json/wp/v2/posts?_embed`` returns it (fields trimmed to the useful)."""
    value: dict[str, Any] = {
        "id": 4521,
        "date": "2024-05-01T10:00:00",
        "date_gmt": "2024-05-01T07:00:00",
        "guid": {"rendered": "https://sham-today.example/?p=4521&#038;lang=ar"},
        "modified": "2024-05-02T11:30:00",
        "modified_gmt": "2024-05-02T08:30:00",
        "slug": "%d8%ae%d8%b7%d8%a9-%d8%a7%d9%84%d8%a5%d8%b9%d9%85%d8%a7%d8%b1",
        "status": "publish",
        "type": "post",
        "link": "https://sham-today.example/2024/05/01/%d8%ae%d8%b7%d8%a9-%d8%a7%d9%84%d8%a5%d8%b9%d9%85%d8%a7%d8%b1/",
        "title": {
            "rendered": "الحكومة تعلن &#8220;خطة الإعمار&#8221; <em>لريف</em> دمشق &#8211; تفاصيل"
        },
        "content": {
            "rendered": "<p>أعلنت الحكومة اليوم عن خطة جديدة لإعادة إعمار ريف دمشق.</p>\n",
            "protected": False,
        },
        "excerpt": {
            "rendered": "<p>أعلنت الحكومة اليوم عن خطة جديدة&hellip;</p>\n",
            "protected": False,
        },
        "author": 3,
        "featured_media": 9001,
        "categories": [12],
        "tags": [40, 41],
        "_embedded": {
            "author": [{"id": 3, "name": "سامر الأحمد", "slug": "samer"}],
            "wp:featuredmedia": [
                {
                    "id": 9001,
                    "source_url": "https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg",
                    "media_type": "image",
                }
            ],
            "wp:term": [
                [
                    {"id": 12, "name": "الشأن السوري", "taxonomy": "category"},
                    {"id": 13, "name": "أخبار &amp; تقارير", "taxonomy": "category"},
                ],
                [
                    {"id": 40, "name": "إعادة الإعمار", "taxonomy": "post_tag"},
                    {"id": 41, "name": "ريف دمشق", "taxonomy": "post_tag"},
                    {"id": 12, "name": "الشأن السوري", "taxonomy": "post_tag"},
                ],
                [{"id": 7, "name": "مقال رأي", "taxonomy": "post_format"}],
            ],
        },
    }
    value.update(overrides)
    return value


def parse(*posts: object) -> list[Any]:
    return wordpress.parse_posts(json.dumps(list(posts), ensure_ascii=False).encode(), SOURCE, URL)


def test_a_wordpress_6_post() -> None:
    (entry,) = parse(post())
    assert entry.source_id == "sham-today"
    assert entry.title == "الحكومة تعلن “خطة الإعمار” لريف دمشق – تفاصيل"
    assert entry.url.startswith("https://sham-today.example/2024/05/01/%d8%ae")
    assert entry.guid == "https://sham-today.example/?p=4521&lang=ar"
    assert entry.content_html == "<p>أعلنت الحكومة اليوم عن خطة جديدة لإعادة إعمار ريف دمشق.</p>"
    assert entry.summary_html == "<p>أعلنت الحكومة اليوم عن خطة جديدة&hellip;</p>"
    assert entry.published == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
    assert entry.updated == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    assert entry.author == "سامر الأحمد"
    assert entry.image == "https://sham-today.example/wp-content/uploads/2024/05/damascus.jpg"
    assert entry.category_names == ("الشأن السوري", "أخبار & تقارير", "إعادة الإعمار", "ريف دمشق")


def test_protected_post_has_no_content() -> None:
    (entry,) = parse(
        post(
            content={"rendered": "<p>نص محمي</p>", "protected": True},
            excerpt={"rendered": "<p>لا يوجد مقتطف لأن هذه المقالة محمية.</p>", "protected": True},
        )
    )
    assert entry.content_html == ""
    assert entry.summary_html == ""
    assert entry.title.startswith("الحكومة")


@pytest.mark.parametrize(
    ("fields", "published", "updated"),
    [
        (  # no *_gmt: the local times, read as UTC
            {"date_gmt": None, "modified_gmt": None},
            datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
            datetime(2024, 5, 2, 11, 30, tzinfo=UTC),
        ),
        (
            {"date_gmt": "0000-00-00T00:00:00", "modified_gmt": "garbage"},
            datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
            datetime(2024, 5, 2, 11, 30, tzinfo=UTC),
        ),
        (
            {"date_gmt": "1970-01-01T00:00:00", "date": "1970-01-01T03:00:00"},
            None,
            datetime(2024, 5, 2, 8, 30, tzinfo=UTC),
        ),
        (
            {"date_gmt": "9999-12-31T23:59:59", "date": None},
            None,
            datetime(2024, 5, 2, 8, 30, tzinfo=UTC),
        ),
    ],
)
def test_dates(
    fields: dict[str, Any], published: datetime | None, updated: datetime | None
) -> None:
    (entry,) = parse(post(**fields))
    assert (entry.published, entry.updated) == (published, updated)


def test_missing_and_forbidden_embeds() -> None:
    forbidden = {"code": "rest_forbidden", "message": "Sorry", "data": {"status": 401}}
    (bare, refused) = parse(
        post(_embedded=None),
        post(_embedded={"author": [forbidden], "wp:featuredmedia": [forbidden], "wp:term": "x"}),
    )
    for entry in (bare, refused):
        assert (entry.author, entry.image, entry.category_names) == ("", None, ())


@pytest.mark.parametrize(
    ("fields", "image"),
    [
        (
            {"jetpack_featured_media_url": "https://i0.wp.com/sham-today.example/a.jpg"},
            "https://i0.wp.com/sham-today.example/a.jpg",
        ),
        (
            {"yoast_head_json": {"og_image": [{"url": "https://sham-today.example/og.jpg"}]}},
            "https://sham-today.example/og.jpg",
        ),
        ({}, None),
    ],
)
def test_image_fallbacks(fields: dict[str, Any], image: str | None) -> None:
    (entry,) = parse(post(_embedded={}, **fields))
    assert entry.image == image


def test_skips_what_is_not_a_post() -> None:
    entries = parse(post(), "junk", post(link="javascript:alert(1)"), post(link=None), 7)
    assert len(entries) == 1


def test_guid_falls_back_to_link() -> None:
    (entry,) = parse(post(guid=None))
    assert entry.guid == entry.url


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"code":"rest_post_invalid_page_number","message":"\\u0631\\u0642\\u0645 '
            b"\\u0627\\u0644\\u0635\\u0641\\u062d\\u0629 \\u0627\\u0644\\u0645\\u0637\\u0644\\u0648"
            b"\\u0628 \\u0623\\u0643\\u0628\\u0631 \\u0645\\u0646 \\u0639\\u062f\\u062f "
            b'\\u0627\\u0644\\u0635\\u0641\\u062d\\u0627\\u062a.","data":{"status":400}}',
            "WordPress error rest_post_invalid_page_number: "
            "رقم الصفحة المطلوب أكبر من عدد الصفحات.",
        ),
        (b'{"code":"rest_no_route","message":"No route was found"}', "rest_no_route: No route"),
        (b'{"posts": []}', "must be a JSON list, got dict"),
        (b"<!DOCTYPE html><html><body>Just a moment...</body></html>", "not WordPress JSON"),
        (b"", "not WordPress JSON"),
    ],
)
def test_errors_name_the_url_and_the_wordpress_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=r"sham-today\.example/wp-json/") as caught:
        wordpress.parse_posts(body, SOURCE, URL)
    assert message in str(caught.value)


def test_empty_page() -> None:
    assert wordpress.parse_posts(b"[]", SOURCE, URL) == []


@pytest.mark.parametrize(
    ("site", "root"),
    [
        ("https://sham-today.example", API),
        ("https://sham-today.example/", API),
        ("https://sham-today.example/?utm_source=x#top", API),
        ("https://sham-today.example/wp-json", API),
        ("https://sham-today.example/wp-json/", API),
        ("https://sham-today.example/wp-json/wp/v2/posts", API),
        ("https://example.org/news", "https://example.org/news/wp-json/"),
        ("https://example.org/?rest_route=/", "https://example.org/?rest_route=/"),
    ],
)
def test_api_root(site: str, root: str) -> None:
    assert wordpress.api_root(site) == root


def test_posts_url() -> None:
    url = wordpress.posts_url(API, page=3, per_page=20)
    parts = urlsplit(url)
    assert parts.path == "/wp-json/wp/v2/posts"
    assert parse_qs(parts.query) == {
        "_embed": ["author,wp:featuredmedia,wp:term"],
        "orderby": ["modified"],
        "order": ["desc"],
        "per_page": ["20"],
        "page": ["3"],
    }


@pytest.mark.parametrize(
    "since",
    [
        datetime(2024, 5, 2, 8, 30, tzinfo=UTC),
        datetime(2024, 5, 2, 11, 30, tzinfo=timezone(timedelta(hours=3))),
        datetime(2024, 5, 2, 8, 30),  # naive: UTC
    ],
)
def test_posts_url_modified_after_is_utc(since: datetime) -> None:
    query = parse_qs(urlsplit(wordpress.posts_url(API, modified_after=since)).query)
    assert query["modified_after"] == ["2024-05-02T08:30:00Z"]
    assert (query["page"], query["per_page"]) == (["1"], ["50"])


def test_posts_url_without_pretty_permalinks() -> None:
    url = wordpress.posts_url("https://example.org/?rest_route=/", page=2)
    query = parse_qs(urlsplit(url).query)
    assert query["rest_route"] == ["/wp/v2/posts"]
    assert query["page"] == ["2"]
    assert urlsplit(url).path == "/"


@pytest.mark.parametrize(
    ("headers", "pages"),
    [
        ({"X-WP-TotalPages": "7", "X-WP-Total": "331"}, 7),
        ({"x-wp-totalpages": " 2 "}, 2),
        ({"X-WP-TotalPages": "0"}, 0),
        ({"X-WP-TotalPages": "many"}, 1),
        ({}, 1),
    ],
)
def test_total_pages(headers: dict[str, str], pages: int) -> None:
    assert wordpress.total_pages(headers) == pages

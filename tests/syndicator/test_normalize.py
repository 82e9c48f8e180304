"""Normalization: canonical URLs, UTC dates, content hashes and the normalized article."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from syndicator.model import Entry
from syndicator.normalize import (
    Body,
    as_utc,
    canonical_url,
    content_hash,
    identity_url,
    is_shortlink,
    normalize_entry,
)

NOW = datetime(2017, 10, 19, 21, 0, tzinfo=UTC)
DAMASCUS = timezone(timedelta(hours=3))

SLUG_RAW = "https://news.example.com/الشأن-السوري/روسيا-تتجه/"
SLUG_ENCODED = (
    "https://news.example.com/%D8%A7%D9%84%D8%B4%D8%A3%D9%86-%D8%A7%D9%84%D8%B3%D9%88%D8%B1"
    "%D9%8A/%D8%B1%D9%88%D8%B3%D9%8A%D8%A7-%D8%AA%D8%AA%D8%AC%D9%87/"
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "HTTPS://News.Example.COM/2017/10/19/russia/",
            "https://news.example.com/2017/10/19/russia/",
            id="scheme-and-host-lowercased",
        ),
        pytest.param(
            "https://news.example.com/2017/Russia/",
            "https://news.example.com/2017/Russia/",
            id="path-case-kept",
        ),
        pytest.param(
            "http://news.example.com:80/a", "http://news.example.com/a", id="http-default-port"
        ),
        pytest.param(
            "https://news.example.com:443/a", "https://news.example.com/a", id="https-default-port"
        ),
        pytest.param(
            "https://news.example.com:8443/a",
            "https://news.example.com:8443/a",
            id="other-port-kept",
        ),
        pytest.param(
            "http://news.example.com:443/a",
            "http://news.example.com:443/a",
            id="https-port-on-http-kept",
        ),
        pytest.param(
            "https://news.example.com/a#comments", "https://news.example.com/a", id="fragment"
        ),
        pytest.param(
            "https://news.example.com/a?utm_source=tw&p=4411&fbclid=IwAR0x&lang=ar"
            "&utm_medium=social&UTM_Campaign=x",
            "https://news.example.com/a?p=4411&lang=ar",
            id="tracking-removed-others-in-order",
        ),
        pytest.param(
            "https://news.example.com/a?z=1&a=2", "https://news.example.com/a?z=1&a=2", id="no-sort"
        ),
        pytest.param(
            "https://news.example.com/a?utm_source=rss", "https://news.example.com/a", id="only-utm"
        ),
        pytest.param(
            "https://news.example.com/?s=", "https://news.example.com/?s=", id="blank-value-kept"
        ),
        pytest.param(SLUG_RAW, SLUG_ENCODED, id="raw-arabic-path-encoded"),
        pytest.param(SLUG_ENCODED, SLUG_ENCODED, id="encoded-arabic-path-stable"),
        pytest.param(
            SLUG_ENCODED.lower(),
            SLUG_ENCODED,
            id="lowercase-percent-escapes-uppercased",
        ),
        pytest.param(
            "https://news.example.com/?tag=سوريا",
            "https://news.example.com/?tag=%D8%B3%D9%88%D8%B1%D9%8A%D8%A7",
            id="arabic-query-value-encoded",
        ),
        pytest.param("https://news.example.com", "https://news.example.com/", id="empty-path"),
        pytest.param(
            "https://news.example.com?p=1", "https://news.example.com/?p=1", id="empty-path-query"
        ),
        pytest.param(
            "  https://news.example.com/a  ", "https://news.example.com/a", id="whitespace"
        ),
        pytest.param(
            "https://news.example.com/a%2fb/c",
            "https://news.example.com/a%2Fb/c",
            id="encoded-slash-stays-data",
        ),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(SLUG_RAW, SLUG_ENCODED, id="raw-vs-encoded-arabic"),
        pytest.param(
            SLUG_RAW + "?utm_source=facebook#respond",
            SLUG_ENCODED.replace("https://news.", "HTTPS://NEWS."),
            id="tracking-fragment-case",
        ),
    ],
)
def test_canonical_url_equal_forms(one: str, other: str) -> None:
    assert canonical_url(one) == canonical_url(other)


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url(SLUG_RAW + "?p=4411&utm_source=x#top")
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(
            datetime(2017, 10, 19, 18, 30), datetime(2017, 10, 19, 18, 30, tzinfo=UTC), id="naive"
        ),
        pytest.param(
            datetime(2017, 10, 19, 21, 30, tzinfo=DAMASCUS),
            datetime(2017, 10, 19, 18, 30, tzinfo=UTC),
            id="aware-converted",
        ),
        pytest.param(
            datetime(2017, 10, 19, 18, 30, tzinfo=UTC),
            datetime(2017, 10, 19, 18, 30, tzinfo=UTC),
            id="already-utc",
        ),
        pytest.param(None, NOW, id="none-is-fallback"),
    ],
)
def test_as_utc(moment: datetime | None, expected: datetime) -> None:
    result = as_utc(moment, NOW)
    assert result == expected
    assert result.utcoffset() == timedelta(0)
    assert result.tzinfo is not None


def test_as_utc_naive_fallback_is_taken_as_utc() -> None:
    assert as_utc(None, datetime(2017, 10, 19, 12, 0)) == datetime(2017, 10, 19, 12, 0, tzinfo=UTC)


TITLE = "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!"
TEXT = (
    "قال لافروف ، إنّ ” تحقيق النجاح النهائي في مكافحة الإرهاب في سوريا أصبح على وشك الانتهاء "
    "، و ذلك بفضل جهود كلّ الذين يحاربون تنظيمي ( داعش ) ” ."
)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(TITLE, TEXT, id="identical"),
        pytest.param(TITLE, TEXT.replace("إنّ", "إنَّ"), id="other-diacritics"),
        pytest.param(TITLE, TEXT.replace("إنّ", "ان"), id="no-diacritics-no-hamza"),
        pytest.param(TITLE.replace("سوريا", "ســوريا"), TEXT, id="tatweel"),
        pytest.param(TITLE.replace("الأسد", "الاسد"), TEXT, id="alef-hamza"),
        pytest.param(TITLE, TEXT.replace("النهائي", "النهائى"), id="alef-maqsura"),
        pytest.param(TITLE, TEXT.replace("سوريا", "سوريا\u200c"), id="zero-width"),
        pytest.param(f"  {TITLE}  ", TEXT.replace(" ", "  "), id="spacing"),
        pytest.param(TITLE.replace(" !!", "!!"), TEXT, id="exclamation-spacing"),
        pytest.param(TITLE, TEXT.replace(" ،", "،"), id="arabic-comma-spacing"),
        pytest.param(TITLE, TEXT.replace("( داعش )", "(داعش)"), id="bracket-spacing"),
    ],
)
def test_content_hash_equal_across_variants(title: str, text: str) -> None:
    assert content_hash(title, text) == content_hash(TITLE, TEXT)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(TITLE, TEXT.replace("سوريا", "العراق"), id="different-word"),
        pytest.param("بوتين: عملية السلام في سوريا تتطور", TEXT, id="different-title"),
        pytest.param(TITLE, "", id="missing-text"),
    ],
)
def test_content_hash_differs_for_different_text(title: str, text: str) -> None:
    assert content_hash(title, text) != content_hash(TITLE, TEXT)


def test_content_hash_is_sha256_hex() -> None:
    digest = content_hash(TITLE, TEXT)
    assert len(digest) == 64
    assert int(digest, 16) >= 0


# --- normalize_entry -----------------------------------------------------------------------

URL = "https://News.Example.com/2017/10/19/russia/?utm_source=rss&p=4411#more"
CANONICAL = "https://news.example.com/2017/10/19/russia/?p=4411"
BODY = Body(
    text="قال وزير الخارجية الروسي\u00a0 سيرغي لافروف\x00\n\nو أكد لافروف ذلك .",
    html="<p>قال وزير الخارجية الروسي سيرغي لافروف</p>",
    image="https://news.example.com/wp-content/uploads/lavrov.jpg",
    author="فريق التحرير",
)


def entry(**changes: object) -> Entry:
    values: dict[str, object] = {
        "source_id": "syria-news",
        "guid": "https://news.example.com/?p=4411",
        "url": URL,
        "title": "  روسيا تتجه\nلمؤتمر شعوب سوريا\u200b  !!\n",
        "published": datetime(2017, 10, 19, 21, 30, tzinfo=DAMASCUS),
        "updated": None,
    }
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]


def test_normalize_entry_fields() -> None:
    article = normalize_entry(entry(), BODY, NOW)
    assert article.source_id == "syria-news"
    assert article.guid == "https://news.example.com/?p=4411"
    assert article.url == CANONICAL
    assert article.title == "روسيا تتجه لمؤتمر شعوب سوريا !!"
    assert article.text == "قال وزير الخارجية الروسي سيرغي لافروف\n\nو أكد لافروف ذلك ."
    assert article.content_html == BODY.html
    assert article.summary == ""
    assert article.categories == ()
    assert article.published == datetime(2017, 10, 19, 18, 30, tzinfo=UTC)
    assert article.updated == article.published
    assert article.author == "فريق التحرير"
    assert article.image == BODY.image
    assert article.content_hash == content_hash(article.title, article.text)
    assert article.id is None


@pytest.mark.parametrize(
    ("published", "updated", "expected_published", "expected_updated"),
    [
        pytest.param(NOW + timedelta(days=2), None, NOW, NOW, id="future-published-clamped-to-now"),
        pytest.param(None, None, NOW, NOW, id="missing-dates-are-now"),
        pytest.param(
            None,
            NOW - timedelta(hours=2),
            NOW - timedelta(hours=2),
            NOW - timedelta(hours=2),
            id="only-updated-used-as-published",
        ),
        pytest.param(
            NOW - timedelta(hours=3),
            NOW - timedelta(hours=5),
            NOW - timedelta(hours=3),
            NOW - timedelta(hours=3),
            id="updated-never-before-published",
        ),
        pytest.param(
            NOW - timedelta(hours=3),
            NOW - timedelta(hours=1),
            NOW - timedelta(hours=3),
            NOW - timedelta(hours=1),
            id="later-update-kept",
        ),
        pytest.param(
            NOW - timedelta(hours=3),
            NOW + timedelta(hours=1),
            NOW - timedelta(hours=3),
            NOW,
            id="future-updated-clamped-to-now",
        ),
        pytest.param(
            datetime(2017, 10, 19, 12, 0),
            None,
            datetime(2017, 10, 19, 12, 0, tzinfo=UTC),
            datetime(2017, 10, 19, 12, 0, tzinfo=UTC),
            id="naive-published-is-utc",
        ),
    ],
)
def test_normalize_entry_dates(
    published: datetime | None,
    updated: datetime | None,
    expected_published: datetime,
    expected_updated: datetime,
) -> None:
    article = normalize_entry(entry(published=published, updated=updated), BODY, NOW)
    assert article.published == expected_published
    assert article.updated == expected_updated
    assert article.published.utcoffset() == timedelta(0)
    assert article.updated.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("guid", "expected"),
    [
        pytest.param("", CANONICAL, id="empty-guid-is-canonical-url"),
        pytest.param("   ", CANONICAL, id="blank-guid-is-canonical-url"),
        pytest.param(
            " tag:news.example.com,2017:4411 ", "tag:news.example.com,2017:4411", id="kept"
        ),
    ],
)
def test_normalize_entry_guid(guid: str, expected: str) -> None:
    assert normalize_entry(entry(guid=guid), BODY, NOW).guid == expected


def test_normalize_entry_prefers_entry_author_and_image() -> None:
    article = normalize_entry(
        entry(author=" سيرغي\nلافروف ", image="https://cdn.example.com/a.jpg"), BODY, NOW
    )
    assert article.author == "سيرغي لافروف"
    assert article.image == "https://cdn.example.com/a.jpg"


# --- identity_url: one key for every link to one article ------------------------------------

ARTICLE_URL = "https://news.example.com/2017/10/19/russia-syria"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("https://news.example.com/2017/10/19/russia-syria/", id="trailing-slash"),
        pytest.param("http://news.example.com/2017/10/19/russia-syria", id="http"),
        pytest.param("https://www.news.example.com/2017/10/19/russia-syria/", id="www"),
        pytest.param("https://m.news.example.com/2017/10/19/russia-syria/", id="mobile-host"),
        pytest.param("https://amp.news.example.com/2017/10/19/russia-syria/", id="amp-host"),
        pytest.param("https://news.example.com/2017/10/19/russia-syria/amp/", id="amp-suffix"),
        pytest.param("https://news.example.com/amp/2017/10/19/russia-syria", id="amp-prefix"),
        pytest.param("https://news.example.com/2017/10/19/russia-syria/?amp=1", id="amp-query"),
        pytest.param(
            "https://NEWS.example.com/2017/10/19/russia-syria/?utm_source=tg#top", id="tracking"
        ),
    ],
)
def test_identity_url_folds_link_variants(variant: str) -> None:
    assert identity_url(variant) == identity_url(ARTICLE_URL) == ARTICLE_URL


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(ARTICLE_URL, "https://news.example.com/2017/10/19/russia-syria-2", id="slug"),
        pytest.param(ARTICLE_URL, "https://other.example.com/2017/10/19/russia-syria", id="host"),
        pytest.param("https://x.example.com/?p=1", "https://x.example.com/?p=2", id="shortlinks"),
        pytest.param(
            "https://x.example.com/amplifier/", "https://x.example.com/", id="amp-word-in-slug"
        ),
    ],
)
def test_identity_url_keeps_different_articles_apart(one: str, other: str) -> None:
    assert identity_url(one) != identity_url(other)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example.com/?p=123", True),
        ("https://x.example.com?p=7", True),
        ("https://x.example.com/?p=123&lang=ar", False),
        ("https://x.example.com/2017/10/post/?p=123", False),
        ("https://x.example.com/?page_id=2", False),
    ],
)
def test_is_shortlink(url: str, expected: bool) -> None:
    assert is_shortlink(url) is expected


def test_runaway_title_is_capped_at_a_word_boundary() -> None:
    entry = Entry(source_id="s", guid="g", url="https://x.example.com/a", title="كلمة " * 50_000)
    article = normalize_entry(entry, Body("نص", "<p>نص</p>"), NOW)
    assert len(article.title) <= 1000
    assert article.title.endswith("كلمة…")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("عاجل <script>alert(1)</script> خبر", "عاجل خبر", id="script-and-content"),
        pytest.param("<b>خبر</b> <img src=x onerror=alert(1)>مهم", "خبر مهم", id="tags"),
        pytest.param("خبر <!-- تعليق --> جديد <img src=x onerror=1", "خبر جديد", id="unclosed"),
        pytest.param("سعر 5 < 7 و 9 > 3", "سعر 5 < 7 و 9 > 3", id="not-a-tag"),
    ],
)
def test_markup_is_removed_from_titles_and_authors(title: str, expected: str) -> None:
    """Titles are plain text (a feed escaped twice leaves tags in the decoded title)."""
    entry = Entry("s", "g", "https://x.example.com/a", title, author=title)
    article = normalize_entry(entry, Body("نص", "<p>نص</p>"), NOW)
    assert (article.title, article.author) == (expected, expected)


@pytest.mark.parametrize(
    ("entry_image", "page_image", "expected"),
    [
        ("javascript:alert(1)", "https://x.example.com/i.jpg", "https://x.example.com/i.jpg"),
        ("data:image/svg+xml,<svg onload=alert(1)>", None, None),
        ("/img/a.jpg", None, "https://x.example.com/img/a.jpg"),
        ("http://[::1", "vbscript:x", None),
    ],
)
def test_a_lead_image_is_an_http_url_or_none(
    entry_image: str, page_image: str | None, expected: str | None
) -> None:
    entry = Entry("s", "g", "https://x.example.com/a", "عنوان", image=entry_image)
    article = normalize_entry(entry, Body("نص", "<p>نص</p>", page_image), NOW)
    assert article.image == expected

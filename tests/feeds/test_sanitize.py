"""Output sanitizing: nothing a source sent reaches a reader as markup or breaks XML."""

from __future__ import annotations

import pytest

from feeds.sanitize import content_html, http_url, plain, xml_safe

BASE = "https://news.example.com/2017/10/19/story/"


def test_xml_illegal_characters_are_removed() -> None:
    assert xml_safe("a\x00b\x0bc\x1fd\ufffee\ud800f\tg\nh") == "abcdef\tg\nh"
    assert xml_safe("𝕏 عربي") == "𝕏 عربي"


def test_plain_text_drops_markup_and_decodes_entities() -> None:
    assert plain("<b>عاجل</b>: a &amp; b &lt; c <script>x()</script>") == "عاجل: a & b < c"
    assert plain("سطر\n  ثان") == "سطر ثان"
    assert plain("&#x1;x&#xFFFE;") == "x"  # entities of illegal characters


def test_plain_text_is_capped_at_a_word_boundary() -> None:
    capped = plain("كلمة " * 100, limit=52)
    assert len(capped) <= 52
    assert capped.endswith("كلمة…")


@pytest.mark.parametrize(
    "bad",
    [
        "<script>alert(1)</script>",
        "<style>p{color:red}</style>",
        '<p onclick="x()">',
        '<p style="color:red">',
        '<a href="javascript:alert(1)">',
        "<iframe src='https://evil.example/'></iframe>",
        "<form action='/x'><input></form>",
        "<!-- comment -->",
    ],
)
def test_content_loses_scripts_styles_and_handlers(bad: str) -> None:
    cleaned = content_html(f"<p>نص</p>{bad}<p>آخر</p>", BASE)
    for marker in ("script", "style", "onclick", "javascript", "iframe", "form", "input", "<!--"):
        assert marker not in cleaned
    assert "<p>نص</p>" in cleaned


def test_content_urls_become_absolute() -> None:
    cleaned = content_html('<a href="../other/">x</a><img src="/i.jpg" alt="صورة">', BASE)
    assert 'href="https://news.example.com/2017/10/19/other/"' in cleaned
    assert 'src="https://news.example.com/i.jpg"' in cleaned
    assert 'rel="noopener noreferrer"' in cleaned


def test_content_without_a_usable_base_drops_relative_urls() -> None:
    assert content_html('<a href="x">y</a>', "") == '<a rel="noopener noreferrer">y</a>'


def test_http_urls_only() -> None:
    assert http_url("/a.jpg", BASE) == "https://news.example.com/a.jpg"
    assert http_url("//cdn.example.com/a.jpg", BASE) == "https://cdn.example.com/a.jpg"
    assert http_url("javascript:alert(1)") is None
    assert http_url("data:image/png;base64,AAAA") is None
    assert http_url("") is None
    assert http_url(None) is None


def test_plain_text_keeps_no_tag_that_one_more_html_decoding_would_revive() -> None:
    """Some readers take an RSS title or description for HTML: escaped markup goes too."""
    assert plain("خبر &lt;script&gt;alert(1)&lt;/script&gt; عاجل") == "خبر عاجل"
    assert plain("خبر <img src=x onerror=alert(1)> &amp;lt;b&amp;gt;") == "خبر &lt;b&gt;"
    assert plain("5 &lt; 7 و AT&amp;T") == "5 < 7 و AT&T"

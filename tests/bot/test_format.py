"""Telegram message formatting: escaping, right-to-left lines and UTF-16 length limits."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from bot.format import ELLIPSIS, READ_MORE, RLM, TEXT_LIMIT, format_article, rtl, utf16_len
from syndicator.model import Article

WHEN = datetime(2017, 10, 19, 18, 30, tzinfo=UTC)
TITLE = "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!"
SUMMARY = (
    "قال وزير الخارجية الروسي سيرغي لافروف ، مساء اليوم الخميس التاسع عشر من أكتوبر/ تشرين "
    "الأول الجاري : إنّ ” تحقيق النجاح النهائي في مكافحة الإرهاب في سوريا أصبح على وشك "
    "الانتهاء ، و ذلك بفضل جهود كلّ الذين يحاربون تنظيمي ( داعش ) و ( جبهة النصرة ) ” ."
)
URL = "https://news.example.com/2017/10/19/russia-syria/?p=4411&lang=ar"


def article(title: str = TITLE, summary: str = SUMMARY, url: str = URL) -> Article:
    return Article(
        source_id="syria-news",
        guid="p-4411",
        url=url,
        title=title,
        text="",
        content_html="",
        summary=summary,
        published=WHEN,
        updated=WHEN,
        content_hash="0" * 64,
        categories=("syria",),
        id=7,
    )


def visible(markup: str) -> str:
    """The text Telegram shows for HTML markup: tags removed, entities unescaped."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def test_golden_message() -> None:
    message = format_article(article(), "شبكة الأخبار")
    assert message.html == (
        "<b>روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!</b>\n"
        "\n"
        "قال وزير الخارجية الروسي سيرغي لافروف ، مساء اليوم الخميس التاسع عشر من أكتوبر/ تشرين "
        "الأول الجاري : إنّ ” تحقيق النجاح النهائي في مكافحة الإرهاب في سوريا أصبح على وشك "
        "الانتهاء ، و ذلك بفضل جهود كلّ الذين يحاربون تنظيمي ( داعش ) و ( جبهة النصرة ) ” .\n"
        "\n"
        "المصدر: شبكة الأخبار\n"
        '\u200f<a href="https://news.example.com/2017/10/19/russia-syria/?p=4411&amp;lang=ar">'
        "اقرأ المزيد</a>"
    )
    assert message.url == URL
    assert message.button_text == READ_MORE == "اقرأ المزيد"


def test_empty_summary_leaves_no_blank_block() -> None:
    message = format_article(article(summary=""), "شبكة الأخبار")
    assert message.html == (
        f"<b>{TITLE}</b>\n\nالمصدر: شبكة الأخبار\n{RLM}"
        '<a href="https://news.example.com/2017/10/19/russia-syria/?p=4411&amp;lang=ar">'
        "اقرأ المزيد</a>"
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param(
            "روسيا <تحذر> تركيا & إيران > غيرهما",
            "<b>روسيا &lt;تحذر&gt; تركيا &amp; إيران &gt; غيرهما</b>",
            id="lt-amp-gt",
        ),
        pytest.param(
            "بوتين: «السلام» في &quot;سوريا&quot;",
            "<b>بوتين: «السلام» في &amp;quot;سوريا&amp;quot;</b>",
            id="entity-lookalikes-escaped-again",
        ),
        pytest.param(
            "لافروف يلتقي دي ميستورا </b><i>",
            "<b>لافروف يلتقي دي ميستورا &lt;/b&gt;&lt;i&gt;</b>",
            id="markup-injection",
        ),
    ],
)
def test_title_is_escaped(title: str, expected: str) -> None:
    message = format_article(article(title=title), "شبكة الأخبار")
    first_block = message.html.split("\n\n")[0]
    assert first_block == expected
    assert visible(first_block) == title


def test_summary_and_source_are_escaped() -> None:
    message = format_article(article(summary="تركيا & إيران <و> قطر"), "Al <Akhbar> & Co")
    assert "\n\nتركيا &amp; إيران &lt;و&gt; قطر\n\n" in message.html
    assert f"المصدر: Al &lt;Akhbar&gt; &amp; Co\n{RLM}<a href=" in message.html


@pytest.mark.parametrize(
    ("url", "href"),
    [
        pytest.param(URL, URL.replace("&", "&amp;"), id="ampersand"),
        pytest.param(
            'https://news.example.com/?q="x"&a=<b>',
            "https://news.example.com/?q=&quot;x&quot;&amp;a=&lt;b&gt;",
            id="quotes-and-brackets",
        ),
    ],
)
def test_url_is_escaped_in_href(url: str, href: str) -> None:
    message = format_article(article(url=url), "شبكة الأخبار")
    assert f'<a href="{href}">{READ_MORE}</a>' in message.html
    assert message.url == url


@pytest.mark.parametrize(
    ("title", "needs_mark"),
    [
        pytest.param(TITLE, False, id="arabic"),
        pytest.param("ستيفان دي ميستورا في جنيف", False, id="arabic-with-latin-later"),
        pytest.param("iPhone 15 يصل إلى الأسواق السورية", True, id="latin-brand"),
        pytest.param("BBC: روسيا تتجه لمؤتمر شعوب سوريا", True, id="latin-acronym"),
        pytest.param("14 دولة تشارك في منتدى فالداي", True, id="digit"),
        pytest.param("٢٥ أكتوبر موعد جلسة مجلس الأمن", True, id="arabic-indic-digit"),
        pytest.param("🔴 عاجل: بوتين يتحدث في سوتشي", True, id="emoji"),
        pytest.param("🇸🇾 سوريا: جولة جديدة في جنيف", True, id="flag-emoji"),
        pytest.param("https://news.example.com خبر عاجل", True, id="url"),
    ],
)
def test_title_direction_mark(title: str, needs_mark: bool) -> None:
    first_line = format_article(article(title=title), "شبكة الأخبار").html.split("\n")[0]
    expected = f"<b>{RLM if needs_mark else ''}{html.escape(title, quote=False)}</b>"
    assert first_line == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("روسيا", "روسيا", id="arabic"),
        pytest.param("Lavrov", RLM + "Lavrov", id="latin"),
        pytest.param("2017", RLM + "2017", id="digits"),
        pytest.param("😀 سوريا", RLM + "😀 سوريا", id="emoji"),
        pytest.param(RLM + "Lavrov", RLM + "Lavrov", id="already-marked"),
        pytest.param("", "", id="empty"),
    ],
)
def test_rtl(line: str, expected: str) -> None:
    assert rtl(line) == expected


@pytest.mark.parametrize(
    ("text", "units"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("سوريا", 5, id="arabic-bmp"),
        pytest.param("😀", 2, id="emoji-surrogate-pair"),
        pytest.param("🇸🇾", 4, id="flag-two-pairs"),
        pytest.param("عاجل 🔴", 7, id="mixed"),
        pytest.param(RLM + "BBC", 4, id="mark-counts"),
        pytest.param("👨‍👩‍👧", 8, id="zwj-family"),
    ],
)
def test_utf16_len(text: str, units: int) -> None:
    assert utf16_len(text) == units


def long_summary(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


@pytest.mark.parametrize(
    ("summary", "source"),
    [
        pytest.param(long_summary(SUMMARY + " ", 10_000), "شبكة الأخبار", id="arabic"),
        pytest.param(
            long_summary("تركيا & إيران <و> قطر ", 10_000), "Al <Akhbar> & Co", id="escaped-chars"
        ),
        pytest.param(
            long_summary("عاجل 🔴 سوريا 🇸🇾 ", 10_000), "شبكة الأخبار 📰", id="emoji-heavy"
        ),
    ],
)
def test_long_summary_fits_telegram_limit(summary: str, source: str) -> None:
    message = format_article(article(summary=summary), source)
    text = visible(message.html)
    assert utf16_len(text) <= TEXT_LIMIT
    assert utf16_len(text) > TEXT_LIMIT - 100  # cut close to the limit, not far below it
    title, shown, footer = text.split("\n\n")
    assert title == TITLE
    assert shown.endswith(ELLIPSIS)
    kept = shown.removesuffix(ELLIPSIS).removeprefix(RLM)
    assert summary.startswith(kept)
    assert summary[len(kept)] == " "  # cut at a word boundary
    assert footer == f"المصدر: {source}\n{RLM}{READ_MORE}"


def test_summary_that_fits_is_not_cut() -> None:
    summary = long_summary(SUMMARY + " ", 3_000).strip()
    message = format_article(article(summary=summary), "شبكة الأخبار")
    assert visible(message.html).split("\n\n")[1] == summary


def test_runaway_title_and_source_are_cut_and_the_message_still_fits() -> None:
    title = long_summary("عنوان طويل جداً بلا نهاية ", 10_000)
    source = long_summary("مصدر ", 5_000)
    message = format_article(
        article(title=title, summary=long_summary(SUMMARY + " ", 10_000)), source
    )
    text = visible(message.html)
    assert utf16_len(text) <= TEXT_LIMIT
    shown_title, summary, _ = text.split("\n\n")
    assert shown_title.endswith(ELLIPSIS)
    assert utf16_len(shown_title) <= 512
    assert summary.removeprefix(RLM).startswith(SUMMARY[:50])  # the summary is still there

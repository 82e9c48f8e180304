"""Telegram message formatting: golden messages, escaping, right-to-left lines, photo or
text, and Telegram's limits in UTF-16 units. Every message is also parsed by the fake Bot
API's strict HTML parser, which is what Telegram would accept."""

from __future__ import annotations

import html
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.format import (
    CAPTION_LIMIT,
    ELLIPSIS,
    RLM,
    TEXT_LIMIT,
    Message,
    Style,
    format_article,
    hashtag,
    rtl,
    utf16_len,
)
from syndicator.model import Article, MessageKind
from tests.fakes.telegram_html import parse_html

WHEN = datetime(2017, 10, 19, 18, 30, tzinfo=UTC)
TITLE = "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!"
SUMMARY = (
    "قال وزير الخارجية الروسي سيرغي لافروف ، مساء اليوم الخميس التاسع عشر من أكتوبر/ تشرين "
    "الأول الجاري : إنّ ” تحقيق النجاح النهائي في مكافحة الإرهاب في سوريا أصبح على وشك "
    "الانتهاء ، و ذلك بفضل جهود كلّ الذين يحاربون تنظيمي ( داعش ) و ( جبهة النصرة ) ” ."
)
URL = "https://news.example.com/2017/10/19/russia-syria/?p=4411&lang=ar"
IMAGE = "https://news.example.com/wp-content/uploads/2017/10/lavrov.jpg"
DAMASCUS = Style(zone=ZoneInfo("Asia/Damascus"))
CATEGORIES = ("الشأن السوري", "عربي ودولي")


def article(
    title: str = TITLE, summary: str = SUMMARY, url: str = URL, image: str | None = None
) -> Article:
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
        categories=("syria", "world"),
        id=7,
        image=image,
    )


def shown(message: Message) -> str:
    """What Telegram shows, as its HTML parser (the fake's strict twin) reads it."""
    parsed = parse_html(message.html)
    assert len(parsed.entities) <= 100
    return parsed.text


def message(a: Article | None = None, source: str = "شبكة الأخبار", **style: object) -> Message:
    options = {"zone": ZoneInfo("Asia/Damascus"), **style}
    return format_article(a or article(), source, CATEGORIES, Style(**options))  # type: ignore[arg-type]


def test_golden_text_message() -> None:
    sent = message()
    assert sent.html == (
        "<b>روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!</b>\n"
        "\n"
        "قال وزير الخارجية الروسي سيرغي لافروف ، مساء اليوم الخميس التاسع عشر من أكتوبر/ تشرين "
        "الأول الجاري : إنّ ” تحقيق النجاح النهائي في مكافحة الإرهاب في سوريا أصبح على وشك "
        "الانتهاء ، و ذلك بفضل جهود كلّ الذين يحاربون تنظيمي ( داعش ) و ( جبهة النصرة ) ” .\n"
        "\n"
        "المصدر: شبكة الأخبار · 19 تشرين الأول 2017، 21:30 بتوقيت دمشق\n"
        f"{RLM}#الشأن_السوري #عربي_ودولي"
    )
    assert sent.kind is MessageKind.TEXT
    assert sent.url == URL
    assert sent.preview == URL
    assert sent.button_text == "اقرأ المزيد"
    assert not sent.silent


def test_golden_photo_message_with_a_latin_title() -> None:
    sent = message(article(title="BBC: iPhone 15 يصل إلى الأسواق السورية", image=IMAGE))
    assert sent.kind is MessageKind.PHOTO
    assert sent.photo == IMAGE
    assert sent.html == (
        f"<b>{RLM}BBC: iPhone 15 يصل إلى الأسواق السورية</b>\n"
        "\n"
        f"{SUMMARY}\n"
        "\n"
        "المصدر: شبكة الأخبار · 19 تشرين الأول 2017، 21:30 بتوقيت دمشق\n"
        f"{RLM}#الشأن_السوري #عربي_ودولي"
    )
    assert sent.fallback is not None
    assert sent.fallback.kind is MessageKind.TEXT
    assert sent.fallback.html == sent.html
    assert utf16_len(shown(sent)) <= CAPTION_LIMIT


def test_golden_options_off_and_another_zone() -> None:
    sent = message(source="", zone=ZoneInfo("Africa/Cairo"), hashtags=False, preview=False)
    assert sent.html.endswith("\n\nنُشر في 19 أكتوبر 2017، 20:30 بتوقيت القاهرة")
    assert sent.preview is None
    unnamed = message(zone=ZoneInfo("America/New_York"), silent=True)
    assert "19 أكتوبر 2017، 14:30 بتوقيت غرينتش-4" in unnamed.html
    assert unnamed.silent


def test_a_caption_that_would_be_cut_makes_a_text_message() -> None:
    long = " ".join([SUMMARY] * 4)
    sent = message(article(summary=long, image=IMAGE))
    assert sent.kind is MessageKind.TEXT
    assert long in shown(sent)
    # An edit of a photo message must fit the caption: it is cut there instead.
    caption = format_article(article(summary=long, image=IMAGE), "م", (), kind=MessageKind.PHOTO)
    assert caption.kind is MessageKind.PHOTO
    assert utf16_len(shown(caption)) <= CAPTION_LIMIT
    assert ELLIPSIS in shown(caption)


@pytest.mark.parametrize("image", ["", "data:image/png;base64,AAAA", "/relative.jpg", None])
def test_only_web_images_make_photos(image: str | None) -> None:
    assert message(article(image=image)).kind is MessageKind.TEXT


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
    sent = message(article(title=title))
    first_block = sent.html.split("\n\n")[0]
    assert first_block == expected
    assert shown(sent).split("\n\n")[0] == title


def test_hostile_summary_and_source_are_escaped() -> None:
    hostile = "تركيا & إيران <و> قطر </b><a href='x'> <script>alert(1)</script> &amp; &#0;"
    sent = message(article(summary=hostile), source="Al <Akhbar> & Co</i>")
    text = shown(sent)  # the strict parser accepts it
    assert f"\n\n{hostile}\n\n" in text
    assert "المصدر: Al <Akhbar> & Co</i> · " in text
    assert len(parse_html(sent.html).entities) == 1  # only the bold title


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
    first_line = message(article(title=title)).html.split("\n")[0]
    expected = f"<b>{RLM if needs_mark else ''}{html.escape(title, quote=False)}</b>"
    assert first_line == expected


def test_every_line_starts_right_to_left() -> None:
    summary = "2017: عام صعب.\nBBC قالت إن الاجتماع انتهى.\n🔴 عاجل\n\n\n«اقتباس» طويل"
    for sent in (
        message(article(title="iPhone 15", summary=summary)),
        message(article(summary=summary), source="BBC Arabic"),
    ):
        for line in shown(sent).split("\n"):
            if line:
                assert unicodedata.bidirectional(line[0]) in ("R", "AL"), repr(line)


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
    ("name", "tag"),
    [
        ("الشأن السوري", "#الشأن_السوري"),
        ("عربي ودولي", "#عربي_ودولي"),
        ("ثقافة وفنون", "#ثقافة_وفنون"),
        ("اقتصاد - أعمال", "#اقتصاد_أعمال"),
        ("رِياضَة", "#رياضة"),  # diacritics would break the hashtag
        ("COVID-19 في سوريا", "#COVID_19_في_سوريا"),
        ("!!!", ""),
    ],
)
def test_hashtag(name: str, tag: str) -> None:
    assert hashtag(name) == tag


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
@pytest.mark.parametrize(("image", "limit"), [(None, TEXT_LIMIT), (IMAGE, CAPTION_LIMIT)])
def test_long_summary_fits_telegram_limit(
    summary: str, source: str, image: str | None, limit: int
) -> None:
    kind = MessageKind.PHOTO if image else None
    sent = format_article(article(summary=summary, image=image), source, CATEGORIES, kind=kind)
    text = shown(sent)
    assert utf16_len(text) <= limit
    assert utf16_len(text) > limit - 100  # cut close to the limit, not far below it
    title, body, footer = text.split("\n\n")
    assert title == TITLE
    assert body.endswith(ELLIPSIS)
    kept = body.removesuffix(ELLIPSIS).removeprefix(RLM)
    assert summary.startswith(kept)
    assert summary[len(kept)] == " "  # cut at a word boundary
    assert footer.startswith(rtl(f"المصدر: {source} · "))


def test_summary_that_fits_is_not_cut() -> None:
    summary = long_summary(SUMMARY + " ", 3_000).strip()
    assert shown(message(article(summary=summary))).split("\n\n")[1] == summary


def test_runaway_title_and_source_are_cut_and_the_message_still_fits() -> None:
    title = long_summary("عنوان طويل جداً بلا نهاية ", 10_000)
    source = long_summary("مصدر ", 5_000)
    sent = message(article(title=title, summary=long_summary(SUMMARY + " ", 10_000)), source)
    text = shown(sent)
    assert utf16_len(text) <= TEXT_LIMIT
    shown_title, summary, _ = text.split("\n\n")
    assert shown_title.endswith(ELLIPSIS)
    assert utf16_len(shown_title) <= 512
    assert summary.removeprefix(RLM).startswith(SUMMARY[:50])  # the summary is still there


def test_fingerprint_follows_what_readers_see() -> None:
    assert message().fingerprint == message().fingerprint
    assert message().fingerprint != message(article(title="عنوان مصحح")).fingerprint
    assert message().fingerprint != message(article(image=IMAGE)).fingerprint

"""Digest messages: headlines split between messages, never inside one, within Telegram's
4096 units and 100 entities; a single backlog digest counts what it cannot list."""

from __future__ import annotations

import unicodedata

import pytest

from bot.digest import Headline, format_digest
from bot.format import RLM, Style
from tests.fakes.telegram_html import parse_html, utf16_len

WHEN = "29 تشرين الثاني 2026، 20:00 بتوقيت دمشق"


def headlines(count: int, title: str = "عنوان الخبر رقم {n}") -> list[Headline]:
    return [
        Headline(n, title.format(n=n), f"https://news.example.com/{n}?a=1&b=2", "شبكة الأخبار")
        for n in range(count)
    ]


def test_golden_digest() -> None:
    [part] = format_digest("موجز الأخبار", WHEN, headlines(2)).parts
    assert part.message.html == (
        f"<b>{RLM}موجز الأخبار</b>\n"
        f"{RLM}{WHEN}\n"
        "\n"
        f'{RLM}• <a href="https://news.example.com/0?a=1&amp;b=2">عنوان الخبر رقم 0</a>'
        " — شبكة الأخبار\n"
        f'{RLM}• <a href="https://news.example.com/1?a=1&amp;b=2">عنوان الخبر رقم 1</a>'
        " — شبكة الأخبار"
    )
    assert part.keys == (0, 1)
    assert part.message.url is None  # no button
    assert part.message.preview is None  # no link preview


def test_nothing_to_list_is_no_message() -> None:
    assert format_digest("موجز", WHEN, []).parts == ()


@pytest.mark.parametrize(
    ("count", "title", "parts"),
    [
        pytest.param(250, "عنوان الخبر رقم {n}", 3, id="by-entities"),
        pytest.param(40, "عنوان طويل جدا " * 30 + "{n}", 5, id="by-length"),
    ],
)
def test_long_digests_are_split_between_headlines(count: int, title: str, parts: int) -> None:
    made = format_digest("موجز الأخبار", WHEN, headlines(count, title))
    assert len(made.parts) == parts
    keys = [key for part in made.parts for key in part.keys]
    assert keys == list(range(count))  # each once, in order
    for n, part in enumerate(made.parts, 1):
        parsed = parse_html(part.message.html)
        assert utf16_len(parsed.text) <= 4096
        assert len(parsed.entities) <= 100
        assert parsed.text.startswith(f"{RLM}موجز الأخبار ({n}/{parts})")
        links = [e for e in parsed.entities if e.type == "text_link"]
        assert len(links) == len(part.keys)  # whole headlines only
        for line in parsed.text.split("\n"):
            if line:
                assert unicodedata.bidirectional(line[0]) in ("R", "AL")


def test_a_single_digest_counts_what_does_not_fit() -> None:
    made = format_digest("ما فاتكم", WHEN, headlines(150), single=True)
    [part] = made.parts
    assert len(part.keys) + len(made.left_out) == 150
    assert part.keys == tuple(range(len(part.keys)))
    text = parse_html(part.message.html).text
    assert text.endswith(f"وأخبار أخرى: {len(made.left_out)}")
    assert utf16_len(text) <= 4096


def test_hostile_titles_are_escaped_and_latin_titles_stay_right_to_left() -> None:
    hostile = [
        Headline(1, "</a><b>iPhone & <Galaxy>", "https://x.example/?q=\"<'>", "BBC <Arabic>"),
        Headline(2, "2026: عام جديد", "https://x.example/2", ""),
    ]
    [part] = format_digest("موجز", WHEN, hostile, Style(source=False)).parts
    text = parse_html(part.message.html).text
    assert f"{RLM}• </a><b>iPhone & <Galaxy>" in text
    assert "BBC" not in text  # source lines off

"""Message formatting (pure): an article -> one Telegram HTML message that reads right-to-left.

Telegram's HTML mode accepts only a few tags, so every piece of source text is escaped.
Telegram picks each line's direction from its first strong character: a title that starts
with a Latin brand, a digit or a URL would flip the line to left-to-right, so such lines get
a RIGHT-TO-LEFT MARK first. Lengths are counted as Telegram counts them, in UTF-16 code
units after entity parsing, and the summary is cut at a word boundary to fit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from html import escape

from syndicator.model import Article

RLM = "\u200f"
TEXT_LIMIT = 4096
TITLE_LIMIT = 512  # a runaway title must not crowd out the summary or break the limit
SOURCE_LIMIT = 128
READ_MORE = "اقرأ المزيد"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Message:
    """What the dispatcher sends: HTML text and the article's link for the button."""

    html: str
    url: str
    button_text: str = READ_MORE


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def rtl(line: str) -> str:
    """Prefix a RIGHT-TO-LEFT MARK unless the line starts with a right-to-left character.

    A leading digit, emoji, bracket or quote is weak or neutral, so the line's direction
    would be left to each client's heuristics; the invisible mark removes the doubt.
    """
    if not line or unicodedata.bidirectional(line[0]) in ("R", "AL"):
        return line
    return RLM + line


def format_article(article: Article, source_name: str) -> Message:
    """Bold title, summary, source line and a «اقرأ المزيد» link, within Telegram's limit."""
    title_text = _fit(article.title, TITLE_LIMIT)
    source_text = _fit(source_name, SOURCE_LIMIT)
    title = f"<b>{escape(rtl(title_text), quote=False)}</b>"
    source = escape(rtl(f"المصدر: {source_text}"), quote=False)
    link = f'<a href="{escape(article.url)}">{READ_MORE}</a>'
    fixed = utf16_len(title_text) + utf16_len(source_text) + 40  # markup-free overhead
    summary = _fit(rtl(article.summary), TEXT_LIMIT - fixed)
    parts = [title, escape(summary, quote=False), f"{source}\n{rtl(link)}"]
    return Message(html="\n\n".join(p for p in parts if p), url=article.url)


def _fit(text: str, budget: int) -> str:
    """`text` cut at a word boundary so it takes at most `budget` UTF-16 units."""
    if utf16_len(text) <= budget:
        return text
    units = text.encode("utf-16-le")[: max(0, budget - 1) * 2]
    cut = units.decode("utf-16-le", errors="ignore")  # drops a split surrogate pair
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ،,؛;:-") + ELLIPSIS

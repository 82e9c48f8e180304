"""Message formatting (pure): an article -> one Telegram message that reads right-to-left.

    <b>Title</b>

    Summary …

    المصدر: Source · 29 تشرين الثاني 2026، 14:30 بتوقيت دمشق
    #الشأن_السوري #اقتصاد
    [ اقرأ المزيد ]   (an inline URL button)

With a lead image (and the channel's `image` option) the message is a photo with that text
as its caption, when the caption fits Telegram's 1024 units; otherwise it is a text message
that previews the article's link. Telegram's HTML mode accepts only a few tags, so every
piece of source text is escaped. Telegram picks each line's direction from its first strong
character: a line that starts with a Latin brand, a digit or an emoji would flip to
left-to-right, so such lines get a RIGHT-TO-LEFT MARK first. Lengths are counted as Telegram
counts them, in UTF-16 code units after entity parsing; the summary is cut at a word
boundary with an ellipsis to fit (4096 for text, 1024 for a caption).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from zoneinfo import ZoneInfo

from bot.dates import arabic_time
from syndicator.model import Article, MessageKind

RLM = "\u200f"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ENTITY_LIMIT = 100
TITLE_LIMIT = 512  # a runaway title must not crowd out the summary or break the limit
CAPTION_TITLE_LIMIT = 256
SOURCE_LIMIT = 128
HASHTAG_LIMIT = 5
READ_MORE = "اقرأ المزيد"
ELLIPSIS = "…"
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Style:
    """A channel's presentation options (config keys of `[[channels]]`)."""

    zone: ZoneInfo = UTC  # publication times are shown in this zone
    image: bool = True  # a photo message when the article has a lead image
    source: bool = True  # the «المصدر: …» line
    hashtags: bool = True  # the categories as hashtags
    preview: bool = True  # the link preview under a text message
    silent: bool = False  # deliver without a notification sound


DEFAULT_STYLE = Style()


@dataclass(frozen=True)
class Message:
    """What the dispatcher sends: HTML text (or a photo's caption) and its options."""

    html: str
    url: str | None = None  # the «اقرأ المزيد» button's link (None: no button)
    photo: str | None = None  # a photo message with `html` as its caption
    preview: str | None = None  # the URL a text message previews (None: no preview)
    silent: bool = False
    button_text: str = READ_MORE
    fallback: Message | None = field(default=None, compare=False)  # text, if the photo fails

    @property
    def kind(self) -> MessageKind:
        return MessageKind.PHOTO if self.photo else MessageKind.TEXT

    @property
    def fingerprint(self) -> str:
        """Identifies what readers see: an unchanged correction needs no edit."""
        shown = "\x00".join((self.kind.value, self.html, self.url or "", self.button_text))
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()


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


def rtl_lines(text: str) -> str:
    """`rtl` on every line of `text`."""
    return "\n".join(rtl(line) for line in text.split("\n"))


def hashtag(name: str) -> str:
    """«الشأن السوري» -> «#الشأن_السوري»: letters and digits joined by underscores."""
    bare = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c) != "Mn")
    words = re.findall(r"[^\W_]+", bare)
    return "#" + "_".join(words) if words else ""


def format_article(
    article: Article,
    source_name: str,
    categories: Sequence[str] = (),
    style: Style = DEFAULT_STYLE,
    *,
    kind: MessageKind | None = None,
) -> Message:
    """The message for `article`; `categories` are the names of its categories.

    `kind` forces a text or photo message (a correction edits the message as it was sent);
    by default it is a photo when the channel wants images, the article has one and the
    caption fits without cutting the summary.
    """
    silent = style.silent
    text = _message(article, source_name, categories, style, TEXT_LIMIT, TITLE_LIMIT)
    preview = article.url if style.preview else None
    as_text = Message(text, article.url, preview=preview, silent=silent)
    image = article.image if _is_web_url(article.image) else None
    if kind is MessageKind.TEXT or (kind is None and not (style.image and image)):
        return as_text
    caption = _message(article, source_name, categories, style, CAPTION_LIMIT, CAPTION_TITLE_LIMIT)
    if kind is None and caption != text:  # the caption would lose part of the message
        return as_text
    return Message(
        caption, article.url, photo=image or article.image, silent=silent, fallback=as_text
    )


def _message(
    article: Article,
    source_name: str,
    categories: Sequence[str],
    style: Style,
    limit: int,
    title_limit: int,
) -> str:
    title = fit(_one_line(article.title), title_limit)
    footer = []
    when = arabic_time(article.published, style.zone)
    if style.source and source_name.strip():
        footer.append(f"المصدر: {fit(_one_line(source_name), SOURCE_LIMIT)} · {when}")
    else:
        footer.append(f"نُشر في {when}")
    if style.hashtags:
        tags = list(dict.fromkeys(t for t in map(hashtag, categories) if t))[:HASHTAG_LIMIT]
        if tags:
            footer.append(" ".join(tags))
    footer_text = rtl_lines("\n".join(footer))
    title_text = rtl(title)
    # Visible length without the summary: title, footer and the two blank-line separators.
    fixed = utf16_len(title_text) + utf16_len(footer_text) + 4
    summary = rtl_lines(_paragraphs(article.summary))
    room = limit - fixed
    summary = fit(summary, room) if room > len(ELLIPSIS) + 1 else ""
    blocks = [f"<b>{_escape(title_text)}</b>", _escape(summary), _escape(footer_text)]
    return "\n\n".join(block for block in blocks if block)


def fit(text: str, budget: int) -> str:
    """`text` cut at a word boundary so it takes at most `budget` UTF-16 units."""
    if utf16_len(text) <= budget:
        return text
    units = text.encode("utf-16-le")[: max(0, budget - 1) * 2]
    cut = units.decode("utf-16-le", errors="ignore")  # drops a split surrogate pair
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" \n،,؛;:-" + RLM) + ELLIPSIS


def _escape(text: str) -> str:
    return escape(text, quote=False)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    """Blank lines and runs of spaces collapsed; single line breaks kept."""
    lines = (" ".join(line.split()) for line in text.strip().split("\n"))
    return "\n".join(line for line in lines if line)


def _is_web_url(url: str | None) -> bool:
    return bool(url) and re.match(r"(?i)https?://\S+$", url or "") is not None

"""Digest messages (pure): many headlines in as few messages as Telegram allows.

    <b>موجز الأخبار (1/2)</b>
    29 تشرين الثاني 2026، 20:00 بتوقيت دمشق

    • <a href="…">Headline</a> — Source
    • …

A digest is split between headlines, never inside one (a headline is one link entity), so
that every part stays within 4096 UTF-16 units and 100 entities; parts are numbered when
there are several. A backlog digest (`single`) is one message by design: the headlines that
do not fit are counted in a last line («وأخبار أخرى: 37») instead of being listed. Every
line starts with a RIGHT-TO-LEFT MARK, since a bullet is neutral and titles may start with
a Latin word. Digests have no button and no link preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from bot.format import (
    DEFAULT_STYLE,
    ENTITY_LIMIT,
    RLM,
    SOURCE_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    Message,
    Style,
    fit,
    utf16_len,
)

DIGEST_TITLE = "موجز الأخبار"
BACKLOG_TITLE = "ما فاتكم من الأخبار"
BULLET = "• "
NUMBERING_RESERVE = 10  # " (12/34)" after the title
MORE_RESERVE = 40  # the «وأخبار أخرى: N» line of a single digest


@dataclass(frozen=True)
class Headline:
    key: int  # the caller's id for it (a delivery id)
    title: str
    url: str
    source: str = ""


@dataclass(frozen=True)
class Part:
    message: Message
    keys: tuple[int, ...]  # the headlines it lists, in order


@dataclass(frozen=True)
class Digest:
    parts: tuple[Part, ...]
    left_out: tuple[int, ...] = ()  # counted in the last line, not listed (single digests)


def format_digest(
    title: str,
    when: str,
    headlines: Sequence[Headline],
    style: Style = DEFAULT_STYLE,
    *,
    single: bool = False,
    limit: int = TEXT_LIMIT,
    entity_limit: int = ENTITY_LIMIT,
) -> Digest:
    """`headlines` (in the order given) as digest messages titled `title`, dated `when`."""
    if not headlines:
        return Digest(())
    head_units = utf16_len(RLM + title) + NUMBERING_RESERVE + 1 + utf16_len(RLM + when) + 2
    room = limit - head_units - (MORE_RESERVE if single else 0)
    groups: list[list[tuple[Headline, str, int]]] = [[]]
    used = 0
    left_out: list[int] = []
    for headline in headlines:
        html, units = _line(headline, style)
        group = groups[-1]
        fits = used + units + (1 if group else 0) <= room and len(group) + 1 < entity_limit
        if not fits and group:
            if single:
                left_out.append(headline.key)
                continue
            groups.append([])
            group, used = groups[-1], 0
        used += units + (1 if group else 0)
        group.append((headline, html, units))
    parts = []
    for n, group in enumerate(groups, 1):
        numbered = f"{title} ({n}/{len(groups)})" if len(groups) > 1 else title
        lines = [html for _, html, _ in group]
        if left_out and n == len(groups):
            lines.append(f"{RLM}وأخبار أخرى: {len(left_out)}")
        body = (
            f"<b>{escape(RLM + numbered, quote=False)}</b>\n"
            f"{escape(RLM + when, quote=False)}\n\n" + "\n".join(lines)
        )
        keys = tuple(h.key for h, _, _ in group)
        parts.append(Part(Message(body, silent=style.silent), keys))
    return Digest(tuple(parts), tuple(left_out))


def _line(headline: Headline, style: Style) -> tuple[str, int]:
    """One headline's HTML and its visible length."""
    title = fit(" ".join(headline.title.split()), TITLE_LIMIT)
    source = fit(" ".join(headline.source.split()), SOURCE_LIMIT) if style.source else ""
    visible = RLM + BULLET + title + (f" — {source}" if source else "")
    link = f'<a href="{escape(headline.url)}">{escape(title, quote=False)}</a>'
    html = RLM + BULLET + link + (f" — {escape(source, quote=False)}" if source else "")
    return html, utf16_len(visible)

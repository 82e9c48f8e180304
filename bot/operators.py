"""Telling operators (I/O): a direct Telegram message to each `[telegram] operators` id.

Best effort: the same sender and pacer as every message (a private chat, one a second); a
failure to tell one operator is logged and never stops delivery. Used when a channel has to
be paused because the bot cannot post there; the service log always has the same line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

from bot.format import RLM, Message, rtl
from bot.limits import Pacer
from bot.telegram import Sender

log = logging.getLogger(__name__)


class Operators:
    def __init__(self, sender: Sender, pacer: Pacer, operators: Sequence[int]) -> None:
        self._sender = sender
        self._pacer = pacer
        self._operators = tuple(operators)

    async def paused(self, channel: str, chat: str, reason: str) -> None:
        """Log the pause and tell each operator, best effort."""
        log.error(
            "channel %s paused: the bot cannot post to %s (%s); after fixing it run "
            "`syndicator deliveries resume %s`",
            channel, chat, reason, channel,
        )  # fmt: skip
        text = (
            f"{rtl('⚠️ توقف النشر في القناة')} «{escape(channel)}» ({escape(chat)}):\n"
            f"{rtl(escape(reason))}\n"
            "بعد إعادة البوت مشرفًا يملك حق النشر، نفّذ:\n"
            f"{RLM}<code>syndicator deliveries resume {escape(channel)}</code>"
        )
        for operator in self._operators:
            try:
                await self._pacer.acquire(str(operator))
                await self._sender.send(str(operator), Message(text))
            except Exception as exc:
                log.warning(
                    "could not tell operator %s about channel %s: %s", operator, channel, exc
                )

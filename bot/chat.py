"""One update from a person (I/O): who sent it, where, in which language, and how to answer.

`Turn` is what the command handlers (`bot.operate`, `bot.subscribe`) receive: the command
and its arguments (or a button's data), the person's id and language, and the ways to answer
in the same chat: a text (with inline buttons), an article message exactly as channels get
it, a new keyboard on the message whose button was pressed, the answer to that press. Every
message goes through the dispatcher's pacer (a private chat takes one a second) and
Telegram errors are logged, never raised into the handler.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.format import Message, rtl_lines
from bot.limits import Pacer
from bot.telegram import TelegramSender
from bot.texts import say
from syndicator.model import Actor

log = logging.getLogger(__name__)

TEXT_LIMIT = 4000  # a reply is cut below Telegram's 4096
Button = tuple[str, str]  # (label, callback data)


def markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


class Replies:
    """Answers in chats through the commands' bot, paced like every other message."""

    def __init__(self, bot: Bot, pacer: Pacer) -> None:
        self.bot = bot
        self._pacer = pacer

    async def text(
        self,
        chat_id: int,
        text: str,
        buttons: Sequence[Sequence[Button]] = (),
        *,
        rtl: bool = True,
    ) -> int | None:
        """Plain text (no parse mode); `rtl`: every line laid out right to left."""
        if len(text) > TEXT_LIMIT:
            text = text[: TEXT_LIMIT - 1] + "…"
        await self._pacer.acquire(str(chat_id))
        try:
            sent = await self.bot.send_message(
                chat_id,
                rtl_lines(text) if rtl else text,
                reply_markup=markup(buttons) if buttons else None,
            )
        except TelegramError as exc:
            log.warning("could not answer in chat %s: %s", chat_id, exc)
            return None
        return int(sent.message_id)

    async def article(self, chat_id: int | str, message: Message) -> None:
        """`message` as a channel would get it (HTML, photo or text, its button)."""
        await self._pacer.acquire(str(chat_id))
        await TelegramSender(self.bot).send(str(chat_id), message)

    async def buttons(
        self, chat_id: int, message_id: int, buttons: Sequence[Sequence[Button]]
    ) -> None:
        try:
            await self.bot.edit_message_reply_markup(
                chat_id, message_id, reply_markup=markup(buttons) if buttons else None
            )
        except TelegramError as exc:
            if "not modified" not in str(exc).lower():
                log.warning("could not update the buttons in chat %s: %s", chat_id, exc)

    async def answer(self, query_id: str, text: str | None = None) -> None:
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except TelegramError as exc:
            log.info("could not answer a button press: %s", exc)


@dataclass
class Turn:
    """One command or one button press."""

    replies: Replies
    user_id: int
    chat_id: int
    private: bool
    lang: str
    command: str  # without "/" and "@bot"; "" for a button press
    args: str = ""
    data: str = ""  # a button's callback data
    query_id: str | None = None  # the button press to answer
    message_id: int | None = None  # the message whose button was pressed

    @property
    def actor(self) -> Actor:
        return Actor(f"tg:{self.user_id}", "bot")

    @property
    def rtl(self) -> bool:
        return self.lang == "ar"

    def say(self, key: str, **values: object) -> str:
        return say(self.lang, key, **values)

    async def reply(
        self, key: str, buttons: Sequence[Sequence[Button]] = (), **values: object
    ) -> None:
        await self.replies.text(self.chat_id, self.say(key, **values), buttons, rtl=self.rtl)

    async def reply_text(self, text: str, buttons: Sequence[Sequence[Button]] = ()) -> None:
        await self.replies.text(self.chat_id, text, buttons, rtl=self.rtl)

    async def buttons(self, buttons: Sequence[Sequence[Button]]) -> None:
        if self.message_id is not None:
            await self.replies.buttons(self.chat_id, self.message_id, buttons)

    async def answer(self, text: str | None = None) -> None:
        if self.query_id is not None:
            await self.replies.answer(self.query_id, text)

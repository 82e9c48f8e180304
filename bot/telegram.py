"""Telegram edge: send and edit messages through python-telegram-bot's `Bot`.

python-telegram-bot errors are translated here into the delivery errors of the state
machine, by whether the message can have been posted:

    RetryAfter (429)                                  -> FloodControl     (surely not sent)
    ChatMigrated                                      -> ChatMoved        (resend elsewhere)
    connect errors, pool timeouts, rejected token     -> RetryLater       (surely not sent)
    Forbidden, chat not found, no right to post       -> ChatUnavailable  (pause the channel)
    other BadRequest                                  -> PermanentFailure (never will be)
    read/write timeouts, 5xx, other network errors    -> OutcomeUnknown   (may be posted)

A photo Telegram cannot fetch is sent as the message's text version instead (a 400 means
nothing was posted), and an edit that changes nothing counts as done.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from typing import Protocol

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.format import Message
from syndicator.errors import (
    ChatMoved,
    ChatUnavailable,
    FloodControl,
    OutcomeUnknown,
    PermanentFailure,
    RetryLater,
)
from syndicator.model import MessageKind

# PTB 22.2+ warns on every RetryAfter that `retry_after` will become a timedelta; `translate`
# accepts both forms, so that one announcement is silenced, and nothing else.
warnings.filterwarnings(
    "ignore", message="Deprecated since version v22.2", category=PTBDeprecationWarning
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
INVALID_TOKEN_RETRY = 300.0
HTML = "HTML"
# 400 answers about the chat rather than the message: the bot cannot post there at all.
_CHAT_UNAVAILABLE = re.compile(
    r"(?i)chat not found|administrator rights|not enough rights|have no rights|"
    r"chat_write_forbidden|chat_admin_required|bot was kicked|not a member"
)
# 400 answers about a photo Telegram could not fetch or use.
_PHOTO_PROBLEM = re.compile(
    r"(?i)http url|url content|web page content|file identifier|image_process|photo_"
)
_NOT_MODIFIED = "message is not modified"


@dataclass(frozen=True)
class Sent:
    """A posted message: its id in the chat and what it became (text, or photo)."""

    message_id: int
    kind: MessageKind


class Sender(Protocol):
    """Posts and edits messages in chats."""

    async def send(self, chat_id: str, message: Message) -> Sent: ...

    async def edit(
        self, chat_id: str, message_id: int, kind: MessageKind, message: Message
    ) -> None: ...


def bot_base_url(configured: str | None) -> str:
    """PTB appends the token to `base_url`; accept both ``https://host`` and ``.../bot``."""
    if not configured:
        return DEFAULT_BASE_URL
    url = configured.rstrip("/")
    return url if url.endswith("/bot") or "{token}" in url else f"{url}/bot"


def build_bot(token: str, base_url: str | None, *, timeout: float = 20.0, pool: int = 8) -> Bot:
    """A send-only Bot; the composition root owns its lifetime (initialize/shutdown)."""
    request = HTTPXRequest(
        connection_pool_size=pool,
        connect_timeout=10.0,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=5.0,
    )
    return Bot(token, base_url=bot_base_url(base_url), request=request)


def chat_ref(chat_id: str) -> int | str:
    """Numeric ids as integers (so `@name` and the id of one chat are not confused later)."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def keyboard(message: Message) -> InlineKeyboardMarkup | None:
    if message.url is None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(message.button_text, url=message.url)]])


def preview(message: Message) -> LinkPreviewOptions:
    if message.preview is None:
        return LinkPreviewOptions(is_disabled=True)
    return LinkPreviewOptions(url=message.preview)


class TelegramSender:
    """Sends with python-telegram-bot's `Bot` in HTML parse mode."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: str, message: Message) -> Sent:
        try:
            if message.photo is not None:
                try:
                    photo = await self._bot.send_photo(
                        chat_id=chat_ref(chat_id),
                        photo=message.photo,
                        caption=message.html,
                        parse_mode=HTML,
                        reply_markup=keyboard(message),
                        disable_notification=message.silent,
                    )
                    return Sent(int(photo.message_id), MessageKind.PHOTO)
                except BadRequest as exc:
                    if message.fallback is None or not _PHOTO_PROBLEM.search(exc.message):
                        raise
                    log.info("photo refused (%s): sending the text version", exc.message)
                    message = message.fallback
            sent = await self._bot.send_message(
                chat_id=chat_ref(chat_id),
                text=message.html,
                parse_mode=HTML,
                reply_markup=keyboard(message),
                link_preview_options=preview(message),
                disable_notification=message.silent,
            )
        except TelegramError as exc:
            raise translate(exc) from exc
        return Sent(int(sent.message_id), MessageKind.TEXT)

    async def edit(
        self, chat_id: str, message_id: int, kind: MessageKind, message: Message
    ) -> None:
        try:
            if kind is MessageKind.PHOTO:
                await self._bot.edit_message_caption(
                    chat_id=chat_ref(chat_id),
                    message_id=message_id,
                    caption=message.html,
                    parse_mode=HTML,
                    reply_markup=keyboard(message),
                )
            else:
                await self._bot.edit_message_text(
                    text=message.html,
                    chat_id=chat_ref(chat_id),
                    message_id=message_id,
                    parse_mode=HTML,
                    reply_markup=keyboard(message),
                    link_preview_options=preview(message),
                )
        except BadRequest as exc:
            if _NOT_MODIFIED not in exc.message.lower():
                raise translate(exc) from exc
        except TelegramError as exc:
            raise translate(exc) from exc


def translate(exc: TelegramError) -> RetryLater | PermanentFailure | OutcomeUnknown:
    """Map a python-telegram-bot error to the state machine's outcomes."""
    if isinstance(exc, RetryAfter):
        seconds = exc.retry_after
        delay = seconds if isinstance(seconds, int | float) else seconds.total_seconds()
        return FloodControl(f"flood control: {exc.message}", retry_after=float(delay))
    if isinstance(exc, ChatMigrated):
        return ChatMoved(f"chat migrated to {exc.new_chat_id}", new_chat_id=str(exc.new_chat_id))
    if isinstance(exc, Forbidden) or (
        isinstance(exc, BadRequest) and _CHAT_UNAVAILABLE.search(exc.message)
    ):
        return ChatUnavailable(exc.message)
    if isinstance(exc, BadRequest):
        return PermanentFailure(exc.message)
    if isinstance(exc, InvalidToken):
        return RetryLater("the bot token was rejected", retry_after=INVALID_TOKEN_RETRY)
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return RetryLater(f"not sent: {type(cause).__name__}")
    return OutcomeUnknown(f"{type(exc).__name__}: {exc.message}")

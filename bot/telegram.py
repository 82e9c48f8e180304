"""Telegram edge: send a formatted message through python-telegram-bot, or print it (dry run).

python-telegram-bot errors are translated here into the delivery errors of the state
machine, by whether the message can have been posted:

    RetryAfter (429), connect errors, pool timeouts  -> RetryLater       (surely not sent)
    BadRequest, Forbidden, ChatMigrated              -> PermanentFailure (never will be)
    read/write timeouts, 5xx, other network errors   -> OutcomeUnknown   (may be posted)
"""

from __future__ import annotations

import itertools
import sys
import warnings
from collections.abc import Callable
from typing import Protocol, TextIO

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.format import Message
from syndicator.errors import OutcomeUnknown, PermanentFailure, RetryLater

# PTB 22.2+ warns on every RetryAfter that `retry_after` will become a timedelta; `translate`
# accepts both forms, so that one announcement is silenced, and nothing else.
warnings.filterwarnings(
    "ignore", message="Deprecated since version v22.2", category=PTBDeprecationWarning
)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
INVALID_TOKEN_RETRY = 300.0


class Sender(Protocol):
    """Posts one message to one chat and returns Telegram's message id."""

    async def send(self, chat_id: str, message: Message) -> int: ...


def bot_base_url(configured: str | None) -> str:
    """PTB appends the token to `base_url`; accept both ``https://host`` and ``.../bot``."""
    if not configured:
        return DEFAULT_BASE_URL
    url = configured.rstrip("/")
    return url if url.endswith("/bot") or "{token}" in url else f"{url}/bot"


def build_bot(token: str, base_url: str | None, *, timeout: float = 20.0) -> Bot:
    """A send-only Bot; the composition root owns its lifetime (initialize/shutdown)."""
    request = HTTPXRequest(
        connection_pool_size=8,
        connect_timeout=10.0,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=5.0,
    )
    return Bot(token, base_url=bot_base_url(base_url), request=request)


def chat_ref(chat_id: str) -> int | str:
    """Numeric ids as integers (so `@name` and the id of one chat are not confused later)."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class TelegramSender:
    """Sends with python-telegram-bot's `Bot`, HTML parse mode and a «اقرأ المزيد» button."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: str, message: Message) -> int:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(message.button_text, url=message.url)]]
        )
        try:
            sent = await self._bot.send_message(
                chat_id=chat_ref(chat_id),
                text=message.html,
                parse_mode="HTML",
                reply_markup=keyboard,
                link_preview_options=LinkPreviewOptions(url=message.url),
            )
        except TelegramError as exc:
            raise translate(exc) from exc
        return int(sent.message_id)


def translate(exc: TelegramError) -> RetryLater | PermanentFailure | OutcomeUnknown:
    """Map a python-telegram-bot error to the state machine's three outcomes."""
    if isinstance(exc, RetryAfter):
        seconds = exc.retry_after
        delay = seconds if isinstance(seconds, int | float) else seconds.total_seconds()
        return RetryLater(f"flood control: {exc.message}", retry_after=float(delay))
    if isinstance(exc, ChatMigrated):
        return PermanentFailure(f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, BadRequest | Forbidden):
        return PermanentFailure(exc.message)
    if isinstance(exc, InvalidToken):
        return RetryLater("the bot token was rejected", retry_after=INVALID_TOKEN_RETRY)
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return RetryLater(f"not sent: {type(cause).__name__}")
    if isinstance(exc, TimedOut | NetworkError):
        return OutcomeUnknown(f"{type(exc).__name__}: {exc.message}")
    return OutcomeUnknown(f"{type(exc).__name__}: {exc.message}")


class DryRunSender:
    """Prints each would-be message instead of sending it (no token configured)."""

    def __init__(
        self, out: TextIO | None = None, label: Callable[[str], str] | None = None
    ) -> None:
        self._out = out
        self._ids = itertools.count(1)
        self._label = label or (lambda chat_id: chat_id)

    async def send(self, chat_id: str, message: Message) -> int:
        out = self._out or sys.stdout
        rule = "─" * 60
        out.write(
            f"{rule}\n[dry-run] to {self._label(chat_id)}\n{message.html}\n"
            f"[{message.button_text}] {message.url}\n"
        )
        out.flush()
        return next(self._ids)

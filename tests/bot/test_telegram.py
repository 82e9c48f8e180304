"""The Telegram edge: python-telegram-bot against the fake Bot API, and how every kind of
failure is translated for the state machine (by whether the message may have been posted)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.format import Message
from bot.telegram import TelegramSender, build_bot
from syndicator.errors import (
    ChatMoved,
    ChatUnavailable,
    DeliveryError,
    FloodControl,
    OutcomeUnknown,
    PermanentFailure,
    RetryLater,
)
from syndicator.model import MessageKind
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI

CHAT = -1001000000001
TEXT = Message("<b>عاجل</b>\n\nنص الخبر", "https://news.example.com/1", preview=None)


@pytest.fixture
def fake() -> FakeBotAPI:
    api = FakeBotAPI().start()
    api.add_chat(CHAT)
    yield api  # type: ignore[misc]
    api.stop()


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with build_bot(DEFAULT_TOKEN, fake.base_url, timeout=1.0) as ptb:
        yield ptb


async def failure(sender: TelegramSender, chat: int = CHAT) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        await sender.send(str(chat), TEXT)
    return caught.value


@pytest.mark.parametrize(
    ("status", "description", "kind"),
    [
        (400, "Bad Request: can't parse entities: unclosed tag", PermanentFailure),
        (400, "Bad Request: chat not found", ChatUnavailable),
        (400, "Bad Request: need administrator rights in the channel chat", ChatUnavailable),
        (403, "Forbidden: bot was kicked from the channel chat", ChatUnavailable),
        (403, "Forbidden: bot was blocked by the user", ChatUnavailable),
        (500, "Internal Server Error", OutcomeUnknown),
        (502, "Bad Gateway", OutcomeUnknown),
    ],
)
async def test_answers_are_translated(
    bot: Bot, fake: FakeBotAPI, status: int, description: str, kind: type[DeliveryError]
) -> None:
    fake.fail_next("sendMessage", status=status, description=description)
    assert type(await failure(TelegramSender(bot))) is kind


async def test_flood_control_carries_retry_after(bot: Bot, fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=17)
    error = await failure(TelegramSender(bot))
    assert isinstance(error, FloodControl)
    assert error.retry_after == 17


async def test_a_migrated_group_names_its_new_chat(bot: Bot, fake: FakeBotAPI) -> None:
    fake.add_chat(-4001, type="group")
    fake.migrate_chat(-4001, -1004001)
    error = await failure(TelegramSender(bot), -4001)
    assert isinstance(error, ChatMoved)
    assert error.new_chat_id == "-1004001"


async def test_a_wrong_token_is_retried_much_later(fake: FakeBotAPI) -> None:
    bot = build_bot("999:wrong-token", fake.base_url)  # not initialized: getMe would fail
    try:
        error = await failure(TelegramSender(bot))
    finally:
        await bot.shutdown()
    assert type(error) is RetryLater
    assert error.retry_after == 300


@pytest.mark.parametrize("processed", [True, False], ids=["after-posting", "before-reading"])
async def test_a_dropped_connection_is_an_unknown_outcome(
    bot: Bot, fake: FakeBotAPI, processed: bool
) -> None:
    fake.drop("sendMessage", processed=processed)
    assert type(await failure(TelegramSender(bot))) is OutcomeUnknown
    assert len(fake.sent(CHAT)) == (1 if processed else 0)  # nobody can tell which


async def test_a_slow_answer_is_an_unknown_outcome(bot: Bot, fake: FakeBotAPI) -> None:
    fake.slow("sendMessage", 10)  # longer than the 1 s read timeout
    assert type(await failure(TelegramSender(bot))) is OutcomeUnknown
    assert len(fake.sent(CHAT)) == 1  # it was posted all the same


async def test_connection_refused_is_surely_not_sent(bot: Bot, fake: FakeBotAPI) -> None:
    fake.down()
    try:
        error = await failure(TelegramSender(bot))
    finally:
        fake.up()
    assert type(error) is RetryLater
    sent = await TelegramSender(bot).send(str(CHAT), TEXT)  # same port, back up
    assert sent.kind is MessageKind.TEXT


async def test_send_and_edit_text_and_photo(bot: Bot, fake: FakeBotAPI) -> None:
    sender = TelegramSender(bot)
    text = await sender.send(str(CHAT), TEXT)
    photo_message = Message(
        "<b>صورة</b>", "https://news.example.com/2", photo="https://img.example.com/2.jpg",
        silent=True, fallback=TEXT,
    )  # fmt: skip
    photo = await sender.send(str(CHAT), photo_message)
    assert (text.kind, photo.kind) == (MessageKind.TEXT, MessageKind.PHOTO)
    await sender.edit(str(CHAT), text.message_id, MessageKind.TEXT, Message("<b>مصحح</b>"))
    await sender.edit(str(CHAT), photo.message_id, MessageKind.PHOTO, Message("<i>مصحح</i>"))
    await sender.edit(str(CHAT), photo.message_id, MessageKind.PHOTO, Message("<i>مصحح</i>"))
    methods = [(m.method, m.message_id) for m in fake.sent(CHAT)]
    assert methods == [
        ("sendMessage", text.message_id),
        ("sendPhoto", photo.message_id),
        ("editMessageText", text.message_id),
        ("editMessageCaption", photo.message_id),
    ]  # the edit that changed nothing was accepted without a second record
    first, second, edited, _ = fake.sent(CHAT)
    assert first.link_preview_options == {"is_disabled": True}
    assert second.disable_notification
    assert edited.reply_markup is None


async def test_an_unusable_photo_falls_back_to_the_text(bot: Bot, fake: FakeBotAPI) -> None:
    fake.fail_next(
        "sendPhoto", status=400, description="Bad Request: failed to get HTTP URL content"
    )
    message = Message("<b>صورة</b>", photo="https://img.example.com/x.jpg", fallback=TEXT)
    sent = await TelegramSender(bot).send(str(CHAT), message)
    assert sent.kind is MessageKind.TEXT
    [posted] = fake.sent(CHAT)
    assert posted.html == TEXT.html

"""Corrections: a sent article that the source corrects is edited in place (same message,
editMessageText or editMessageCaption), never posted twice; within the edit window, when
the channel wants edits, and only when readers would see a difference."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.policy import ChannelPolicy, Options
from bot.telegram import TelegramSender
from syndicator.model import Channel
from syndicator.store import Store
from tests.bot.conftest import CHAT, article, configure, dispatcher, rows
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.clock import NOW
from tests.fakes.virtual_time import VirtualTime

IMAGE = "https://img.example.com/lead.jpg"


async def posted(store: Store, vt: VirtualTime, sender: TelegramSender, **changes: object) -> int:
    """One article sent to the channel; returns its id."""
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    article_id = await store.articles.add(article(1, **changes), NOW)
    assert article_id is not None
    assert await dispatcher(store, sender, vt).run_once() == {"sent": 1}
    return article_id


async def correct(store: Store, article_id: int, vt: VirtualTime, **changes: object) -> None:
    current = await store.articles.get(article_id)
    assert current is not None
    await store.articles.revise(article_id, replace(current, **changes), vt.now())


async def test_a_corrected_title_edits_the_message(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender)
    [original] = telegram.sent(CHAT)
    vt.advance(600)
    await correct(store, article_id, vt, title="روسيا تدعو إلى مؤتمر شعوب سوريا")
    worker = dispatcher(store, sender, vt)
    assert await worker.run_once() == {"edited": 1}
    [_, edited] = telegram.sent(CHAT)
    assert edited.method == "editMessageText"
    assert edited.message_id == original.message_id
    assert edited.text is not None
    assert edited.text.startswith("روسيا تدعو إلى مؤتمر شعوب سوريا")
    assert edited.reply_markup == original.reply_markup
    assert worker.metrics.total().edits == 1
    assert await rows(store, "kind", "state", "revision") == [
        ("post", "sent", 0),
        ("edit", "sent", 1),
    ]
    assert await dispatcher(store, sender, vt).run_once() == {}  # nothing more to do
    # A second correction reuses the edit delivery.
    vt.advance(600)
    await correct(store, article_id, vt, summary="قال الوزير إن المؤتمر سيعقد الشهر المقبل.")
    assert await dispatcher(store, sender, vt).run_once(max_wait=10) == {"edited": 1}
    assert [m.method for m in telegram.sent(CHAT)] == ["sendMessage", *["editMessageText"] * 2]
    assert await rows(store, "kind", "state", "revision") == [
        ("post", "sent", 0),
        ("edit", "sent", 2),
    ]


async def test_a_photo_message_gets_its_caption_edited(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender, image=IMAGE)
    vt.advance(60)
    await correct(store, article_id, vt, title="عنوان مصحح")
    assert await dispatcher(store, sender, vt).run_once() == {"edited": 1}
    photo, edited = telegram.sent(CHAT)
    assert (photo.method, edited.method) == ("sendPhoto", "editMessageCaption")
    assert edited.caption is not None
    assert edited.caption.startswith("عنوان مصحح")


async def test_a_correction_readers_would_not_see_is_no_edit(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender)
    await correct(store, article_id, vt, text="نص المقال الكامل بعد التصحيح.", content_hash="h2")
    assert await dispatcher(store, sender, vt).run_once() == {"unchanged": 1}
    assert len(telegram.calls) == 2  # getMe, sendMessage: no edit call


async def test_no_edit_when_the_channel_does_not_want_edits(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender)
    await correct(store, article_id, vt, title="عنوان مصحح")
    options = Options(channels={"syria-news": ChannelPolicy(edits=False)})
    assert await dispatcher(store, sender, vt, options).run_once() == {}
    assert len(telegram.sent(CHAT)) == 1


async def test_no_edit_after_the_window(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender)
    vt.advance(timedelta(hours=48, minutes=1).total_seconds())
    await correct(store, article_id, vt, title="عنوان مصحح")
    assert await dispatcher(store, sender, vt).run_once() == {}
    assert len(telegram.sent(CHAT)) == 1


async def test_an_edit_whose_outcome_is_unknown_is_tried_again(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender)
    await correct(store, article_id, vt, title="عنوان مصحح")
    telegram.fail_next("editMessageText", status=502, description="Bad Gateway")
    assert await dispatcher(store, sender, vt).run_once() == {"pending": 1}
    vt.advance(10)
    assert await dispatcher(store, sender, vt).run_once() == {"edited": 1}  # edits are idempotent


async def test_a_correction_stored_before_a_restart_is_still_edited(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender)
    await correct(store, article_id, vt, title="عنوان مصحح")
    # The process stops before any dispatcher pass saw the correction; a new one starts.
    worker = dispatcher(store, sender, vt)
    assert await worker.recover() == []
    assert await worker.run_once() == {"edited": 1}


async def test_a_message_deleted_in_the_chat_fails_the_edit_only(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    article_id = await posted(store, vt, sender)
    await correct(store, article_id, vt, title="عنوان مصحح")
    telegram.fail_next(
        "editMessageText", status=400, description="Bad Request: message to edit not found"
    )
    assert await dispatcher(store, sender, vt).run_once() == {"failed": 1}
    assert await rows(store, "kind", "state") == [("post", "sent"), ("edit", "failed")]
    assert await dispatcher(store, sender, vt).run_once() == {}  # not retried for the same text

"""The outbox dispatcher with real python-telegram-bot calls against the fake Bot API:
message options, the state machine's outcomes, flood control, migrations, paused channels,
fairness and stopping."""

from __future__ import annotations

import asyncio
import io
import itertools
import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url

from bot.dispatch import Dispatcher
from bot.dryrun import DryRunSender
from bot.format import Message, Style
from bot.limits import MARGIN
from bot.policy import ChannelPolicy, Options
from bot.telegram import Sent, TelegramSender
from syndicator.model import Channel, MessageKind
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine
from tests.bot.conftest import (
    CHAT,
    add_articles,
    article,
    channels,
    configure,
    dispatcher,
    owe,
    pacer,
    rows,
)
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.clock import NOW
from tests.fakes.database import open_store
from tests.fakes.virtual_time import VirtualTime

OPERATOR = 777000


async def test_pending_delivery_is_sent_once_with_its_options(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await owe(store, CHAT)
    options = Options(channels={"syria-news": ChannelPolicy(Style(silent=True))})
    assert await dispatcher(store, sender, vt, options).run_once() == {"sent": 1}
    [posted] = telegram.sent(CHAT)
    assert posted.method == "sendMessage"
    assert posted.parse_mode == "HTML"
    assert posted.text is not None
    assert posted.text.startswith("روسيا تتجه لمؤتمر شعوب سوريا")
    assert "قال وزير الخارجية" in posted.text
    assert "#الشأن_السوري" in posted.text
    assert posted.reply_markup == {
        "inline_keyboard": [[{"text": "اقرأ المزيد", "url": article(0).url}]]
    }
    assert posted.link_preview_options == {"url": article(0).url}
    assert posted.disable_notification is True
    columns = ("state", "telegram_message_id", "message_kind", "revision", "kind")
    assert await rows(store, *columns) == [("sent", posted.message_id, "text", 0, "post")]
    assert await dispatcher(store, sender, vt).run_once() == {}
    assert len(telegram.sent(CHAT)) == 1


async def test_hostile_title_is_escaped_and_accepted(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    hostile = "<script>alert(1)</script> & <b>عاجل</i> iPhone"
    await owe(store, CHAT, hostile)
    assert await dispatcher(store, sender, vt).run_once() == {"sent": 1}
    [posted] = telegram.sent(CHAT)
    assert posted.text is not None
    assert hostile in posted.text


async def test_lead_image_makes_a_photo_with_caption(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    await store.articles.add(article(1, image="https://img.example.com/lead.jpg"), NOW)
    long = "خبر طويل جدا " * 200
    await store.articles.add(article(2, summary=long, image="https://img.example.com/2.jpg"), NOW)
    assert await dispatcher(store, sender, vt).run_once(max_wait=10) == {"sent": 2}
    photo, text = telegram.sent(CHAT)
    assert photo.method == "sendPhoto"
    assert photo.photo == "https://img.example.com/lead.jpg"
    assert photo.caption is not None
    assert photo.caption.startswith("روسيا")
    assert photo.reply_markup is not None
    assert text.method == "sendMessage"  # the caption would not fit: text with a preview
    assert text.link_preview_options == {"url": article(2).url}
    assert await rows(store, "message_kind") == [("photo",), ("text",)]


async def test_a_photo_telegram_cannot_fetch_goes_out_as_text(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    await store.articles.add(article(1, image="https://img.example.com/gone.jpg"), NOW)
    telegram.fail_next(
        "sendPhoto", status=400, description="Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert await dispatcher(store, sender, vt).run_once() == {"sent": 1}
    [posted] = telegram.sent(CHAT)
    assert posted.method == "sendMessage"
    assert await rows(store, "state", "message_kind") == [("sent", "text")]


async def test_image_option_off_sends_text(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    await store.articles.add(article(1, image="https://img.example.com/lead.jpg"), NOW)
    style = Style(image=False, preview=False, hashtags=False, source=False)
    options = Options(channels={"syria-news": ChannelPolicy(style)})
    assert await dispatcher(store, sender, vt, options).run_once() == {"sent": 1}
    [posted] = telegram.sent(CHAT)
    assert posted.method == "sendMessage"
    assert posted.link_preview_options == {"is_disabled": True}
    assert posted.text is not None
    assert "#" not in posted.text
    assert "المصدر" not in posted.text


@pytest.mark.parametrize(
    ("status", "description", "state", "reason"),
    [
        (400, "Bad Request: can't parse entities", "failed", "parse entities"),
        (502, "Bad Gateway", "unknown", "Bad Gateway"),
    ],
    ids=["bad-request", "server-error"],
)
async def test_errors_follow_the_state_machine(
    store: Store,
    telegram: FakeBotAPI,
    sender: TelegramSender,
    vt: VirtualTime,
    status: int,
    description: str,
    state: str,
    reason: str,
) -> None:
    await owe(store, CHAT)
    telegram.fail_next("sendMessage", status=status, description=description)
    worker = dispatcher(store, sender, vt)
    assert await worker.run_once() == {state: 1}
    [(stored_state, error, message_id)] = await rows(store)
    assert stored_state == state
    assert error is not None
    assert reason.lower() in error.lower()
    assert message_id is None
    assert worker.metrics.snapshot()["syria-news"] == worker.metrics.total()
    assert getattr(worker.metrics.total(), state) == 1
    # Neither failed nor unknown deliveries are sent again automatically.
    vt.advance(3600)
    assert await dispatcher(store, sender, vt).run_once() == {}
    assert telegram.sent(CHAT) == []


async def test_unknown_outcome_is_resent_for_an_at_least_once_channel(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await owe(store, CHAT)
    telegram.fail_next("sendMessage", status=502, description="Bad Gateway")
    options = Options(channels={"syria-news": ChannelPolicy(at_least_once=True)})
    assert await dispatcher(store, sender, vt, options).run_once() == {"pending": 1}
    vt.advance(5)
    assert await dispatcher(store, sender, vt, options).run_once() == {"sent": 1}


@pytest.mark.parametrize(
    ("chat", "status", "description"),
    [
        (-1009999, None, None),
        (CHAT, 403, "Forbidden: bot was kicked from the channel chat"),
        (CHAT, 400, "Bad Request: need administrator rights in the channel chat"),
    ],
    ids=["chat-not-found", "kicked", "no-rights"],
)
async def test_a_chat_the_bot_cannot_post_to_pauses_its_channel(
    store: Store,
    telegram: FakeBotAPI,
    sender: TelegramSender,
    vt: VirtualTime,
    caplog: pytest.LogCaptureFixture,
    chat: int,
    status: int | None,
    description: str | None,
) -> None:
    telegram.add_chat(OPERATOR, type="private", title="المشرف")
    await owe(store, chat, "الخبر الأول", "الخبر الثاني")
    if status is not None and description is not None:
        telegram.fail_next("sendMessage", status=status, description=description)
    options = Options(operators=(OPERATOR,))
    assert await dispatcher(store, sender, vt, options).run_once() == {"paused": 1}
    # Nothing is lost: both wait, the channel is paused, the operator was told.
    assert [state for state, _, _ in await rows(store)] == ["pending", "pending"]
    state = (await store.chats.states())["syria-news"]
    assert state.paused_reason is not None
    [notice] = telegram.sent(OPERATOR)
    assert notice.text is not None
    assert "syria-news" in notice.text
    assert "syndicator deliveries resume syria-news" in notice.text
    assert "syria-news paused" in caplog.text
    vt.advance(3600)
    assert await dispatcher(store, sender, vt, options).run_once() == {}  # still paused
    assert len(telegram.sent(OPERATOR)) == 1
    # The operator fixes the chat and resumes the channel: both go out.
    telegram.add_chat(chat, title="أخبار سوريا")
    assert await store.chats.resume("syria-news")
    assert await dispatcher(store, sender, vt, options).run_once(max_wait=10) == {"sent": 2}
    assert len(telegram.sent(chat)) == 2


async def test_flood_control_holds_the_chat_durably(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await owe(store, CHAT, "الخبر الأول", "الخبر الثاني")
    telegram.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    worker = dispatcher(store, sender, vt)
    assert await worker.run_once(max_wait=100) == {"pending": 1}
    [(state, error, _), (other, _, _)] = await rows(store)
    assert (state, other) == ("pending", "pending")
    assert error is not None
    assert "Retry in 7 seconds" in error
    assert (await store.chats.states())["syria-news"].not_before == NOW + timedelta(seconds=7)
    assert await store.outbox.next_due() == NOW + timedelta(seconds=7)
    total = worker.metrics.total()
    assert (total.flood_waits, total.flood_seconds) == (1, 7.0)
    # A restarted dispatcher (fresh pacer) still waits for the hold.
    vt.advance(6)
    assert await dispatcher(store, sender, vt).run_once(max_wait=100) == {}
    vt.advance(1)
    assert await dispatcher(store, sender, vt).run_once(max_wait=100) == {"sent": 2}
    assert [m.at for m in telegram.sent(CHAT)] == [vt.monotonic() - 3 - MARGIN, vt.monotonic()]


async def test_migrated_group_is_followed_and_remembered(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    group, supergroup = -4001, -1004001
    telegram.add_chat(group, type="group", title="مجموعة")
    telegram.migrate_chat(group, supergroup)
    await owe(store, group, "الخبر الأول")
    assert await dispatcher(store, sender, vt).run_once() == {"pending": 1, "sent": 1}
    assert len(telegram.sent(supergroup)) == 1
    assert (await store.chats.states())["syria-news"].chat_id == str(supergroup)
    await add_articles(store, 1, start=5)
    vt.advance(10)
    calls = len(telegram.calls)
    # The config still names the old id (it is applied again on every start).
    await owe(store, group, "الخبر الأول")
    assert await dispatcher(store, sender, vt).run_once() == {"sent": 1}
    assert len(telegram.calls) == calls + 1  # straight to the new chat
    assert len(telegram.sent(supergroup)) == 2


async def test_dry_run_prints_each_message(store: Store, vt: VirtualTime) -> None:
    await owe(store, "@sham_syria_news")
    out = io.StringIO()
    assert await dispatcher(store, DryRunSender(out), vt).run_once() == {"sent": 1}
    printed = out.getvalue()
    assert "[dry-run] to @sham_syria_news" in printed
    assert "<b>روسيا تتجه لمؤتمر شعوب سوريا</b>" in printed
    assert "[اقرأ المزيد] " + article(0).url in printed
    assert "[preview] " + article(0).url in printed


class StopAfterFirst:
    """A sender that asks the dispatcher to stop while it sends the first message."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop
        self.sent: list[str] = []

    async def send(self, chat_id: str, message: Message) -> Sent:
        self.stop.set()
        self.sent.append(message.html)
        return Sent(len(self.sent), MessageKind.TEXT)

    async def edit(
        self, chat_id: str, message_id: int, kind: MessageKind, message: Message
    ) -> None:
        raise AssertionError("no edits here")


async def test_stop_between_sends_hands_the_rest_back(store: Store, vt: VirtualTime) -> None:
    await owe(store, CHAT, "الخبر الأول", "الخبر الثاني", "الخبر الثالث")
    stop = asyncio.Event()
    sender = StopAfterFirst(stop)
    assert await dispatcher(store, sender, vt).run_once(stop) == {"sent": 1}
    assert [state for state, _, _ in await rows(store)] == ["sent", "pending", "pending"]
    assert await dispatcher(store, sender, vt).run_once(max_wait=10) == {"sent": 2}


async def test_recover_marks_interrupted_sends_unknown(
    store: Store, vt: VirtualTime, caplog: pytest.LogCaptureFixture
) -> None:
    await owe(store, CHAT)
    await store.outbox.claim(vt.now())  # a process claimed it and died mid-send
    worker = dispatcher(store, DryRunSender(io.StringIO()), vt)
    [interrupted] = await worker.recover()
    assert interrupted.title == "روسيا تتجه لمؤتمر شعوب سوريا"
    assert "interrupted while sending" in caplog.text
    assert await worker.run_once() == {}
    assert [state for state, _, _ in await rows(store)] == ["unknown"]
    assert worker.metrics.total().unknown == 1


async def test_a_busy_channel_does_not_starve_the_others(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    busy, *quiet = channels(6)
    await configure(store, Channel(busy.id, busy.chat_id, ("economy",)), *quiet)
    for chat in (busy, *quiet):
        telegram.add_chat(int(chat.chat_id))
    await add_articles(store, 30, categories=("economy",))  # the busy channel's
    await add_articles(store, 1, start=100)  # one for each quiet channel
    options = Options(default=ChannelPolicy(backlog_newest=100))
    outcomes = await dispatcher(store, sender, vt, options).run_once(max_wait=1000)
    assert outcomes == {"sent": 35}
    order = [m.chat_id for m in telegram.sent()]
    quiet_chats = {int(c.chat_id) for c in quiet}
    assert set(order[:6]) == quiet_chats | {int(busy.chat_id)}  # one round for everyone
    times = [m.at for m in telegram.sent(int(busy.chat_id))]
    assert all(b - a >= 3.0 - 1e-9 for a, b in itertools.pairwise(times))


async def test_private_chats_are_paced_by_the_second(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    user = 424242
    telegram.add_chat(user, type="private", title="قارئ")
    await owe(store, user, "الأول", "الثاني", "الثالث")
    pacing = pacer(vt)
    worker = Dispatcher(store, sender, pacing, vt.now)
    assert await worker.run_once(max_wait=10) == {"sent": 3}
    times = [m.at for m in telegram.sent(user)]
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [1 + MARGIN, 1 + MARGIN]


async def test_the_whole_flow_on_each_backend(
    database_url: str, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    async with open_store(database_url) as store:
        await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
        await add_articles(store, 5)
        worker = dispatcher(store, sender, vt)
        assert await worker.run_once(max_wait=100) == {"digested": 2, "sent": 3}
        newest = await store.articles.get(5)
        assert newest is not None
        await store.articles.revise(5, replace(newest, title="عنوان مصحح"), vt.now())
        telegram.fail_next("editMessageText", status=429, description="Too Many", retry_after=5)
        assert await worker.run_once(max_wait=100) == {"pending": 1}
        vt.advance(5)
        assert await dispatcher(store, sender, vt).run_once(max_wait=100) == {"edited": 1}
        methods = [m.method for m in telegram.sent(CHAT)]
        assert methods == ["sendMessage"] * 4 + ["editMessageText"]
        assert (await store.outbox.counts()) == {"sent": 6}


class LockingSender:
    """The real sender; when armed, another process takes the SQLite write lock just
    before the next send: the database stops answering while a message is on its way."""

    def __init__(self, sender: TelegramSender, path: str) -> None:
        self._sender = sender
        self._lock = sqlite3.connect(path, isolation_level=None)
        self.armed = False

    async def send(self, chat_id: str, message: Message) -> Sent:
        if self.armed:
            self._lock.execute("BEGIN EXCLUSIVE")
            self.armed = False
        return await self._sender.send(chat_id, message)

    async def edit(self, chat: str, message_id: int, kind: MessageKind, message: Message) -> None:
        raise AssertionError("no edits here")

    def unlock(self) -> None:
        self._lock.execute("ROLLBACK")

    def close(self) -> None:
        self._lock.close()


async def test_outcomes_the_database_does_not_take_are_stored_when_it_answers(
    sqlite_url: str, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    """A message sent while the database does not answer is recorded `sent` (with its
    message id) once it answers, never sent again; one that surely did not go out
    (Telegram unreachable) becomes pending again and goes out later, never dropped."""
    migrate.upgrade(sqlite_url)
    engine = create_engine(sqlite_url, busy_timeout=0.05)  # "locked" after 50 ms
    store = Store.on(engine)
    locking = LockingSender(sender, make_url(sqlite_url).database or "")
    try:
        await owe(store, CHAT, "الخبر الأول")
        worker = dispatcher(store, locking, vt)
        locking.armed = True
        assert await worker.run_once(max_wait=100) == {"sent": 1}
        assert await rows(store) == [("sending", None, None)]  # kept in memory meanwhile
        locking.unlock()
        assert await worker.run_once(max_wait=100) == {}
        [posted] = telegram.sent(CHAT)
        assert await rows(store) == [("sent", None, posted.message_id)]

        await store.articles.add(article(1, "الخبر الثاني"), NOW)
        telegram.down()
        locking.armed = True
        assert await worker.run_once(max_wait=100) == {"pending": 1}
        assert (await rows(store))[1][0] == "sending"
        locking.unlock()
        telegram.up()
        vt.advance(60)
        assert await worker.run_once(max_wait=100) == {"sent": 1}  # "pending" first, then sent
        first, second = telegram.sent(CHAT)
        assert "الخبر الثاني" in (second.text or "")
        assert await rows(store) == [
            ("sent", None, first.message_id),
            ("sent", None, second.message_id),
        ]
    finally:
        locking.close()
        await engine.dispose()

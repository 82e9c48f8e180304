"""The outbox dispatcher with real python-telegram-bot calls against the fake Bot API."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.dispatch import Dispatcher
from bot.format import Message
from bot.limits import Pacer
from bot.telegram import DryRunSender, Sender, TelegramSender, build_bot
from syndicator.model import Article, Category, Channel, Source
from syndicator.store import Store, tables
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.clock import NOW, FakeClock

CHAT = -1001000000001


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    return sqlite_store


@pytest.fixture
def telegram() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        fake.add_chat(CHAT, title="أخبار سوريا")
        yield fake


def article(title: str = "روسيا تتجه لمؤتمر شعوب سوريا") -> Article:
    return Article(
        source_id="sham",
        guid="http://127.0.0.1:1/?p=1",
        url="http://127.0.0.1:1/2026/11/29/russia/?a=1&b=2",
        title=title,
        text="قال وزير الخارجية إن العملية السياسية تتقدم.",
        content_html="",
        summary="قال وزير الخارجية إن العملية السياسية تتقدم.",
        published=NOW,
        updated=NOW,
        content_hash="h",
        categories=("syria",),
    )


async def owe(store: Store, chat_id: int | str, *titles: str) -> None:
    """Configure one channel and store articles routed to it."""
    await store.registry.apply(
        [Category("syria", "الشأن السوري")],
        [Source("sham", "أخبار الشام اليوم", "http://127.0.0.1:1/feed/")],
        [Channel("syria-news", str(chat_id), ("syria",))],
    )
    for n, title in enumerate(titles or ("روسيا تتجه لمؤتمر شعوب سوريا",)):
        item = article(title)
        await store.articles.add(replace(item, guid=f"g{n}", url=f"{item.url}&n={n}"), NOW)


async def deliveries(store: Store) -> list[tuple[str, str | None, int | None]]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(
                tables.deliveries.c.state,
                tables.deliveries.c.last_error,
                tables.deliveries.c.telegram_message_id,
            ).order_by(tables.deliveries.c.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
async def sender(telegram: FakeBotAPI) -> AsyncIterator[TelegramSender]:
    bot = build_bot(DEFAULT_TOKEN, telegram.base_url)
    async with bot:
        yield TelegramSender(bot)


def dispatcher(store: Store, sender: Sender, clock: FakeClock) -> Dispatcher:
    return Dispatcher(store, sender, Pacer(global_rate=1000, per_chat_interval=0), clock)


async def test_pending_delivery_is_sent_once_as_html_with_a_button(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, clock: FakeClock
) -> None:
    await owe(store, CHAT)
    outcomes = await dispatcher(store, sender, clock).run_once()
    assert outcomes == {"sent": 1}
    [posted] = telegram.sent(CHAT)
    assert posted.parse_mode == "HTML"
    assert posted.text is not None
    assert posted.text.startswith("روسيا تتجه لمؤتمر شعوب سوريا")
    assert "قال وزير الخارجية" in posted.text
    assert posted.reply_markup == {
        "inline_keyboard": [[{"text": "اقرأ المزيد", "url": article().url + "&n=0"}]]
    }
    assert await deliveries(store) == [("sent", None, posted.message_id)]
    assert await dispatcher(store, sender, clock).run_once() == {}
    assert len(telegram.sent(CHAT)) == 1


async def test_hostile_title_is_escaped_and_accepted(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, clock: FakeClock
) -> None:
    hostile = "<script>alert(1)</script> & <b>عاجل</i> iPhone"
    await owe(store, CHAT, hostile)
    assert await dispatcher(store, sender, clock).run_once() == {"sent": 1}
    [posted] = telegram.sent(CHAT)
    assert posted.text is not None
    assert hostile in posted.text


async def test_flood_control_retries_after_the_delay(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, clock: FakeClock
) -> None:
    await owe(store, CHAT)
    telegram.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    pacer = Pacer(global_rate=1000, per_chat_interval=0)
    worker = Dispatcher(store, sender, pacer, clock)
    assert await worker.run_once() == {"pending": 1}
    [(state, error, _)] = await deliveries(store)
    assert state == "pending"
    assert error is not None
    assert "Retry in 7 seconds" in error
    assert await store.outbox.next_due() == NOW + timedelta(seconds=7)
    assert pacer.ready_in(str(CHAT)) > 6
    assert await worker.run_once() == {}  # not due yet
    clock.advance(8)
    pacer.pause(str(CHAT), 0)  # the real pause has a monotonic clock; release it for the test
    worker = Dispatcher(store, sender, Pacer(global_rate=1000, per_chat_interval=0), clock)
    assert await worker.run_once() == {"sent": 1}
    assert len(telegram.sent(CHAT)) == 1


@pytest.mark.parametrize(
    ("chat", "status", "description", "state", "reason"),
    [
        (-1009999, None, None, "failed", "chat not found"),
        (CHAT, 403, "Forbidden: bot was kicked from the channel chat", "failed", "kicked"),
        (CHAT, 400, "Bad Request: can't parse entities", "failed", "parse entities"),
        (CHAT, 502, "Bad Gateway", "unknown", "Bad Gateway"),
    ],
    ids=["unknown-chat", "forbidden", "bad-request", "server-error"],
)
async def test_errors_follow_the_state_machine(
    store: Store,
    telegram: FakeBotAPI,
    sender: TelegramSender,
    clock: FakeClock,
    chat: int,
    status: int | None,
    description: str | None,
    state: str,
    reason: str,
) -> None:
    await owe(store, chat)
    if status is not None and description is not None:
        telegram.fail_next("sendMessage", status=status, description=description)
    assert await dispatcher(store, sender, clock).run_once() == {state: 1}
    [(stored_state, error, message_id)] = await deliveries(store)
    assert stored_state == state
    assert error is not None
    assert reason.lower() in error.lower()
    assert message_id is None
    # Neither failed nor unknown deliveries are sent again automatically.
    clock.advance(3600)
    assert await dispatcher(store, sender, clock).run_once() == {}
    assert telegram.sent(CHAT) == []


async def test_dry_run_prints_each_message(store: Store, clock: FakeClock) -> None:
    await owe(store, "@sham_syria_news")
    out = io.StringIO()
    assert await dispatcher(store, DryRunSender(out), clock).run_once() == {"sent": 1}
    printed = out.getvalue()
    assert "[dry-run] to @sham_syria_news" in printed
    assert "<b>روسيا تتجه لمؤتمر شعوب سوريا</b>" in printed
    assert "[اقرأ المزيد] " + article().url + "&n=0" in printed


class StopAfterFirst:
    """A sender that asks the dispatcher to stop while it sends the first message."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop
        self.sent: list[str] = []

    async def send(self, chat_id: str, message: Message) -> int:
        self.stop.set()
        self.sent.append(message.html)
        return len(self.sent)


async def test_stop_between_sends_hands_the_rest_back(store: Store, clock: FakeClock) -> None:
    await owe(store, CHAT, "الخبر الأول", "الخبر الثاني", "الخبر الثالث")
    stop = asyncio.Event()
    sender = StopAfterFirst(stop)
    assert await dispatcher(store, sender, clock).run_once(stop) == {"sent": 1}
    assert [state for state, _, _ in await deliveries(store)] == ["sent", "pending", "pending"]
    assert await dispatcher(store, sender, clock).run_once() == {"sent": 2}


async def test_recover_marks_interrupted_sends_unknown(store: Store, clock: FakeClock) -> None:
    await owe(store, CHAT)
    await store.outbox.claim(clock())  # a process claimed it and died mid-send
    worker = dispatcher(store, DryRunSender(io.StringIO()), clock)
    assert await worker.recover() == 1
    assert await worker.run_once() == {}
    assert [state for state, _, _ in await deliveries(store)] == ["unknown"]


async def test_a_paused_chat_does_not_hold_up_the_others(store: Store, clock: FakeClock) -> None:
    await store.registry.apply(
        [Category("syria", "الشأن السوري")],
        [Source("sham", "أخبار الشام اليوم", "http://127.0.0.1:1/feed/")],
        [Channel("busy", "-1001", ("syria",)), Channel("quiet", "-1002", ("syria",))],
    )
    await store.articles.add(article(), NOW)
    ticks = FakeClock()
    pacer = Pacer(
        global_rate=1000,
        per_chat_interval=0,
        clock=lambda: ticks().timestamp(),
        sleep=lambda seconds: asyncio.sleep(0),
    )
    pacer.pause("-1001", 30)  # Telegram asked this chat to wait 30 s
    out = io.StringIO()
    worker = Dispatcher(store, DryRunSender(out), pacer, clock)
    assert await worker.run_once() == {"sent": 1, "postponed": 1}
    assert "to -1002" in out.getvalue()
    assert "to -1001" not in out.getvalue()
    assert await store.outbox.next_due() == NOW + timedelta(seconds=30)
    clock.advance(30)
    ticks.advance(30)
    assert await worker.run_once() == {"sent": 1}
    assert "to -1001" in out.getvalue()

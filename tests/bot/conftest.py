"""Delivery test fixtures: a store with channels and articles, the fake Bot API on virtual
time, and a dispatcher wired as the composition root wires it (real python-telegram-bot)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.dispatch import Dispatcher
from bot.limits import Pacer
from bot.policy import Options
from bot.telegram import Sender, TelegramSender, build_bot
from syndicator.model import Article, Category, Channel, Source
from syndicator.store import Store, tables
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.clock import NOW
from tests.fakes.virtual_time import VirtualTime

CHAT = -1001000000001
CATEGORIES = (Category("syria", "الشأن السوري"), Category("economy", "اقتصاد"))
SOURCES = (Source("sham", "أخبار الشام اليوم", "http://127.0.0.1:1/feed/"),)


def article(n: int = 0, title: str = "روسيا تتجه لمؤتمر شعوب سوريا", **changes: Any) -> Article:
    base = Article(
        source_id="sham",
        guid=f"g{n}",
        url=f"http://127.0.0.1:1/2026/11/29/news-{n}/?a=1&b=2",
        title=title,
        text="قال وزير الخارجية إن العملية السياسية تتقدم.",
        content_html="",
        summary="قال وزير الخارجية إن العملية السياسية تتقدم.",
        published=NOW - timedelta(minutes=100 - n),
        updated=NOW,
        content_hash=f"h{n}",
        categories=("syria",),
    )
    return replace(base, **changes)


async def configure(store: Store, *channels: Channel) -> None:
    await store.registry.apply(CATEGORIES, SOURCES, channels)


async def owe(store: Store, chat_id: int | str, *titles: str, channel: str = "syria-news") -> None:
    """Configure one channel and store articles routed to it."""
    await configure(store, Channel(channel, str(chat_id), ("syria",)))
    for n, title in enumerate(titles or ("روسيا تتجه لمؤتمر شعوب سوريا",)):
        await store.articles.add(article(n, title), NOW)


async def add_articles(store: Store, count: int, start: int = 0, **changes: Any) -> None:
    for n in range(start, start + count):
        await store.articles.add(article(n, f"الخبر رقم {n}", **changes), NOW)


async def rows(store: Store, *columns: str) -> list[tuple[Any, ...]]:
    """Deliveries in id order: state, last_error, telegram_message_id (or `columns`)."""
    names = columns or ("state", "last_error", "telegram_message_id")
    async with store.engine.connect() as conn:
        found = await conn.execute(
            select(*(tables.deliveries.c[n] for n in names)).order_by(tables.deliveries.c.id)
        )
        return [tuple(r) for r in found]


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    return sqlite_store


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def telegram(vt: VirtualTime) -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        fake.clock = vt.monotonic
        fake.add_chat(CHAT, title="أخبار سوريا")
        yield fake


@pytest.fixture
async def ptb(telegram: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = build_bot(DEFAULT_TOKEN, telegram.base_url, timeout=5.0, pool=16)
    async with bot:
        yield bot


@pytest.fixture
def sender(ptb: Bot) -> TelegramSender:
    return TelegramSender(ptb)


def pacer(
    vt: VirtualTime, *, global_rate: float = 25.0, per_chat: float = 3.0, private: float = 1.0
) -> Pacer:
    return Pacer(
        global_rate=global_rate,
        per_chat_interval=per_chat,
        private_interval=private,
        clock=vt.monotonic,
        sleep=vt.sleep,
    )


def dispatcher(
    store: Store,
    sender: Sender,
    vt: VirtualTime,
    options: Options | None = None,
    **pacing: float,
) -> Dispatcher:
    return Dispatcher(store, sender, pacer(vt, **pacing), vt.now, options=options)


def channels(count: int, base: int = -1001000000100) -> Sequence[Channel]:
    return [Channel(f"c{i:02d}", str(base - i), ("syria",)) for i in range(count)]

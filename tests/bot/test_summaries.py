"""Per-channel summaries: a channel that asked for a short summary or the model's gets it in
its message, through the real dispatcher and python-telegram-bot against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest

from bot.dispatch import Dispatcher
from bot.limits import Pacer
from bot.summaries import ChannelSummaries, Choice
from bot.telegram import TelegramSender, build_bot
from syndicator.model import Article, Category, Channel, Source
from syndicator.store import Store
from syndicator.summarize import ExtractiveSummarizer, Summarizer, extractive
from syndicator.summarize.budget import LIMITS, Budget
from syndicator.summarize.llm import LlmSummarizer
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.clock import NOW, FakeClock
from tests.fakes.llm_api import FakeLlmAPI
from tests.fakes.seed import TEXT, TITLE

STANDARD_CHAT, SHORT_CHAT, MODEL_CHAT, MODEL_CHAT_2 = -1001, -1002, -1003, -1004
STORED = "ملخص مخزن كتبته الخدمة عند الجمع. وفيه جملة ثانية. وجملة ثالثة."
ANSWER = "لافروف يقول إن النجاح في مكافحة الإرهاب في سوريا أصبح على وشك الانتهاء."
CHOICES = {
    "standard": Choice(),
    "short": Choice("extractive", Budget.SHORT),
    "model": Choice("llm", Budget.SHORT),
    "model-2": Choice("llm", Budget.SHORT),
}
CHATS = {
    "standard": STANDARD_CHAT,
    "short": SHORT_CHAT,
    "model": MODEL_CHAT,
    "model-2": MODEL_CHAT_2,
}


@pytest.fixture
def telegram() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        for chat in CHATS.values():
            fake.add_chat(chat, title="قناة")
        yield fake


@pytest.fixture
def model() -> Iterator[FakeLlmAPI]:
    with FakeLlmAPI() as fake:
        fake.answer = ANSWER
        yield fake


@pytest.fixture
async def sender(telegram: FakeBotAPI) -> AsyncIterator[TelegramSender]:
    async with build_bot(DEFAULT_TOKEN, telegram.base_url) as bot:
        yield TelegramSender(bot)


@pytest.fixture
async def backends(model: FakeLlmAPI) -> AsyncIterator[dict[str, Summarizer]]:
    async with httpx.AsyncClient() as client:
        yield {
            "extractive": ExtractiveSummarizer(),
            "llm": LlmSummarizer(client, model.base_url, "test-model", timeout=5.0),
        }


def article() -> Article:
    return Article(
        source_id="sham",
        guid="g1",
        url="http://127.0.0.1:1/2026/11/29/russia/",
        title=TITLE,
        text=TEXT,
        content_html="",
        summary=STORED,
        published=NOW,
        updated=NOW,
        content_hash="h",
        categories=("syria",),
    )


async def owe(store: Store, *channels: str) -> int:
    await store.registry.apply(
        [Category("syria", "الشأن السوري")],
        [Source("sham", "أخبار الشام اليوم", "http://127.0.0.1:1/feed/")],
        [Channel(name, str(CHATS[name]), ("syria",)) for name in channels],
    )
    article_id = await store.articles.add(article(), NOW)
    assert article_id is not None
    return article_id


def dispatcher(
    store: Store, sender: TelegramSender, clock: FakeClock, backends: dict[str, Summarizer]
) -> Dispatcher:
    summaries = ChannelSummaries(backends, Choice(), CHOICES)
    return Dispatcher(store, sender, Pacer(global_rate=1000, per_chat_interval=0), clock, summaries)


def posted(telegram: FakeBotAPI, chat: int) -> str:
    [message] = telegram.sent(chat)
    assert message.text is not None
    return message.text


async def test_a_short_channel_gets_one_short_sentence(
    sqlite_store: Store,
    telegram: FakeBotAPI,
    sender: TelegramSender,
    clock: FakeClock,
    backends: dict[str, Summarizer],
) -> None:
    await owe(sqlite_store, "standard", "short")
    outcomes = await dispatcher(sqlite_store, sender, clock, backends).run_once()
    assert outcomes == {"sent": 2}
    short = extractive.summarize(TITLE, TEXT, Budget.SHORT)
    assert len(short) <= LIMITS[Budget.SHORT].chars
    assert short in posted(telegram, SHORT_CHAT)
    assert STORED not in posted(telegram, SHORT_CHAT)
    assert STORED in posted(telegram, STANDARD_CHAT)  # the default: what was stored


async def test_model_channels_get_the_model_summary_written_once(
    sqlite_store: Store,
    telegram: FakeBotAPI,
    sender: TelegramSender,
    clock: FakeClock,
    backends: dict[str, Summarizer],
    model: FakeLlmAPI,
) -> None:
    await owe(sqlite_store, "standard", "model", "model-2")
    worker = dispatcher(sqlite_store, sender, clock, backends)
    assert await worker.run_once() == {"sent": 3}
    assert ANSWER in posted(telegram, MODEL_CHAT)
    assert ANSWER in posted(telegram, MODEL_CHAT_2)
    assert STORED in posted(telegram, STANDARD_CHAT)
    assert len(model.requests) == 1  # two channels, one choice: one model call
    assert "280" in model.requests[0].messages[1]["content"]  # asked for the short budget


async def test_a_corrected_article_is_summarized_again(
    sqlite_store: Store, clock: FakeClock, backends: dict[str, Summarizer], model: FakeLlmAPI
) -> None:
    summaries = ChannelSummaries(backends, Choice(), CHOICES)
    stored = replace(article(), id=7)
    assert (await summaries.for_channel(stored, "model")).summary == ANSWER
    assert (await summaries.for_channel(stored, "model-2")).summary == ANSWER
    assert len(model.requests) == 1
    model.answer = "لافروف يعلن أن الحرب على الإرهاب في سوريا تقترب من نهايتها."
    corrected = replace(stored, revision=1)
    assert (await summaries.for_channel(corrected, "model")).summary == model.answer
    assert len(model.requests) == 2
    assert await summaries.for_channel(stored, "standard") is stored
    assert await summaries.for_channel(stored, "unknown-channel") is stored


async def test_the_cache_is_bounded(backends: dict[str, Summarizer], model: FakeLlmAPI) -> None:
    summaries = ChannelSummaries(backends, Choice(), CHOICES, cache_size=2)
    for n in (1, 2, 3, 1):
        await summaries.for_channel(replace(article(), id=n), "model")
    assert len(model.requests) == 4  # article 1 was evicted by 3, so it was asked again


def test_a_choice_without_its_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="no summarizer backend named llm"):
        ChannelSummaries({"extractive": ExtractiveSummarizer()}, Choice(), CHOICES)

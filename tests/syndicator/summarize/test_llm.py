"""The llm backend against a real loopback chat-completions server (`tests.fakes.llm_api`):
a good answer is published; every way a model server fails gives the extractive summary."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from syndicator.summarize import extractive
from syndicator.summarize.budget import LIMITS, Budget
from syndicator.summarize.llm import SYSTEM_PROMPT, LlmStats, LlmSummarizer, tidy
from tests.fakes.llm_api import FakeLlmAPI, Mode
from tests.fakes.seed import TEXT, TITLE

MODEL = "qwen2.5-7b-instruct"
KEY = "sk-Test-SECRET-0042"
ANSWER = "لافروف يقول إن النجاح في مكافحة الإرهاب في سوريا أصبح على وشك الانتهاء."


@pytest.fixture
def fake() -> Iterator[FakeLlmAPI]:
    with FakeLlmAPI() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as opened:
        yield opened


def llm(client: httpx.AsyncClient, url: str, **options: Any) -> LlmSummarizer:
    return LlmSummarizer(client, url, MODEL, **{"timeout": 2.0, **options})


async def test_a_good_answer_is_published(client: httpx.AsyncClient, fake: FakeLlmAPI) -> None:
    fake.answer = ANSWER
    summarizer = llm(client, fake.base_url)
    assert summarizer.name == "llm"
    assert await summarizer.summarize(TITLE, TEXT, Budget.STANDARD) == ANSWER
    assert summarizer.stats == LlmStats(attempts=1, used=1, fallbacks={})


async def test_the_answer_is_derived_from_the_article_sent(
    client: httpx.AsyncClient, fake: FakeLlmAPI
) -> None:
    """Without a scripted answer the fake answers the article's first sentence: the prompt
    really carries the article."""
    summary = await llm(client, fake.base_url).summarize(TITLE, TEXT, Budget.SHORT)
    assert summary.startswith("قال وزير الخارجية الروسي سيرغي لافروف")
    assert len(summary) <= LIMITS[Budget.SHORT].chars


@pytest.mark.parametrize(
    ("mode", "reason", "budget"),
    [
        (Mode.SLOW, "timeout", Budget.STANDARD),
        (Mode.GARBAGE, "malformed", Budget.STANDARD),
        (Mode.ERROR, "status", Budget.STANDARD),
        (Mode.INVENTED, "rejected", Budget.STANDARD),
        (Mode.LONG, "rejected", Budget.STANDARD),
        (Mode.LONG, "rejected", Budget.SHORT),
        (Mode.ENGLISH, "rejected", Budget.SHORT),
        (Mode.EMPTY, "no_answer", Budget.STANDARD),
    ],
    ids=["slow", "garbage", "http-500", "invented", "long", "long-short", "english", "empty"],
)
async def test_every_failure_falls_back_to_extractive_and_is_counted(
    client: httpx.AsyncClient,
    fake: FakeLlmAPI,
    caplog: pytest.LogCaptureFixture,
    mode: Mode,
    reason: str,
    budget: Budget,
) -> None:
    fake.mode = mode
    fake.slow_seconds = 5.0
    summarizer = llm(client, fake.base_url, timeout=0.5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="syndicator.summarize.llm"):
        summary = await summarizer.summarize(TITLE, TEXT, budget)
    assert time.monotonic() - started < 3  # a slow model never holds the article for long
    assert summary == extractive.summarize(TITLE, TEXT, budget)
    assert summarizer.stats == LlmStats(attempts=1, used=0, fallbacks={reason: 1})
    assert len(fake.requests) == 1
    [record] = caplog.records
    assert f"({reason})" in record.getMessage()


async def test_an_unreachable_server_falls_back(client: httpx.AsyncClient) -> None:
    with FakeLlmAPI() as gone:
        url = gone.base_url  # a port nobody listens on once it is stopped
    summarizer = llm(client, url)
    summary = await summarizer.summarize(TITLE, TEXT, Budget.STANDARD)
    assert summary == extractive.summarize(TITLE, TEXT, Budget.STANDARD)
    assert summarizer.stats.fallbacks == {"network": 1}


@pytest.mark.parametrize(
    ("budget", "asked"),
    [(Budget.SHORT, ("جملة واحدة", "280")), (Budget.STANDARD, ("ثلاث جمل", "600"))],
)
async def test_the_request_carries_model_prompt_and_budget(
    client: httpx.AsyncClient, fake: FakeLlmAPI, budget: Budget, asked: tuple[str, str]
) -> None:
    fake.answer = ANSWER
    await llm(client, fake.base_url, max_tokens=123).summarize(TITLE, TEXT, budget)
    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    assert "authorization" not in request.headers  # no key configured: none sent
    body = request.body
    assert body["model"] == MODEL
    assert body["temperature"] == 0
    assert body["max_tokens"] == 123
    assert body["stream"] is False
    system, user = body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    for instruction in ("الحقائق الواردة في المقال وحدها", "الأسماء والأرقام", "بلا مقدمة"):
        assert instruction in system["content"]
    assert user["role"] == "user"
    for part in (*asked, TITLE):
        assert part in user["content"]
    assert request.article == TEXT


async def test_a_long_article_is_cut_before_it_is_sent(
    client: httpx.AsyncClient, fake: FakeLlmAPI
) -> None:
    fake.answer = ANSWER
    long_text = " ".join([TEXT] * 20)
    await llm(client, fake.base_url).summarize(TITLE, long_text, Budget.STANDARD)
    [request] = fake.requests
    assert 0 < len(request.article) < 8100
    assert long_text.startswith(request.article)


async def test_api_key_is_sent_as_bearer_and_never_logged(
    client: httpx.AsyncClient, fake: FakeLlmAPI, caplog: pytest.LogCaptureFixture
) -> None:
    summarizer = llm(client, fake.base_url, api_key=KEY)
    with caplog.at_level(logging.DEBUG):
        fake.answer = ANSWER
        assert await summarizer.summarize(TITLE, TEXT, Budget.STANDARD) == ANSWER
        # An answer quoting the key is rejected, and the rejection names the token.
        fake.answer = f"قال الوزير إن كلمة السر هي {KEY} ."
        await summarizer.summarize(TITLE, TEXT, Budget.STANDARD)
        fake.mode = Mode.ERROR
        await summarizer.summarize(TITLE, TEXT, Budget.STANDARD)
    assert [r.headers["authorization"] for r in fake.requests] == [f"Bearer {KEY}"] * 3
    assert summarizer.stats.fallbacks == {"rejected": 1, "status": 1}
    assert "***" in caplog.text  # the rejection was logged, without the key
    assert KEY.casefold() not in caplog.text.casefold()


async def test_concurrency_is_bounded(client: httpx.AsyncClient, fake: FakeLlmAPI) -> None:
    fake.answer = ANSWER
    fake.delay = 0.2
    summarizer = llm(client, fake.base_url, concurrency=2)
    summaries = await asyncio.gather(
        *(summarizer.summarize(TITLE, TEXT, Budget.STANDARD) for _ in range(6))
    )
    assert summaries == [ANSWER] * 6
    assert len(fake.requests) == 6
    assert fake.max_in_flight == 2


async def test_labels_quotes_and_markdown_are_removed(
    client: httpx.AsyncClient, fake: FakeLlmAPI
) -> None:
    fake.answer = f"**الملخص:** «{ANSWER}»"
    assert await llm(client, fake.base_url).summarize(TITLE, TEXT, Budget.STANDARD) == ANSWER


@pytest.mark.parametrize(
    ("answer", "summary"),
    [
        ("الملخص: نص الخبر.", "نص الخبر."),
        ("**ملخص الخبر**: نص الخبر.", "نص الخبر."),
        ('"نص الخبر."', "نص الخبر."),
        ("«نص الخبر.»", "نص الخبر."),
        ("الخلاصة - «نص الخبر.»", "نص الخبر."),
        ("Summary: نص الخبر.", "نص الخبر."),
        ("<think>\nThe user wants...\n</think>\n\nنص الخبر.", "نص الخبر."),
        ("# نص الخبر.", "نص الخبر."),
        ("- نص الخبر.", "نص الخبر."),
        ("«الوضع صعب» قال الوزير «وسنصبر».", "«الوضع صعب» قال الوزير «وسنصبر»."),
        ("قال الوزير: «الوضع صعب».", "قال الوزير: «الوضع صعب»."),
    ],
)
def test_tidy(answer: str, summary: str) -> None:
    assert tidy(answer) == summary

"""LLM summarizer backend (I/O): any OpenAI-compatible chat-completions server.

llama.cpp's server, Ollama and vLLM all answer `POST {url}/chat/completions`, so one client
covers a model on the same machine and a hosted one. A model can be slow, down, answer
garbage, write English, run over the budget or invent a figure: every answer goes through
`checks.check`, and whatever goes wrong the article gets the fallback's (extractive) summary
instead, with the reason logged and counted. A bad answer is never published and a slow
model never holds an article back longer than `timeout`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from syndicator.errors import SummaryError
from syndicator.summarize import Summarizer
from syndicator.summarize.budget import LIMITS, Budget
from syndicator.summarize.checks import check
from syndicator.summarize.extractive import ExtractiveSummarizer

log = logging.getLogger(__name__)

NAME = "llm"
TITLE_LABEL = "العنوان:"
TEXT_LABEL = "النص:"
# Long articles are cut before they are sent: the lead carries the news, and a small local
# model's context (often 4096 tokens) must still hold the instructions and the answer.
MAX_INPUT_CHARS = 8000

SYSTEM_PROMPT = (
    "أنت محرر في غرفة أخبار عربية تكتب ملخصات أمينة للأخبار بالعربية الفصحى. "
    "استخدم الحقائق الواردة في المقال وحدها، ولا تضف أي معلومة أو رأي أو استنتاج. "
    "انقل الأسماء والأرقام والتواريخ كما وردت في المقال حرفياً، دون ترجمة أو تقريب. "
    "اكتب الملخص وحده مباشرة: بلا مقدمة ولا عنوان ولا تعليق ولا تنسيق."
)
INSTRUCTIONS: Mapping[Budget, str] = {
    Budget.SHORT: (
        "لخّص المقال التالي في جملة واحدة لا يزيد طولها على {chars} من الأحرف، "
        "تصلح تنبيهاً عاجلاً يُقرأ كاملاً على شاشة الهاتف."
    ),
    Budget.STANDARD: (
        "لخّص المقال التالي في ثلاث جمل على الأكثر لا يزيد طولها معاً على {chars} من الأحرف، "
        "وابدأ بأهم ما في الخبر."
    ),
}

# Reasoning models (Qwen3, DeepSeek-R1 on Ollama) put their thinking before the answer.
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_MARKDOWN = re.compile(r"\*\*|__|`+|^\s*#+\s*|^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
_LABEL = re.compile(
    r"^\s*(?:ال)?(?:ملخص|خلاصة|تلخيص)(?:\s+(?:الخبر|المقال))?\s*[:：\-–]\s*|^\s*summary\s*:\s*",
    re.IGNORECASE,
)
_QUOTES = {"«": "»", '"': '"', "“": "”", "„": "“", "'": "'", "‘": "’"}


def tidy(answer: str) -> str:
    """The summary inside a model's answer: without thinking, markdown, a leading label
    («الملخص:») or quotes around the whole of it, which models add despite being told not to."""
    text = _MARKDOWN.sub("", _THINK.sub("", answer)).strip()
    while True:
        before = text
        text = _LABEL.sub("", text).strip()
        if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
            inner = text[1:-1]
            if text[0] not in inner and text[-1] not in inner:  # not «a» said «b»
                text = inner.strip()
        if text == before:
            return text


def prompt(title: str, text: str, budget: Budget) -> list[dict[str, str]]:
    """The chat messages asking for one summary within `budget`."""
    if len(text) > MAX_INPUT_CHARS:
        text = text[:MAX_INPUT_CHARS].rsplit(" ", 1)[0]
    instruction = INSTRUCTIONS[budget].format(chars=LIMITS[budget].chars)
    user = f"{instruction}\n\n{TITLE_LABEL} {title}\n\n{TEXT_LABEL}\n{text}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message


class _Completion(BaseModel):
    choices: list[_Choice]


@dataclass(frozen=True)
class LlmStats:
    """A snapshot of the backend's counters (for tests, logs and metrics)."""

    attempts: int = 0
    used: int = 0  # answers that passed the checks and were published
    fallbacks: Mapping[str, int] = field(default_factory=dict)  # by SummaryError.reason


class LlmSummarizer:
    """Summaries from a chat-completions endpoint, with the fallback's on any failure.

    `url` is the API base (`http://127.0.0.1:8080/v1` for llama.cpp, `.../v1` for Ollama
    and vLLM). At most `concurrency` requests are in flight, so a model server on a small
    machine is not swamped by one busy poll. The API key is sent as a bearer token and never
    logged; it only exists in memory, from the environment.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        concurrency: int = 2,
        max_tokens: int = 400,
        fallback: Summarizer | None = None,
    ) -> None:
        self._client = client
        self._endpoint = url.rstrip("/") + "/chat/completions"
        self._model = model
        self._api_key = api_key or None
        self._timeout = timeout
        self._max_tokens = max_tokens
        self._slots = asyncio.Semaphore(concurrency)
        self._fallback: Summarizer = fallback or ExtractiveSummarizer()
        self._attempts = 0
        self._used = 0
        self._fallbacks: Counter[str] = Counter()

    @property
    def name(self) -> str:
        return NAME

    @property
    def stats(self) -> LlmStats:
        return LlmStats(self._attempts, self._used, dict(self._fallbacks))

    async def summarize(self, title: str, text: str, budget: Budget) -> str:
        self._attempts += 1
        try:
            async with self._slots:
                answer = await self._ask(title, text, budget)
            summary = check(tidy(answer), f"{title}\n{text}", budget)
        except SummaryError as exc:
            self._fallbacks[exc.reason] += 1
            log.warning(
                "llm summary of %r not used (%s), %s summary instead: %s",
                title[:80], exc.reason, self._fallback.name, self._redact(str(exc)),
            )  # fmt: skip
            return await self._fallback.summarize(title, text, budget)
        self._used += 1
        return summary

    async def _ask(self, title: str, text: str, budget: Budget) -> str:
        """The model's raw answer; every way of not getting one is a `SummaryError`."""
        body: dict[str, Any] = {
            "model": self._model,
            "messages": prompt(title, text, budget),
            "temperature": 0,
            "max_tokens": self._max_tokens,
            "stream": False,
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            # httpx's timeout bounds each read; this bounds the whole exchange, so a server
            # that trickles its answer cannot hold the article either.
            async with asyncio.timeout(self._timeout):
                response = await self._client.post(
                    self._endpoint, json=body, headers=headers, timeout=self._timeout
                )
        except (TimeoutError, httpx.TimeoutException):
            raise SummaryError(f"no answer within {self._timeout:g} s", reason="timeout") from None
        except httpx.HTTPError as exc:
            raise SummaryError(f"{type(exc).__name__}: {exc}", reason="network") from None
        if not response.is_success:
            raise SummaryError(
                f"HTTP {response.status_code}: {response.text[:200]}", reason="status"
            )
        try:
            completion = _Completion.model_validate_json(response.content)
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"]
            raise SummaryError(f"not a chat completion: {problem}", reason="malformed") from None
        if not completion.choices or not (completion.choices[0].message.content or "").strip():
            raise SummaryError("the answer has no text", reason="no_answer")
        return completion.choices[0].message.content or ""

    def _redact(self, text: str) -> str:
        """`text` without the API key, in any case (the checks quote tokens casefolded)."""
        if not self._api_key:
            return text
        return re.sub(re.escape(self._api_key), "***", text, flags=re.IGNORECASE)

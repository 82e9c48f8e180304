"""Summarization stage: the `Summarizer` protocol, budgets, checks and the backends.

`extractive` (pure, the default) runs inside ingestion for every article; other backends
(`llm`) are I/O and run on the event loop, falling back to the extractive summary whenever
they fail or their output fails the checks in `checks`.
"""

from __future__ import annotations

from typing import Protocol

from syndicator.summarize.budget import LIMITS, Budget, Limits
from syndicator.summarize.extractive import ExtractiveSummarizer, summarize


class Summarizer(Protocol):
    """A summarizer backend: the article's title and text in, an Arabic summary out.

    Async because some backends call a model server; pure backends return at once. An
    implementation never raises for content reasons: it returns a checked summary or its
    fallback's.
    """

    @property
    def name(self) -> str: ...

    async def summarize(self, title: str, text: str, budget: Budget) -> str: ...


__all__ = [
    "LIMITS",
    "Budget",
    "ExtractiveSummarizer",
    "Limits",
    "Summarizer",
    "summarize",
]

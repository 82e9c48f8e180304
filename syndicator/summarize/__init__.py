"""Summarization stage: the `Summarizer` protocol and the default backend."""

from __future__ import annotations

from typing import Protocol

from syndicator.summarize.lead import LeadSummarizer


class Summarizer(Protocol):
    """Turns an article's title and text into a short Arabic summary (pure for extractive)."""

    def summarize(self, title: str, text: str) -> str: ...


__all__ = ["LeadSummarizer", "Summarizer"]

"""Extractive Arabic summarizer (pure): the default backend.

(Work in progress: selection and cleanup land in the next commits.)
"""

from __future__ import annotations

from dataclasses import dataclass

from syndicator.summarize.budget import LIMITS, Budget
from syndicator.summarize.lead import LeadSummarizer


def summarize(title: str, text: str, budget: Budget = Budget.STANDARD) -> str:
    """The summary of one article within `budget`, in the source's own orthography."""
    return LeadSummarizer(max_chars=LIMITS[budget].chars).summarize(title, text)


@dataclass(frozen=True)
class ExtractiveSummarizer:
    """`summarize` behind the async `Summarizer` protocol."""

    name: str = "extractive"

    async def summarize(self, title: str, text: str, budget: Budget) -> str:
        return summarize(title, text, budget)

"""Lead-sentence summarizer (pure): the article's first real sentence, within a budget.

This is the baseline the better extractive summarizer must beat; it stays available as a
fallback. Sentences that are only a dateline or a few words are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from syndicator import arabic

ELLIPSIS = "…"


@dataclass(frozen=True)
class LeadSummarizer:
    max_chars: int = 280
    min_words: int = 4

    def summarize(self, title: str, text: str) -> str:
        for sentence in arabic.sentences(text):
            if len(arabic.words(sentence)) >= self.min_words:  # «،» «-» «.» are not words
                return truncate(sentence, self.max_chars)
        return truncate(arabic.clean_line(text) or title, self.max_chars)


def truncate(text: str, limit: int) -> str:
    """Cut at the last word boundary that fits, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and text[limit - 1] != " ":  # else `cut` already ends at a word boundary
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ،,؛;:-") + ELLIPSIS

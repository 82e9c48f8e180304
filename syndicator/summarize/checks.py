"""Checks every published summary must pass, whichever backend wrote it (pure).

A summary is faithful here in a narrow, checkable sense: every number and every Latin-script
token it contains also occurs in the source (title or text). Those are the tokens a model
invents or garbles most harmfully (casualty figures, dates, names of companies), and they
can be compared exactly after normalization. Length and sentence count follow the budget.
"""

from __future__ import annotations

import re

from syndicator import arabic
from syndicator.errors import SummaryError
from syndicator.summarize.budget import LIMITS, Budget

# Digits (Arabic-Indic folded by `normalize`) with their inner separators: 3.5, 2026, 1,200.
_NUMBER = re.compile(r"\d+(?:[.,٫٬]\d+)*")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*")


def _numbers(text: str) -> set[str]:
    return {m.replace("٫", ".").replace("٬", ",") for m in _NUMBER.findall(arabic.normalize(text))}


def _latin(text: str) -> set[str]:
    return {m.casefold() for m in _LATIN.findall(text)}


def unsupported_tokens(summary: str, source: str) -> list[str]:
    """Numbers and Latin-script tokens of `summary` that `source` does not contain, sorted."""
    source_numbers = _numbers(source)
    # A number is supported when it appears in the source as a whole or as a digit run of
    # one (a summary may write 1200 where the source wrote 1,200).
    source_digits = {re.sub(r"\D", "", n) for n in source_numbers}
    missing = {
        n
        for n in _numbers(summary)
        if n not in source_numbers and re.sub(r"\D", "", n) not in source_digits
    }
    missing |= _latin(summary) - _latin(source)
    return sorted(missing)


def check(summary: str, source: str, budget: Budget) -> str:
    """Return `summary` (tidied to one line) when it passes every check; else raise.

    Raises `SummaryError` naming the failed check: empty, no Arabic, over the character or
    sentence budget, or tokens the source does not support.
    """
    text = arabic.clean_line(summary)
    limits = LIMITS[budget]
    if not text:
        raise SummaryError("the summary is empty")
    if not arabic.has_arabic(text):
        raise SummaryError("the summary has no Arabic text")
    if len(text) > limits.chars:
        raise SummaryError(f"the summary has {len(text)} characters, over {limits.chars}")
    # « … » between spaces marks text left out inside a sentence, not a sentence end.
    count = len(arabic.sentences(text.replace(" … ", " ")))
    if count > limits.sentences:
        raise SummaryError(f"the summary has {count} sentences, over {limits.sentences}")
    missing = unsupported_tokens(text, source)
    if missing:
        raise SummaryError(f"the source does not contain {', '.join(missing)}")
    return text

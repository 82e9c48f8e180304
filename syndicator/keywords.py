"""Keyword matching (pure): alerts and route filters, in normalized Arabic, as whole words.

A keyword (one word or a phrase) is compared with the text token by token after
`syndicator.arabic.normalize` (hamza seats, alef forms, teh marbuta, diacritics, tatweel and
Arabic-Indic digits folded), so «الاسد» matches «الأسد». The first word of the phrase may
carry the prefixes Arabic glues to a word, and nothing else:

- one conjunction: «و» or «ف»;
- then one preposition: «ب», «ل» or «ك»;
- then the article «ال»; «ل» + «ال» is written «لل» («للأسد» is «ل» + «الأسد»).

No letter may follow the keyword: «والأسد» and «بالأسد» match «الأسد», «الأسدي» does not,
and «أسد» does not match «الأسد» (a prefix is allowed, never a missing one). The other words
of a phrase must be the text's next words exactly (normalized).

`KeywordIndex` holds many keywords (every subscriber's alerts) under keys of the caller's
choice and finds all those a text matches in one pass over its words: a dictionary lookup
per candidate stem, not one scan per keyword.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from syndicator import arabic

K = TypeVar("K", bound=Hashable)

CONJUNCTIONS = ("", "و", "ف")
PREPOSITIONS = ("", "ب", "ل", "ك")
ARTICLE = "ال"
MATCH_CHARS = 1000  # an article is matched on its title, summary and this much of its text
MAX_KEYWORD_CHARS = 64


def phrase(keyword: str) -> tuple[str, ...]:
    """The normalized words of a keyword; () when it has none (only punctuation)."""
    return tuple(arabic.words(keyword))


def stems(token: str) -> set[str]:
    """Every word `token` can be with allowed prefixes removed (itself included)."""
    found = {token}
    for conjunction in CONJUNCTIONS:
        if not token.startswith(conjunction):
            continue
        rest = token[len(conjunction) :]
        for preposition in PREPOSITIONS:
            if not rest.startswith(preposition):
                continue
            word = rest[len(preposition) :]
            if not word:
                continue
            found.add(word)
            if word.startswith(ARTICLE) and len(word) > len(ARTICLE):
                found.add(word[len(ARTICLE) :])
        # «لل»: the preposition «ل» before «ال» drops the article's alef.
        if rest.startswith("لل") and len(rest) > 2:
            found.add(ARTICLE + rest[2:])
            found.add(rest[2:])
    return found


def _follows(tokens: Sequence[str], start: int, rest: Sequence[str]) -> bool:
    return tuple(tokens[start : start + len(rest)]) == tuple(rest)


def matches(keyword: str, text: str) -> bool:
    """Whether `text` contains `keyword` as whole words (see the module docstring)."""
    wanted = phrase(keyword)
    if not wanted:
        return False
    tokens = arabic.words(text)
    return any(
        wanted[0] in stems(token) and _follows(tokens, i + 1, wanted[1:])
        for i, token in enumerate(tokens)
    )


def article_text(title: str, summary: str, text: str) -> str:
    """What keywords are looked for in: the title, the summary and the start of the text."""
    return f"{title}\n{summary}\n{text[:MATCH_CHARS]}"


@dataclass(frozen=True)
class KeywordIndex(Generic[K]):
    """Keywords by their first word: `matching(text)` is every key one of whose keywords
    the text contains."""

    by_first: Mapping[str, tuple[tuple[K, tuple[str, ...]], ...]]

    @classmethod
    def build(cls, keywords: Iterable[tuple[K, str]]) -> KeywordIndex[K]:
        index: dict[str, list[tuple[K, tuple[str, ...]]]] = {}
        for key, keyword in keywords:
            words = phrase(keyword)
            if words:
                index.setdefault(words[0], []).append((key, words[1:]))
        return cls({first: tuple(entries) for first, entries in index.items()})

    def __bool__(self) -> bool:
        return bool(self.by_first)

    def matching(self, text: str) -> set[K]:
        if not self.by_first:
            return set()
        tokens = arabic.words(text)
        found: set[K] = set()
        for i, token in enumerate(tokens):
            for stem in stems(token):
                for key, rest in self.by_first.get(stem, ()):
                    if key not in found and _follows(tokens, i + 1, rest):
                        found.add(key)
        return found

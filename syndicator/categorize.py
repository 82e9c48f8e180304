"""Categorization stage (pure): an article -> canonical category slugs from the config.

Sites name the same section differently («الشأن السوري», «سوريا», «سورية»), so the canonical
taxonomy is the config's, and an article is placed by, in this order:
1. the source's fixed categories (a per-section feed);
2. its own category and tag names, matched against each category's name, slug and aliases
   in normalized Arabic (hamza, teh marbuta, diacritics and tatweel folded);
3. URL path patterns (regular expressions such as ``/category/syria/``);
4. keyword rules: whole words or phrases found in the title or the lead, compared in
   normalized Arabic token by token («الأسد» matches «الاسد», never «الأسدي»);
and, when nothing matched, the configured default category (if any).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from syndicator import arabic
from syndicator.model import Category

LEAD_CHARS = 600  # keywords are looked for in the title and this much of the text


def alias_index(categories: Iterable[Category]) -> dict[str, str]:
    """Normalized name or alias or slug -> slug (the first category wins a shared alias)."""
    index: dict[str, str] = {}
    for category in categories:
        for name in (category.slug, category.name, *category.aliases):
            index.setdefault(arabic.normalize(name), category.slug)
    return index


def categorize(
    names: Iterable[str], source_categories: Sequence[str], index: Mapping[str, str]
) -> tuple[str, ...]:
    """The source's fixed slugs, then those the article's own names map to."""
    slugs = list(dict.fromkeys(source_categories))
    for name in names:
        slug = index.get(arabic.normalize(name))
        if slug and slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)


def _contains(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    width = len(phrase)
    return any(
        tuple(tokens[i : i + width]) == tuple(phrase) for i in range(len(tokens) - width + 1)
    )


@dataclass(frozen=True)
class Taxonomy:
    """Every rule of the configured categories, compiled once per poll."""

    aliases: Mapping[str, str]
    url_rules: tuple[tuple[re.Pattern[str], str], ...] = ()
    keyword_rules: tuple[tuple[tuple[str, ...], str], ...] = ()
    default: str | None = None

    @classmethod
    def build(cls, categories: Sequence[Category], default: str | None = None) -> Taxonomy:
        url_rules = tuple(
            (re.compile(pattern), c.slug) for c in categories for pattern in c.url_patterns
        )
        keyword_rules = tuple(
            (tuple(arabic.words(keyword)), c.slug)
            for c in categories
            for keyword in c.keywords
            if arabic.words(keyword)
        )
        known = {c.slug for c in categories}
        return cls(
            alias_index(categories), url_rules, keyword_rules, default if default in known else None
        )

    def assign(
        self,
        *,
        names: Iterable[str],
        source_categories: Sequence[str],
        url: str,
        title: str,
        text: str,
    ) -> tuple[str, ...]:
        slugs = list(categorize(names, source_categories, self.aliases))
        path = unquote(urlsplit(url).path)
        for pattern, slug in self.url_rules:
            if slug not in slugs and pattern.search(path):
                slugs.append(slug)
        if self.keyword_rules:
            tokens = arabic.words(f"{title}\n{text[:LEAD_CHARS]}")
            for phrase, slug in self.keyword_rules:
                if slug not in slugs and _contains(tokens, phrase):
                    slugs.append(slug)
        if not slugs and self.default is not None:
            slugs.append(self.default)
        return tuple(slugs)

"""Routing (pure): which channels and subscribers an article is owed to.

A channel receives an article when one of its routes selects it (`model.Route`): the
article is in one of the route's categories or from one of its sources (any article when
the route names neither), contains one of its `include` keywords (when it has some) and
none of its `exclude` keywords. A subscriber receives an article in one of the categories
they picked, or that one of their keyword alerts matches. Keywords are whole words in
normalized Arabic (`syndicator.keywords`), looked for in the title, the summary and the
start of the text.

`Audience.build` compiles every rule once for a batch of articles: all keywords of all
routes and alerts go into one index, so each article's words are read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from syndicator.keywords import KeywordIndex, article_text
from syndicator.model import Article, Route

Key = tuple[Literal["include", "exclude", "alert"], int | str]


@dataclass(frozen=True)
class _Rule:
    channel_id: str
    categories: frozenset[str]
    sources: frozenset[str]
    includes: bool


@dataclass(frozen=True)
class Audience:
    """Compiled routes and subscriptions: `owed(article)` is every channel id owed it."""

    rules: tuple[_Rule, ...]
    by_category: Mapping[str, frozenset[str]]  # subscribers' channels by category slug
    keywords: KeywordIndex[Key]

    @classmethod
    def build(
        cls,
        routes: Iterable[Route],
        subscriptions: Iterable[tuple[str, Sequence[str], Sequence[str]]] = (),
    ) -> Audience:
        """`subscriptions`: (channel id, categories, alert keywords) of each subscriber."""
        rules: list[_Rule] = []
        keywords: list[tuple[Key, str]] = []
        for index, route in enumerate(routes):
            rules.append(
                _Rule(
                    route.channel_id,
                    frozenset(route.categories),
                    frozenset(route.sources),
                    bool(route.include),
                )
            )
            keywords += [(("include", index), word) for word in route.include]
            keywords += [(("exclude", index), word) for word in route.exclude]
        by_category: dict[str, set[str]] = {}
        for channel_id, categories, alerts in subscriptions:
            for slug in categories:
                by_category.setdefault(slug, set()).add(channel_id)
            keywords += [(("alert", channel_id), word) for word in alerts]
        return cls(
            tuple(rules),
            {slug: frozenset(channels) for slug, channels in by_category.items()},
            KeywordIndex.build(keywords),
        )

    def owed(self, article: Article) -> set[str]:
        found: set[Key] = set()
        if self.keywords:
            found = self.keywords.matching(
                article_text(article.title, article.summary, article.text)
            )
        channels: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.channel_id in channels or not _selects(rule, article):
                continue
            if rule.includes and ("include", index) not in found:
                continue
            if ("exclude", index) in found:
                continue
            channels.add(rule.channel_id)
        for slug in article.categories:
            channels |= self.by_category.get(slug, frozenset())
        channels |= {str(channel) for kind, channel in found if kind == "alert"}
        return channels


def _selects(rule: _Rule, article: Article) -> bool:
    if not rule.categories and not rule.sources:
        return True
    return article.source_id in rule.sources or not rule.categories.isdisjoint(article.categories)

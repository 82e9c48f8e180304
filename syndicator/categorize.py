"""Categorization stage (pure): the site's own category names -> our canonical slugs.

Sites name the same section differently («الشأن السوري», «سوريا», «سورية»), so each category
lists aliases; names are compared in normalized Arabic (hamza, teh marbuta, diacritics folded).
A source may also put every article it yields into fixed categories (a per-section feed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from syndicator import arabic
from syndicator.model import Category


def alias_index(categories: Iterable[Category]) -> dict[str, str]:
    """Normalized name or alias or slug -> slug."""
    index: dict[str, str] = {}
    for category in categories:
        for name in (category.slug, category.name, *category.aliases):
            index.setdefault(arabic.normalize(name), category.slug)
    return index


def categorize(
    names: Iterable[str], source_categories: Sequence[str], index: Mapping[str, str]
) -> tuple[str, ...]:
    """The article's category slugs: the source's fixed ones, then those its names map to."""
    slugs = list(dict.fromkeys(source_categories))
    for name in names:
        slug = index.get(arabic.normalize(name))
        if slug and slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)

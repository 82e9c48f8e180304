"""Routing: which channels and subscribers a new article is owed to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndicator.model import Article, Route
from syndicator.routing import Audience

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def article(title: str, *categories: str, source: str = "sham", text: str = "") -> Article:
    return Article(
        source_id=source, guid=title, url="http://x/", title=title, text=text, content_html="",
        summary="", published=NOW, updated=NOW, content_hash="h", categories=categories,
    )  # fmt: skip


ROUTES = [
    Route("syria", ("syria",)),
    Route("from-wp", sources=("wp",)),
    Route("assad", include=("الأسد", "بشار الأسد")),  # any category or source
    Route("no-sport", ("syria", "sports"), exclude=("كرة القدم",)),
    Route("economy-oil", ("economy",), include=("النفط",), exclude=("إعلان",)),
]
SUBSCRIBERS = [
    ("sub:1", ("economy",), ()),
    ("sub:2", (), ("دمشق", "حلب")),
    ("sub:3", ("sports",), ("الاسد",)),
]

CASES = [
    (article("خبر عن سوريا", "syria"), {"syria", "no-sport"}),
    (article("خبر من ووردبريس", source="wp"), {"from-wp"}),
    (article("التقى بالأسد وفد", "world"), {"assad", "sub:3"}),
    (article("عنوان", "world", text="وقال الأسدي"), set()),
    (article("مباراة كرة القدم", "sports"), {"sub:3"}),
    (article("هدف رائع", "sports"), {"no-sport", "sub:3"}),
    (article("أسعار النفط", "economy"), {"economy-oil", "sub:1"}),
    (article("إعلان عن النفط", "economy"), {"sub:1"}),
    (article("الذهب يرتفع", "economy"), {"sub:1"}),
    (article("طقس", "world", text="أمطار غزيرة في دمشق وريفها"), {"sub:2"}),
]


@pytest.mark.parametrize(("item", "owed"), CASES)
def test_owed(item: Article, owed: set[str]) -> None:
    assert Audience.build(ROUTES, SUBSCRIBERS).owed(item) == owed


def test_a_route_without_filters_takes_everything() -> None:
    assert Audience.build([Route("all")]).owed(article("أي شيء", "x")) == {"all"}
    assert Audience.build([]).owed(article("أي شيء", "x")) == set()

"""Store: which articles a feed selects, and stored rows as `Article` values.

`selection` is shared by every query that lists a feed's articles (newest first, by
ascending id in chunks, counted), so the live feed, its archives and the counts always
agree on what belongs to a category or a source and which copy of a story is shown.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from syndicator.model import Article
from syndicator.store import tables as t


def in_category(category: str) -> Select[tuple[int]]:
    return select(t.article_categories.c.article_id).where(
        t.article_categories.c.category_slug == category
    )


def categories_of(article_id: int) -> Select[tuple[str]]:
    return select(t.article_categories.c.category_slug).where(
        t.article_categories.c.article_id == article_id
    )


def selection(
    category: str | None, source: str | None, one_per_story: bool
) -> list[ColumnElement[bool]]:
    """Conditions on `articles`: of a category, of a source, the first of each story."""
    conditions: list[ColumnElement[bool]] = []
    if category is not None:
        conditions.append(t.articles.c.id.in_(in_category(category)))
    if source is not None:
        conditions.append(t.articles.c.source_id == source)
    if one_per_story:
        earlier = t.articles.alias("earlier")
        sibling = select(earlier.c.id).where(
            earlier.c.cluster_id == t.articles.c.cluster_id, earlier.c.id < t.articles.c.id
        )
        if category is not None:
            sibling = sibling.where(earlier.c.id.in_(in_category(category)))
        if source is not None:
            sibling = sibling.where(earlier.c.source_id == source)
        conditions.append(~sibling.exists())
    return conditions


async def with_categories(
    conn: AsyncConnection, rows: list[Row[tuple[object, ...]]]
) -> list[Article]:
    ids = [row.id for row in rows]
    slugs: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        found = await conn.execute(
            select(t.article_categories)
            .where(t.article_categories.c.article_id.in_(ids))
            .order_by(t.article_categories.c.category_slug)
        )
        for link in found:
            slugs[link.article_id].append(link.category_slug)
    return [to_article(row, tuple(slugs[row.id])) for row in rows]


def to_article(row: Row[tuple[object, ...]], categories: tuple[str, ...]) -> Article:
    return Article(
        id=row.id,
        source_id=row.source_id,
        guid=row.guid,
        url=row.url,
        title=row.title,
        text=row.text,
        content_html=row.content_html,
        summary=row.summary,
        author=row.author,
        image=row.image,
        published=row.published_at,
        updated=row.updated_at,
        content_hash=row.content_hash,
        categories=categories,
        cluster_id=row.cluster_id,
        revision=row.revision,
    )

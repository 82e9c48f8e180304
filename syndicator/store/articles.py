"""Store: articles, their categories, and the outbox rows created with them.

`add` is the outbox pattern: the article, its categories and one pending delivery per
channel routed to one of its categories are written in one transaction, so an article is
never stored without its deliveries and a delivery never points to a missing article.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, and_, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.dedup import Known
from syndicator.model import Article, DeliveryState
from syndicator.store import tables as t


class Articles:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def known(self, source_id: str, guids: Sequence[str], urls: Sequence[str]) -> Known:
        """Which of these GUIDs (of this source) and canonical URLs are already stored."""
        async with self._engine.connect() as conn:
            found_guids = await conn.execute(
                select(t.articles.c.guid).where(
                    t.articles.c.source_id == source_id, t.articles.c.guid.in_(list(guids))
                )
            )
            found_urls = await conn.execute(
                select(t.articles.c.url).where(t.articles.c.url.in_(list(urls)))
            )
            return Known(frozenset(found_guids.scalars()), frozenset(found_urls.scalars()))

    async def add(self, article: Article, now: datetime) -> int | None:
        """Store a new article with its deliveries; None when it already exists."""
        try:
            async with self._engine.begin() as conn:
                article_id = await _insert_article(conn, article, now)
                if article.categories:
                    await conn.execute(
                        insert(t.article_categories),
                        [
                            {"article_id": article_id, "category_slug": s}
                            for s in article.categories
                        ],
                    )
                await _insert_deliveries(conn, article_id, article, now)
                return article_id
        except IntegrityError:
            return None

    async def recent(self, category: str | None = None, limit: int = 50) -> list[Article]:
        """Newest first (publication time, then id), optionally of one category."""
        query = select(t.articles).order_by(
            t.articles.c.published_at.desc(), t.articles.c.id.desc()
        )
        if category is not None:
            query = query.where(
                t.articles.c.id.in_(
                    select(t.article_categories.c.article_id).where(
                        t.article_categories.c.category_slug == category
                    )
                )
            )
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(query.limit(limit)))
            return await _with_categories(conn, rows)

    async def get(self, article_id: int) -> Article | None:
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(select(t.articles).where(t.articles.c.id == article_id)))
            found = await _with_categories(conn, rows)
        return found[0] if found else None

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(t.articles))).scalar_one()
            )


async def _insert_article(conn: AsyncConnection, article: Article, now: datetime) -> int:
    result = await conn.execute(
        insert(t.articles)
        .values(
            source_id=article.source_id,
            guid=article.guid,
            url=article.url,
            title=article.title,
            text=article.text,
            content_html=article.content_html,
            summary=article.summary,
            author=article.author,
            image=article.image,
            published_at=article.published,
            updated_at=article.updated,
            fetched_at=now,
            content_hash=article.content_hash,
        )
        .returning(t.articles.c.id)
    )
    return int(result.scalar_one())


async def _insert_deliveries(
    conn: AsyncConnection, article_id: int, article: Article, now: datetime
) -> None:
    """One pending delivery per enabled channel routed to the article's categories or source."""
    matches = or_(
        t.routes.c.category_slug.in_(list(article.categories)),
        t.routes.c.source_id == article.source_id,
    )
    channel_ids = (
        await conn.execute(
            select(t.channels.c.id)
            .distinct()
            .join(t.routes, t.routes.c.channel_id == t.channels.c.id)
            .where(and_(t.channels.c.enabled.is_(True), matches))
            .order_by(t.channels.c.id)
        )
    ).scalars()
    rows = [
        {
            "article_id": article_id,
            "channel_id": channel_id,
            "state": DeliveryState.PENDING.value,
            "attempt": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for channel_id in channel_ids
    ]
    if rows:
        await conn.execute(insert(t.deliveries), rows)


async def _with_categories(
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
    )

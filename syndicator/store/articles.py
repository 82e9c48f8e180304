"""Store: articles, their categories, stories (clusters), revisions and the outbox rows.

`add` is the outbox pattern: the article, its categories, its cluster and one pending
delivery per channel routed to one of its categories are written in one transaction, so an
article is never stored without its deliveries and a delivery never points to a missing
article. `revise` records a correction in place: same article, next revision.

After each committed write, the listeners registered with `on_change` hear which sources
and categories it touched (`Changed`): the feeds use it to drop exactly the rendered
documents that changed and to ping their WebSub hub. A listener that fails is logged and
never undoes or fails the write.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator import cluster
from syndicator.assemble import NewArticle
from syndicator.dedup import Known, Stored
from syndicator.model import Article
from syndicator.store import tables as t
from syndicator.store.ingest import insert_batch
from syndicator.store.selection import categories_of, selection, to_article, with_categories

__all__ = ["Articles", "Changed", "to_article"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changed:
    """Articles were stored or revised: the sources and categories they belong to."""

    sources: frozenset[str]
    categories: frozenset[str]


Listener = Callable[[Changed], None]
# Called inside the transaction that stored new deliveries, with the channels they are for.
OutboxHook = Callable[[AsyncConnection, Sequence[str]], Awaitable[None]]


class Articles:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._listeners: list[Listener] = []
        self._outbox_hooks: list[OutboxHook] = []

    def on_change(self, listener: Listener) -> None:
        """Call `listener` after every committed write of articles (new or revised)."""
        self._listeners.append(listener)

    def on_outbox(self, hook: OutboxHook) -> None:
        """Call `hook(conn, channel_ids)` in every transaction that stores new deliveries,
        before it commits (scale-out defers the channels' delivery jobs with them). A hook
        that fails rolls the whole write back."""
        self._outbox_hooks.append(hook)

    def _changed(self, sources: Iterable[str], categories: Iterable[str]) -> None:
        change = Changed(frozenset(sources), frozenset(categories))
        for listener in self._listeners:
            try:
                listener(change)
            except Exception:
                log.exception("article change listener %r failed", listener)

    async def known(self, source_id: str, guids: Sequence[str], urls: Sequence[str]) -> Known:
        """Stored articles with these GUIDs (of this source) or identity URLs."""
        columns = (
            t.articles.c.id, t.articles.c.guid, t.articles.c.url_key, t.articles.c.title,
            t.articles.c.updated_at, t.articles.c.content_hash, t.articles.c.source_hash,
        )  # fmt: skip
        async with self._engine.connect() as conn:
            by_guid = await conn.execute(
                select(*columns).where(
                    t.articles.c.source_id == source_id, t.articles.c.guid.in_(list(guids))
                )
            )
            by_url = await conn.execute(
                select(*columns).where(t.articles.c.url_key.in_(list(urls)))
            )
            return Known(
                guids={r.guid: _stored(r) for r in by_guid},
                urls={r.url_key: _stored(r) for r in by_url},
            )

    async def add(
        self,
        article: Article,
        now: datetime,
        *,
        fingerprint: cluster.Fingerprint | None = None,
        window: timedelta = timedelta(hours=72),
    ) -> int | None:
        """Store one new article with its deliveries; None when it already exists."""
        [article_id] = await self.add_many([NewArticle(article, fingerprint)], now, window=window)
        return article_id

    async def add_many(
        self,
        items: Sequence[NewArticle],
        now: datetime,
        *,
        window: timedelta = timedelta(hours=72),
    ) -> list[int | None]:
        """Store new articles (in order) with their stories and deliveries, in one transaction.

        With fingerprints, an article joins the cluster of a near-duplicate published within
        `window`, and channels that already have (or had) that story get no second delivery.
        When one of them turns out to exist already (another poll stored it meanwhile), the
        batch is stored one by one instead and that one is None.
        """
        ids = await self._add_many(items, now, window)
        stored = [item.article for item, i in zip(items, ids, strict=True) if i is not None]
        if stored:
            self._changed(
                (a.source_id for a in stored), (slug for a in stored for slug in a.categories)
            )
        return ids

    async def _add_many(
        self, items: Sequence[NewArticle], now: datetime, window: timedelta
    ) -> list[int | None]:
        try:
            async with self._engine.begin() as conn:
                ids: list[int | None] = list(await insert_batch(conn, items, now, window))
                if self._outbox_hooks:
                    owed = await conn.execute(
                        select(t.deliveries.c.channel_id)
                        .where(t.deliveries.c.article_id.in_(ids))
                        .distinct()
                        .order_by(t.deliveries.c.channel_id)
                    )
                    channels = list(owed.scalars())
                    for hook in self._outbox_hooks if channels else ():
                        await hook(conn, channels)
                return ids
        except IntegrityError:
            if len(items) == 1:
                return [None]
        return [(await self._add_many([item], now, window))[0] for item in items]

    async def remember_source(self, article_id: int, source_hash: str | None) -> None:
        """The source changed its wording but not the article: remember, do not revise."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t.articles)
                .where(t.articles.c.id == article_id)
                .values(source_hash=source_hash)
            )

    async def revise(
        self, article_id: int, article: Article, now: datetime, source_hash: str | None = None
    ) -> int:
        """Replace a stored article's content with a correction; returns the new revision.

        The previous title, summary and text are kept in `article_revisions`. The id, URL,
        GUID, cluster and deliveries stay, so nothing is stored or sent twice.
        """
        async with self._engine.begin() as conn:
            old = (
                await conn.execute(select(t.articles).where(t.articles.c.id == article_id))
            ).one()
            revision = int(old.revision) + 1
            await conn.execute(
                insert(t.article_revisions).values(
                    article_id=article_id,
                    revision=revision,
                    title=old.title,
                    summary=old.summary,
                    text=old.text,
                    content_hash=old.content_hash,
                    changed_at=now,
                )
            )
            await conn.execute(
                update(t.articles)
                .where(t.articles.c.id == article_id)
                .values(
                    title=article.title,
                    text=article.text,
                    content_html=article.content_html,
                    summary=article.summary,
                    author=article.author or old.author,
                    image=article.image or old.image,
                    updated_at=max(article.updated, old.updated_at),
                    content_hash=article.content_hash,
                    source_hash=source_hash or old.source_hash,
                    revision=revision,
                )
            )
            categories = [str(slug) for slug in await conn.scalars(categories_of(article_id))]
        self._changed([old.source_id], categories)
        return revision

    async def revisions(self, article_id: int) -> list[tuple[int, str, str]]:
        """(revision, previous title, previous summary), oldest first."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(
                    t.article_revisions.c.revision,
                    t.article_revisions.c.title,
                    t.article_revisions.c.summary,
                )
                .where(t.article_revisions.c.article_id == article_id)
                .order_by(t.article_revisions.c.revision)
            )
            return [(int(r.revision), r.title, r.summary) for r in rows]

    async def recent(
        self,
        category: str | None = None,
        limit: int = 50,
        *,
        source: str | None = None,
        one_per_story: bool = True,
    ) -> list[Article]:
        """Newest first (publication time, then id), optionally of one category or source.

        With `one_per_story`, a story republished by several sites appears once: the first
        article of its cluster among those in the same selection.
        """
        query = (
            select(t.articles)
            .where(*selection(category, source, one_per_story))
            .order_by(t.articles.c.published_at.desc(), t.articles.c.id.desc())
        )
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(query.limit(limit)))
            return await with_categories(conn, rows)

    async def count_in(
        self, category: str | None = None, *, source: str | None = None, one_per_story: bool = True
    ) -> int:
        """How many articles the selection of `recent` holds in all."""
        query = select(func.count()).select_from(t.articles)
        query = query.where(*selection(category, source, one_per_story))
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def chunk(
        self,
        category: str | None = None,
        *,
        source: str | None = None,
        offset: int = 0,
        limit: int = 100,
        one_per_story: bool = True,
    ) -> list[Article]:
        """Articles `offset+1 .. offset+limit` of the selection numbered by ascending id.

        Ids only grow and a story's first article in a selection stays its first, so the
        numbering only ever grows at the end: a full chunk never changes its members.
        """
        query = (
            select(t.articles)
            .where(*selection(category, source, one_per_story))
            .order_by(t.articles.c.id)
            .offset(offset)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(query))
            return await with_categories(conn, rows)

    async def get(self, article_id: int) -> Article | None:
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(select(t.articles).where(t.articles.c.id == article_id)))
            found = await with_categories(conn, rows)
        return found[0] if found else None

    async def published_times(self, source_id: str, limit: int = 20) -> list[datetime]:
        """Publication times of a source's newest articles (for the adaptive cadence)."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(t.articles.c.published_at)
                .where(t.articles.c.source_id == source_id)
                .order_by(t.articles.c.published_at.desc())
                .limit(limit)
            )
            return list(rows.scalars())

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(t.articles))).scalar_one()
            )


def _stored(row: Any) -> Stored:
    return Stored(
        id=row.id,
        title=row.title,
        updated=row.updated_at,
        content_hash=row.content_hash,
        source_hash=row.source_hash,
    )

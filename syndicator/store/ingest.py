"""Store: writing one poll's new articles, in one transaction (the outbox pattern).

For a batch of new articles the transaction inserts the articles, places each in its story
(cluster), records its fingerprint's band keys and categories, and creates one pending
delivery per channel routed to it and per subscriber it concerns (`syndicator.routing`) that
does not have the story yet. Either all of that is stored or none of it: an article never
exists without its deliveries.

Each step is one statement for the whole batch (a poll of 20 articles costs about ten
statements, not seventy), because per-statement overhead, not SQLite, dominates the cost
of ingestion. Ordering rules that make concurrent polls safe:
- PostgreSQL: advisory locks on every band key of the batch, sorted, in one round trip, so
  two transactions storing copies of one story take turns (`clusters.lock_bands`);
- SQLite: the articles' insert takes the single writer lock before the cluster lookup;
- the lookup then sees every committed copy; copies inside the batch are matched in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from syndicator import cluster
from syndicator.assemble import NewArticle
from syndicator.model import DeliveryState, Route, subscriber_channel
from syndicator.normalize import identity_url
from syndicator.routing import Audience
from syndicator.store import tables as t
from syndicator.store.clusters import find_clusters, lock_bands


async def insert_batch(
    conn: AsyncConnection, items: Sequence[NewArticle], now: datetime, window: timedelta
) -> list[int]:
    """Store `items` (in order) inside the caller's transaction; returns their ids."""
    if not items:
        return []
    await lock_bands(conn, [i.fingerprint for i in items if i.fingerprint is not None])
    ids = await _insert_articles(conn, items, now)
    clusters = await find_clusters(conn, items_keys(items, ids), window)
    await conn.execute(
        update(t.articles)
        .where(t.articles.c.id == bindparam("b_id"))
        .values(cluster_id=bindparam("b_cluster")),
        [{"b_id": i, "b_cluster": c} for i, c in zip(ids, clusters, strict=True)],
    )
    bands = [
        {"article_id": article_id, "band": band, "key": key}
        for article_id, item in zip(ids, items, strict=True)
        if item.fingerprint is not None
        for band, key in enumerate(item.fingerprint.bands)
    ]
    if bands:
        await conn.execute(insert(t.article_bands), bands)
    categories = [
        {"article_id": article_id, "category_slug": slug}
        for article_id, item in zip(ids, items, strict=True)
        for slug in item.article.categories
    ]
    if categories:
        await conn.execute(insert(t.article_categories), categories)
    await _insert_deliveries(conn, items, ids, clusters, now)
    return ids


def items_keys(
    items: Sequence[NewArticle], ids: Sequence[int]
) -> list[tuple[int, datetime, cluster.Fingerprint | None]]:
    return [
        (i, item.article.published, item.fingerprint) for i, item in zip(ids, items, strict=True)
    ]


async def _insert_articles(
    conn: AsyncConnection, items: Sequence[NewArticle], now: datetime
) -> list[int]:
    rows = [
        {
            "source_id": a.source_id,
            "guid": a.guid,
            "url": a.url,
            "url_key": identity_url(a.url),
            "title": a.title,
            "text": a.text,
            "content_html": a.content_html,
            "summary": a.summary,
            "author": a.author,
            "image": a.image,
            "published_at": a.published,
            "updated_at": a.updated,
            "fetched_at": now,
            "content_hash": a.content_hash,
            "fingerprint": cluster.to_columns(item.fingerprint) if item.fingerprint else None,
            "source_hash": item.source_hash,
        }
        for item in items
        for a in (item.article,)
    ]
    result = await conn.execute(
        insert(t.articles).returning(t.articles.c.id, sort_by_parameter_order=True), rows
    )
    return [int(article_id) for article_id in result.scalars()]


async def _insert_deliveries(
    conn: AsyncConnection,
    items: Sequence[NewArticle],
    ids: Sequence[int],
    clusters: Sequence[int],
    now: datetime,
) -> None:
    """One pending delivery per enabled channel routed to each article (its routes'
    categories, sources and keywords) and per active subscriber whose categories or alerts
    it matches, unless that channel already has (or, in this batch, gets) the same story."""
    audience = await load_audience(conn)
    if audience is None:
        return
    owed: set[tuple[int, str]] = {
        (int(story), str(channel_id))
        for story, channel_id in await conn.execute(
            select(t.articles.c.cluster_id, t.deliveries.c.channel_id)
            .join(t.articles, t.articles.c.id == t.deliveries.c.article_id)
            .where(t.articles.c.cluster_id.in_(set(clusters)))
        )
    }
    rows = []
    for article_id, story, item in zip(ids, clusters, items, strict=True):
        for channel_id in sorted(audience.owed(item.article)):
            if (story, channel_id) in owed:
                continue
            owed.add((story, channel_id))
            rows.append(
                {
                    "article_id": article_id,
                    "channel_id": channel_id,
                    "state": DeliveryState.PENDING.value,
                    "attempt": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if rows:
        await conn.execute(insert(t.deliveries), rows)


async def load_audience(conn: AsyncConnection) -> Audience | None:
    """The routes of enabled channels and the subscriptions of active subscribers, compiled;
    None when nobody receives anything."""
    routes = [
        Route(r.channel_id, tuple(r.categories), tuple(r.sources), tuple(r.include),
              tuple(r.exclude))
        for r in await conn.execute(
            select(t.routes)
            .join(t.channels, t.channels.c.id == t.routes.c.channel_id)
            .where(t.channels.c.enabled.is_(True), t.channels.c.kind == "channel")
        )
    ]  # fmt: skip
    categories: dict[int, tuple[str, ...]] = {
        int(user_id): tuple(slugs)
        for user_id, slugs in await conn.execute(
            select(t.subscribers.c.user_id, t.subscribers.c.categories).where(
                t.subscribers.c.active.is_(True)
            )
        )
    }
    alerts: dict[int, list[str]] = {}
    if categories:
        for user_id, keyword in await conn.execute(
            select(t.alerts.c.user_id, t.alerts.c.keyword)
            .join(t.subscribers, t.subscribers.c.user_id == t.alerts.c.user_id)
            .where(t.subscribers.c.active.is_(True))
        ):
            alerts.setdefault(int(user_id), []).append(str(keyword))
    if not routes and not categories:
        return None
    people = [
        (subscriber_channel(user_id), slugs, alerts.get(user_id, []))
        for user_id, slugs in categories.items()
    ]
    return Audience.build(routes, people)

"""Store: near-duplicate stories across sources (clusters), found through indexed band keys.

Each article's fingerprint is kept with it and its LSH band keys in `article_bands`. A new
article's candidates are the articles published within the window that share a band key;
each candidate is confirmed by comparing fingerprints in Python, and the best match's
cluster is joined. An article that matches nothing starts its own cluster (its own id).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from syndicator import cluster
from syndicator.store import tables as t

MAX_CANDIDATES = 50
_LOCK_CLASS = 0x53594E  # "SYN": the advisory lock namespace of cluster assignment
# unnest() yields the keys in the array's (sorted) order, so the locks are taken in order.
_LOCK_BANDS = text(
    "SELECT count(pg_advisory_xact_lock(:namespace, k)) FROM unnest(CAST(:keys AS integer[])) k"
)


async def find_cluster(
    conn: AsyncConnection,
    fingerprint: cluster.Fingerprint,
    published: datetime,
    window: timedelta,
) -> int | None:
    """The cluster of the most similar stored article within `window`, if any is similar."""
    if not fingerprint.bands:
        return None
    bands = or_(
        *(
            and_(t.article_bands.c.band == band, t.article_bands.c.key == key)
            for band, key in enumerate(fingerprint.bands)
        )
    )
    rows = await conn.execute(
        select(t.articles.c.cluster_id, t.articles.c.id, t.articles.c.fingerprint)
        .join(t.article_bands, t.article_bands.c.article_id == t.articles.c.id)
        .where(
            bands,
            t.articles.c.published_at >= published - window,
            t.articles.c.published_at <= published + window,
        )
        .order_by(t.articles.c.id)
        .limit(MAX_CANDIDATES * len(fingerprint.bands))
    )
    best: tuple[float, int] | None = None
    seen: set[int] = set()
    for cluster_id, article_id, stored in rows:
        # A candidate sharing several bands comes back once per band (no DISTINCT: JSON
        # columns have no equality operator on PostgreSQL).
        if not stored or article_id in seen:
            continue
        seen.add(article_id)
        other = cluster.from_columns(stored)
        if cluster.is_near_duplicate(fingerprint, other):
            score = cluster.similarity(fingerprint, other)
            if best is None or score > best[0]:
                best = (score, int(cluster_id or article_id))
    return best[1] if best else None


async def lock_bands(conn: AsyncConnection, fingerprint: cluster.Fingerprint) -> None:
    """Serialize, until commit, the transactions storing articles that share a band key.

    Near-duplicates are only ever found through a shared band key, so two copies of one
    story stored concurrently (two sources polled at once, or two replicas) take turns and
    the second sees the first's cluster. PostgreSQL only: a transaction-level advisory lock
    per (band, key), taken in sorted order so that two transactions cannot deadlock. SQLite
    needs none: its single writer lock, taken by the article's insert, orders them.
    """
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({_lock_key(band, key) for band, key in enumerate(fingerprint.bands)})
    await conn.execute(_LOCK_BANDS, {"namespace": _LOCK_CLASS, "keys": keys})  # one round trip


def _lock_key(band: int, key: int) -> int:
    """(band, key) folded into the signed 32 bits of an advisory lock id; a collision only
    makes two unrelated inserts wait for each other."""
    folded = ((key ^ (key >> 32)) + band * 0x9E3779B1) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


async def add_bands(
    conn: AsyncConnection, article_id: int, fingerprint: cluster.Fingerprint
) -> None:
    rows = [
        {"article_id": article_id, "band": band, "key": key}
        for band, key in enumerate(fingerprint.bands)
    ]
    if rows:
        await conn.execute(insert(t.article_bands), rows)

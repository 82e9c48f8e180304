"""Store: near-duplicate stories across sources (clusters), found through indexed band keys.

Each article's fingerprint is kept with it and its LSH band keys in `article_bands`. A new
article's candidates are the articles published within the window that share a band key;
each candidate is confirmed by comparing fingerprints in Python, and the best match's
cluster is joined. An article that matches nothing starts its own cluster (its own id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from syndicator import cluster
from syndicator.store import tables as t

MAX_CANDIDATES = 50
_LOCK_CLASS = 0x53594E  # "SYN": the advisory lock namespace of cluster assignment
# unnest() yields the keys in the array's (sorted) order, so the locks are taken in order.
_LOCK_BANDS = text(
    "SELECT count(pg_advisory_xact_lock(:namespace, k)) FROM unnest(CAST(:keys AS integer[])) k"
)


PAIRS_PER_QUERY = 200  # (band, key) pairs per lookup: SQLite limits expression depth


async def find_clusters(
    conn: AsyncConnection,
    items: Sequence[tuple[int, datetime, cluster.Fingerprint | None]],
    window: timedelta,
) -> list[int]:
    """The story of each new (id, published, fingerprint): the cluster of its most similar
    near-duplicate within `window` (stored, or earlier in the same batch), else its own id.

    Candidates share a band key; they are fetched for the whole batch at once (only
    committed articles have band keys), then confirmed by comparing fingerprints.
    """
    ids = {article_id for article_id, _, _ in items}
    stored = await _candidates(conn, items, window, ids)
    clusters: list[int] = []
    for article_id, published, fingerprint in items:
        best: tuple[float, int] | None = None
        if fingerprint is not None:
            keys = set(enumerate(fingerprint.bands))
            choices: list[tuple[int, datetime, cluster.Fingerprint]] = []
            seen: set[int] = set()
            for key in keys:
                for cand_id, cand_cluster, cand_published, cand_fp in stored.get(key, ()):
                    if cand_id not in seen:
                        seen.add(cand_id)
                        choices.append((cand_cluster, cand_published, cand_fp))
            # Earlier items of the batch (zip stops at the clusters assigned so far).
            for (_, other_published, other), other_cluster in zip(items, clusters, strict=False):
                if other is not None and keys & set(enumerate(other.bands)):
                    choices.append((other_cluster, other_published, other))
            for cand_cluster, cand_published, cand_fp in choices:
                if abs(cand_published - published) > window:
                    continue
                if cluster.is_near_duplicate(fingerprint, cand_fp):
                    score = cluster.similarity(fingerprint, cand_fp)
                    if best is None or score > best[0]:
                        best = (score, cand_cluster)
        clusters.append(best[1] if best else article_id)
    return clusters


async def _candidates(
    conn: AsyncConnection,
    items: Sequence[tuple[int, datetime, cluster.Fingerprint | None]],
    window: timedelta,
    exclude: set[int],
) -> dict[tuple[int, int], list[tuple[int, int, datetime, cluster.Fingerprint]]]:
    """Stored articles sharing a (band, key) with any item, published within the window."""
    pairs = sorted({pair for _, _, fp in items if fp is not None for pair in enumerate(fp.bands)})
    if not pairs:
        return {}
    times = [published for _, published, _ in items]
    found: dict[tuple[int, int], list[tuple[int, int, datetime, cluster.Fingerprint]]] = {}
    parsed: dict[int, cluster.Fingerprint] = {}
    for start in range(0, len(pairs), PAIRS_PER_QUERY):
        chunk = pairs[start : start + PAIRS_PER_QUERY]
        rows = await conn.execute(
            select(
                t.article_bands.c.band,
                t.article_bands.c.key,
                t.articles.c.id,
                t.articles.c.cluster_id,
                t.articles.c.published_at,
                t.articles.c.fingerprint,
            )
            .join(t.articles, t.articles.c.id == t.article_bands.c.article_id)
            .where(
                or_(
                    *(
                        and_(t.article_bands.c.band == b, t.article_bands.c.key == k)
                        for b, k in chunk
                    )
                ),
                t.articles.c.published_at >= min(times) - window,
                t.articles.c.published_at <= max(times) + window,
            )
            .limit(MAX_CANDIDATES * len(chunk))
        )
        for band, key, article_id, cluster_id, published, columns in rows:
            if article_id in exclude or not columns:
                continue
            fingerprint = parsed.get(article_id) or parsed.setdefault(
                article_id, cluster.from_columns(columns)
            )
            found.setdefault((band, key), []).append(
                (article_id, int(cluster_id or article_id), published, fingerprint)
            )
    return found


async def lock_bands(conn: AsyncConnection, fingerprints: Sequence[cluster.Fingerprint]) -> None:
    """Serialize, until commit, the transactions storing articles that share a band key.

    Near-duplicates are only ever found through a shared band key, so two copies of one
    story stored concurrently (two sources polled at once, or two replicas) take turns and
    the second sees the first's cluster. PostgreSQL only: a transaction-level advisory lock
    per (band, key), taken in sorted order so that two transactions cannot deadlock. SQLite
    needs none: its single writer lock, taken by the article's insert, orders them.
    """
    if conn.dialect.name != "postgresql":
        return
    keys = sorted(
        {_lock_key(band, key) for fp in fingerprints for band, key in enumerate(fp.bands)}
    )
    if not keys:
        return
    await conn.execute(_LOCK_BANDS, {"namespace": _LOCK_CLASS, "keys": keys})  # one round trip


def _lock_key(band: int, key: int) -> int:
    """(band, key) folded into the signed 32 bits of an advisory lock id; a collision only
    makes two unrelated inserts wait for each other."""
    folded = ((key ^ (key >> 32)) + band * 0x9E3779B1) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded

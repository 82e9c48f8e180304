"""Store: what a claimed delivery carries to the dispatcher, loaded in a few queries.

A claim (see `syndicator.store.outbox`) hands back each delivery with the chat it goes to
now (a migrated chat's new id), its article with categories, and for an edit the post it
corrects: that message's id and kind, and the hash of what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from syndicator.model import Article, Delivery, DeliveryKind, DeliveryState, MessageKind
from syndicator.store import tables as t
from syndicator.store.chats import effective_chat, with_state
from syndicator.store.selection import to_article

d = t.deliveries.c


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker owns until it records an outcome, with what to send."""

    delivery: Delivery
    article: Article
    shown_hash: str | None = None  # an edit: the hash of what the message shows now


async def load_claimed(conn: AsyncConnection, ids: Sequence[int]) -> list[Claimed]:
    """Claimed deliveries with their articles (and, for edits, the post they correct)."""
    if not ids:
        return []
    rows = list(
        await conn.execute(
            select(t.deliveries, effective_chat().label("chat"))
            .select_from(t.deliveries.join(with_state(), t.channels.c.id == d.channel_id))
            .where(d.id.in_(list(ids)))
        )
    )
    article_ids = {r.article_id for r in rows}
    articles = {
        r.id: r
        for r in await conn.execute(select(t.articles).where(t.articles.c.id.in_(article_ids)))
    }
    slugs: dict[int, list[str]] = {}
    for article_id, slug in await conn.execute(
        select(t.article_categories.c.article_id, t.article_categories.c.category_slug)
        .where(t.article_categories.c.article_id.in_(article_ids))
        .order_by(t.article_categories.c.category_slug)
    ):
        slugs.setdefault(article_id, []).append(slug)
    posts = await _posts_of([r for r in rows if r.kind == DeliveryKind.EDIT.value], conn)
    by_id = {r.id: r for r in rows}
    claimed = []
    for delivery_id in ids:
        row = by_id[delivery_id]
        post = posts.get((row.article_id, row.channel_id))
        kind = post.message_kind if post is not None else None
        delivery = Delivery(
            id=row.id,
            article_id=row.article_id,
            channel_id=row.channel_id,
            chat_id=row.chat,
            state=DeliveryState(row.state),
            attempt=row.attempt,
            kind=DeliveryKind(row.kind),
            message_id=post.telegram_message_id if post is not None else None,
            message_kind=MessageKind(kind) if kind else None,
        )
        shown = row.message_hash or (post.message_hash if post is not None else None)
        article = to_article(articles[row.article_id], tuple(slugs.get(row.article_id, ())))
        claimed.append(Claimed(delivery, article, shown if row.kind == "edit" else None))
    return claimed


async def _posts_of(edits: list[Any], conn: AsyncConnection) -> dict[tuple[int, str], Any]:
    if not edits:
        return {}
    pairs = [and_(d.article_id == e.article_id, d.channel_id == e.channel_id) for e in edits]
    rows = await conn.execute(
        select(t.deliveries).where(d.kind == DeliveryKind.POST.value, or_(*pairs))
    )
    return {(r.article_id, r.channel_id): r for r in rows}

"""Store: corrections become edits of the message already posted, never a second post.

When the collector revises an article (`Articles.revise`), each channel that has a sent post
of it owes an `edit` delivery: the same state machine as posts, one row per article and
channel, reused for later corrections. `enqueue` derives those rows from what is stored (a
post showing revision r of an article now at revision r' > r, corrected within the edit
window of the post), so it is idempotent: the dispatcher runs it on every pass, and a
correction stored just before a crash is still edited after the restart.

An edit that is pending or in flight is left alone (it will show the newest revision when
it is sent); one that was sent, failed or ended unknown is made pending again when a newer
revision than the one it tried arrives. Digest lines are never edited.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.model import DeliveryKind, DeliveryState, MessageKind
from syndicator.store import tables as t

# Posts older than this many edit windows are not even looked at (keeps the scan small).
LOOKBACK = 4


class Corrections:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def enqueue(
        self, now: datetime, channels: Collection[str], window: timedelta = timedelta(hours=48)
    ) -> int:
        """Make the edit deliveries that corrections call for, in `channels`; returns how many."""
        if not channels:
            return 0
        post, edit = t.deliveries.alias("post"), t.deliveries.alias("edit")
        a, r = t.articles, t.article_revisions
        shown = func.coalesce(edit.c.revision, post.c.revision, 0)
        query = (
            select(
                post.c.article_id,
                post.c.channel_id,
                post.c.sent_at,
                edit.c.id.label("edit_id"),
                edit.c.state.label("edit_state"),
                r.c.changed_at,
            )
            .join(a, a.c.id == post.c.article_id)
            .join(r, and_(r.c.article_id == a.c.id, r.c.revision == a.c.revision))
            .outerjoin(
                edit,
                and_(
                    edit.c.article_id == post.c.article_id,
                    edit.c.channel_id == post.c.channel_id,
                    edit.c.kind == DeliveryKind.EDIT.value,
                ),
            )
            .where(
                post.c.kind == DeliveryKind.POST.value,
                post.c.state == DeliveryState.SENT.value,
                post.c.message_kind.in_([MessageKind.TEXT.value, MessageKind.PHOTO.value]),
                post.c.channel_id.in_(list(channels)),
                post.c.sent_at >= now - window * LOOKBACK,
                a.c.revision > shown,
                or_(
                    edit.c.id.is_(None),
                    edit.c.state.not_in([DeliveryState.PENDING.value, DeliveryState.SENDING.value]),
                ),
            )
        )
        made = 0
        async with self._engine.begin() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            for row in list(await conn.execute(query)):
                if row.changed_at > row.sent_at + window:
                    continue
                if row.edit_id is None:
                    result = await conn.execute(
                        insert(t.deliveries)
                        .values(
                            article_id=row.article_id,
                            channel_id=row.channel_id,
                            kind=DeliveryKind.EDIT.value,
                            state=DeliveryState.PENDING.value,
                            attempt=0,
                            next_attempt_at=now,
                            created_at=now,
                            updated_at=now,
                        )
                        .on_conflict_do_nothing()
                        .returning(t.deliveries.c.id)
                    )
                else:
                    result = await conn.execute(
                        update(t.deliveries)
                        .where(t.deliveries.c.id == row.edit_id)
                        .where(t.deliveries.c.state == row.edit_state)
                        .values(
                            state=DeliveryState.PENDING.value,
                            next_attempt_at=now,
                            updated_at=now,
                            last_error=None,
                        )
                        .returning(t.deliveries.c.id)
                    )
                made += 1 if result.first() is not None else 0
        return made

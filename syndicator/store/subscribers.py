"""Store: subscribers (people who get alerts in a private chat) and their keyword alerts.

A subscriber's messages go through the same outbox and pacing as a channel's: each one
has a delivery channel `sub:USER_ID` (kind `subscriber`, chat id = the user id, a private
chat paced at one message a second), enabled while the subscription is active. `/stop`
deactivates both; nothing is deleted, so `/start` later brings the same choices back.
Changes are written to the audit log with the subscription in one transaction; the
language choice is a preference and is not audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.errors import InvalidChange
from syndicator.keywords import MAX_KEYWORD_CHARS, phrase
from syndicator.model import Actor, Subscriber, SubscriberMode, subscriber_channel
from syndicator.store import tables as t
from syndicator.store.audit import write

s = t.subscribers.c


class Subscribers:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, user_id: int) -> Subscriber | None:
        async with self._engine.connect() as conn:
            found = await _load(conn, [user_id])
        return found[0] if found else None

    async def all(self, *, active_only: bool = False) -> list[Subscriber]:
        query = select(s.user_id).order_by(s.user_id)
        if active_only:
            query = query.where(s.active.is_(True))
        async with self._engine.connect() as conn:
            ids = [int(i) for i in (await conn.execute(query)).scalars()]
            return await _load(conn, ids)

    async def start(
        self, user_id: int, by: Actor, now: datetime, *, language: str | None = None
    ) -> Subscriber:
        """Subscribe (or subscribe again, with the choices made before)."""
        async with self._engine.begin() as conn:
            await _ensure(conn, user_id, now, language)
            await conn.execute(
                update(t.subscribers)
                .where(s.user_id == user_id)
                .values(active=True, updated_at=now)
            )
            await _channel(conn, user_id, enabled=True)
            await conn.execute(  # they talk to the bot again: it may write to them
                update(t.channel_state)
                .where(t.channel_state.c.channel_id == subscriber_channel(user_id))
                .values(paused_chat=None, paused_reason=None, paused_at=None)
            )
            await write(conn, by, "subscriber.start", str(user_id), now)
            return (await _load(conn, [user_id]))[0]

    async def stop(self, user_id: int, by: Actor, now: datetime) -> bool:
        """Unsubscribe: nothing more is sent; False when there was no active subscription."""
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(t.subscribers)
                .where(s.user_id == user_id, s.active.is_(True))
                .values(active=False, updated_at=now)
            )
            await _channel(conn, user_id, enabled=False)
            if done.rowcount != 1:
                return False
            await write(conn, by, "subscriber.stop", str(user_id), now)
            return True

    async def set_language(self, user_id: int, language: str, now: datetime) -> None:
        async with self._engine.begin() as conn:
            await _ensure(conn, user_id, now, language)
            await conn.execute(
                update(t.subscribers)
                .where(s.user_id == user_id)
                .values(language=language, updated_at=now)
            )

    async def set_categories(
        self, user_id: int, categories: Sequence[str], by: Actor, now: datetime
    ) -> None:
        await self._set(user_id, by, now, "subscriber.categories", categories=list(categories))

    async def set_mode(self, user_id: int, mode: SubscriberMode, by: Actor, now: datetime) -> None:
        await self._set(user_id, by, now, "subscriber.mode", mode=mode)

    async def _set(
        self, user_id: int, by: Actor, now: datetime, action: str, **values: Any
    ) -> None:
        async with self._engine.begin() as conn:
            await _ensure(conn, user_id, now, None)
            await conn.execute(
                update(t.subscribers).where(s.user_id == user_id).values(updated_at=now, **values)
            )
            await write(conn, by, action, str(user_id), now, values)

    async def add_alert(
        self, user_id: int, keyword: str, limit: int, by: Actor, now: datetime
    ) -> str:
        """Add a keyword alert; returns it as stored (spaces tidied). `InvalidChange` when it
        has no word, is too long, is already there, or the user has `limit` alerts."""
        keyword = " ".join(keyword.split())
        if not phrase(keyword):
            raise InvalidChange("the keyword has no word in it")
        if len(keyword) > MAX_KEYWORD_CHARS:
            raise InvalidChange(f"a keyword has at most {MAX_KEYWORD_CHARS} characters")
        async with self._engine.begin() as conn:
            await _ensure(conn, user_id, now, None)
            mine = select(t.alerts.c.keyword).where(t.alerts.c.user_id == user_id)
            have = list((await conn.execute(mine)).scalars())
            if any(phrase(old) == phrase(keyword) for old in have):
                raise InvalidChange(f"already alerting on «{keyword}»")
            if len(have) >= limit:
                raise InvalidChange(f"at most {limit} alerts")
            await conn.execute(
                insert(t.alerts).values(user_id=user_id, keyword=keyword, created_at=now)
            )
            await write(conn, by, "alert.add", str(user_id), now, {"keyword": keyword})
            return keyword

    async def remove_alert(self, user_id: int, keyword: str, by: Actor, now: datetime) -> bool:
        """Remove the alert whose words are `keyword`'s (however it is spelled)."""
        async with self._engine.begin() as conn:
            rows = list(
                await conn.execute(
                    select(t.alerts.c.id, t.alerts.c.keyword).where(t.alerts.c.user_id == user_id)
                )
            )
            gone = [r for r in rows if phrase(r.keyword) == phrase(keyword)]
            if not gone:
                return False
            await conn.execute(delete(t.alerts).where(t.alerts.c.id.in_([r.id for r in gone])))
            await write(conn, by, "alert.remove", str(user_id), now, {"keyword": gone[0].keyword})
            return True

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            active = select(func.count()).select_from(t.subscribers).where(s.active.is_(True))
            return int((await conn.execute(active)).scalar_one())


async def _ensure(conn: AsyncConnection, user_id: int, now: datetime, language: str | None) -> None:
    """The subscriber's row (inactive until /start), created on first contact."""
    known = (await conn.execute(select(s.user_id).where(s.user_id == user_id))).first()
    if known is None:
        await conn.execute(
            insert(t.subscribers).values(
                user_id=user_id, language=language or "ar", mode="instant", categories=[],
                active=False, created_at=now, updated_at=now,
            )
        )  # fmt: skip


async def _channel(conn: AsyncConnection, user_id: int, *, enabled: bool) -> None:
    """The subscriber's delivery channel, created when first needed."""
    channel_id = subscriber_channel(user_id)
    known = (
        await conn.execute(select(t.channels.c.id).where(t.channels.c.id == channel_id))
    ).first()
    if known is None:
        if not enabled:
            return
        await conn.execute(
            insert(t.channels).values(
                id=channel_id, chat_id=str(user_id), enabled=True, kind="subscriber", options={}
            )
        )
    else:
        await conn.execute(
            update(t.channels).where(t.channels.c.id == channel_id).values(enabled=enabled)
        )


async def _load(conn: AsyncConnection, ids: Sequence[int]) -> list[Subscriber]:
    if not ids:
        return []
    alerts: dict[int, list[str]] = {}
    for user_id, keyword in await conn.execute(
        select(t.alerts.c.user_id, t.alerts.c.keyword)
        .where(t.alerts.c.user_id.in_(list(ids)))
        .order_by(t.alerts.c.id)
    ):
        alerts.setdefault(int(user_id), []).append(str(keyword))
    rows = await conn.execute(select(t.subscribers).where(s.user_id.in_(list(ids))))
    found = {
        int(r.user_id): Subscriber(
            int(r.user_id),
            r.language,
            r.mode,
            tuple(r.categories),
            tuple(alerts.get(int(r.user_id), ())),
            bool(r.active),
        )
        for r in rows
    }
    return [found[i] for i in ids if i in found]

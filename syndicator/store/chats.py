"""Store: what delivery learnt about each channel's chat, beside what the config says.

`channels` follows the config file (`Registry.apply` rewrites it); `channel_state` keeps
what Telegram told the dispatcher, so it survives restarts and re-applied configs:

- a group that became a supergroup (ChatMigrated): its new chat id, used for as long as the
  config still names the old one;
- a flood-control pause (429 `retry_after`): no send to the chat before `not_before`;
- a chat the bot cannot post to (removed, no rights, not found): the channel is paused
  until an operator resumes it (or the config names another chat);
- the digest slot last sent, so a restart neither repeats nor skips a digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.store import tables as t


def effective_chat() -> ColumnElement[str]:
    """SQL: the chat a channel's messages go to (needs `channel_state` outer-joined)."""
    s = t.channel_state.c
    return case(
        (and_(s.moved_to.is_not(None), s.moved_from == t.channels.c.chat_id), s.moved_to),
        else_=t.channels.c.chat_id,
    )


def paused() -> ColumnElement[bool]:
    """SQL: the channel is paused for the chat it would post to now."""
    s = t.channel_state.c
    return and_(s.paused_chat.is_not(None), s.paused_chat == effective_chat())


def with_state() -> Any:
    """`channels` LEFT JOIN `channel_state`, for queries that use the two expressions above."""
    return t.channels.outerjoin(t.channel_state, t.channel_state.c.channel_id == t.channels.c.id)


@dataclass(frozen=True)
class ChatState:
    channel_id: str
    chat_id: str  # where messages go now (the migrated id, if any)
    enabled: bool = True
    not_before: datetime | None = None
    paused_reason: str | None = None  # set: the channel waits for an operator
    paused_at: datetime | None = None
    last_digest_at: datetime | None = None


class Chats:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def states(self) -> dict[str, ChatState]:
        """Every channel's state (disabled channels included), by channel id."""
        s = t.channel_state.c
        query = select(
            t.channels.c.id,
            t.channels.c.enabled,
            effective_chat().label("chat"),
            paused().label("paused"),
            s.not_before,
            s.paused_reason,
            s.paused_at,
            s.last_digest_at,
        ).select_from(with_state())
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(query))
        return {
            r.id: ChatState(
                channel_id=r.id,
                chat_id=r.chat,
                enabled=bool(r.enabled),
                not_before=r.not_before,
                paused_reason=r.paused_reason if r.paused else None,
                paused_at=r.paused_at if r.paused else None,
                last_digest_at=r.last_digest_at,
            )
            for r in rows
        }

    async def hold(self, channel_id: str, until: datetime) -> None:
        """Flood control: no message to this channel's chat before `until` (never shortened)."""
        async with self._engine.begin() as conn:
            current = await _get(conn, channel_id, t.channel_state.c.not_before)
            if current is None or current < until:
                await _set(conn, channel_id, not_before=until)

    async def move(self, channel_id: str, new_chat: str) -> None:
        """Telegram migrated the channel's chat to `new_chat`."""
        async with self._engine.begin() as conn:
            # Keyed by the id in the config file, so a chat that migrates twice still maps.
            configured = (
                await conn.execute(
                    select(t.channels.c.chat_id).where(t.channels.c.id == channel_id)
                )
            ).scalar_one()
            await _set(conn, channel_id, moved_from=configured, moved_to=new_chat)

    async def pause(self, channel_id: str, chat_id: str, reason: str, now: datetime) -> bool:
        """The bot cannot post to `chat_id`: hold the channel; False when it already was."""
        async with self._engine.begin() as conn:
            if await _get(conn, channel_id, t.channel_state.c.paused_chat) == chat_id:
                return False
            await _set(conn, channel_id, paused_chat=chat_id, paused_reason=reason, paused_at=now)
            return True

    async def resume(self, channel_id: str) -> bool:
        """An operator fixed the chat: deliver again. False for an unknown channel."""
        async with self._engine.begin() as conn:
            known = (
                await conn.execute(select(t.channels.c.id).where(t.channels.c.id == channel_id))
            ).first()
            if known is None:
                return False
            await _set(conn, channel_id, paused_chat=None, paused_reason=None, paused_at=None)
            return True

    async def digested(self, channel_id: str, slot: datetime) -> None:
        """The digest of `slot` is done (sent, or there was nothing to send)."""
        async with self._engine.begin() as conn:
            await _set(conn, channel_id, last_digest_at=slot)


async def _get(conn: AsyncConnection, channel_id: str, column: Any) -> Any:
    return (
        await conn.execute(select(column).where(t.channel_state.c.channel_id == channel_id))
    ).scalar_one_or_none()


async def _set(conn: AsyncConnection, channel_id: str, **values: object) -> None:
    """Upsert one channel's state row."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(t.channel_state).values(channel_id=channel_id, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=["channel_id"], set_=values))

"""Store: what the operators configured (categories, sources, channels, routes) and the
per-source polling state.

The store is the source of truth once applied: the config file is applied to it
(`syndicator.store.declare`), and the bot and the CLI change it (`syndicator.store.edits`).
`apply` here is the bulk form without audit (tests, tools). Sources and channels that are
removed are disabled rather than deleted, so their articles and delivery history stay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.model import Category, Channel, Route, Source, SourceState
from syndicator.store import tables as t


class Registry:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: list[tuple[SourceState, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def apply(
        self,
        categories: Sequence[Category],
        sources: Sequence[Source],
        channels: Sequence[Channel],
        routes: Sequence[Route] = (),
    ) -> None:
        """Upsert everything in one transaction: sources and channels left out are disabled,
        categories are kept, and the routes of every channel are replaced by `routes` plus
        one route per channel with `categories` (its shorthand). Without an audit entry:
        the service applies its config file with `syndicator.store.declare` instead."""
        async with self._engine.begin() as conn:
            await _upsert(conn, t.categories, "slug", [
                {"slug": c.slug, "name": c.name, "aliases": list(c.aliases),
                 "url_patterns": list(c.url_patterns), "keywords": list(c.keywords)}
                for c in categories
            ])  # fmt: skip
            await _upsert(conn, t.sources, "id", [source_row(s) for s in sources])
            await _upsert(conn, t.channels, "id", [channel_row(c) for c in channels])
            await conn.execute(
                update(t.sources).where(t.sources.c.id.not_in([s.id for s in sources]))
                .values(enabled=False)
            )  # fmt: skip
            await conn.execute(
                update(t.channels)
                .where(t.channels.c.kind == "channel")
                .where(t.channels.c.id.not_in([c.id for c in channels]))
                .values(enabled=False)
            )  # fmt: skip
            await conn.execute(
                delete(t.routes).where(
                    t.routes.c.channel_id.in_(
                        select(t.channels.c.id).where(t.channels.c.kind == "channel")
                    )
                )
            )
            every = [*(Route(c.id, c.categories) for c in channels if c.categories), *routes]
            if every:
                await conn.execute(insert(t.routes), [route_row(r) for r in every])

    async def channels(self, *, enabled_only: bool = True) -> list[Channel]:
        """The channels operators route to (not subscribers' chats), by id."""
        query = select(t.channels).where(t.channels.c.kind == "channel").order_by(t.channels.c.id)
        if enabled_only:
            query = query.where(t.channels.c.enabled.is_(True))
        async with self._engine.connect() as conn:
            return [
                Channel(r.id, r.chat_id, (), dict(r.options or {}))
                for r in await conn.execute(query)
            ]

    async def routes(self, channel_id: str | None = None) -> list[Route]:
        """Routes of enabled channels (or of one channel, enabled or not), oldest first."""
        query = select(t.routes).order_by(t.routes.c.id)
        if channel_id is None:
            query = query.join(t.channels, t.channels.c.id == t.routes.c.channel_id).where(
                t.channels.c.enabled.is_(True), t.channels.c.kind == "channel"
            )
        else:
            query = query.where(t.routes.c.channel_id == channel_id)
        async with self._engine.connect() as conn:
            return [to_route(r) for r in await conn.execute(query)]

    async def categories(self) -> list[Category]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(t.categories).order_by(t.categories.c.slug))
            return [
                Category(r.slug, r.name, tuple(r.aliases), tuple(r.url_patterns), tuple(r.keywords))
                for r in rows
            ]

    async def sources(self, *, enabled_only: bool = True) -> list[Source]:
        query = select(t.sources).order_by(t.sources.c.id)
        if enabled_only:
            query = query.where(t.sources.c.enabled.is_(True))
        async with self._engine.connect() as conn:
            return [_source(r) for r in await conn.execute(query)]

    async def due(
        self, now: datetime, *, limit: int | None = None, busy: Collection[str] = ()
    ) -> list[tuple[Source, SourceState]]:
        """Enabled sources never polled, or whose next poll time has come, with their state:
        never polled first, then the longest overdue; at most `limit`, none of `busy`.

        One query for the whole tick, so a poll need not read its state again.
        """
        query = (
            select(t.sources, *_STATE_COLUMNS)
            .outerjoin(t.source_state, t.source_state.c.source_id == t.sources.c.id)
            .where(
                t.sources.c.enabled.is_(True),
                or_(t.source_state.c.next_poll_at.is_(None), t.source_state.c.next_poll_at <= now),
            )
            .order_by(t.source_state.c.next_poll_at.is_not(None), t.source_state.c.next_poll_at)
            .limit(limit)
        )
        if busy:
            query = query.where(t.sources.c.id.not_in(sorted(busy)))
        async with self._engine.connect() as conn:
            return [(_source(r), _state(r.id, r)) for r in await conn.execute(query)]

    async def state(self, source_id: str) -> SourceState:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.source_state).where(t.source_state.c.source_id == source_id)
                )
            ).first()
        return SourceState(source_id) if row is None else _state(source_id, row)

    async def states(self) -> dict[str, SourceState]:
        """Polling state of every source that has been polled at least once."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(t.source_state))
            return {row.source_id: _state(row.source_id, row) for row in rows}

    async def record_poll(self, state: SourceState) -> None:
        """Store the outcome of one poll (success or error); returns once it is committed.

        Group commit: polls that finish while a write is in flight are written together in
        the next transaction, so thousands of sources answering 304 cost a few commits a
        second instead of one each (SQLite serializes writers; waiting on its lock is slow).
        """
        done = asyncio.get_running_loop().create_future()
        self._pending.append((state, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        await done

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            latest = {state.source_id: state for state, _ in batch}  # last word per source
            rows = [{"source_id": s.source_id, **_state_values(s)} for s in latest.values()]
            try:
                async with self._engine.begin() as conn:
                    upsert = _dialect_insert(conn)(t.source_state)
                    await conn.execute(
                        upsert.on_conflict_do_update(
                            index_elements=["source_id"],
                            set_={c.name: upsert.excluded[c.name] for c in _STATE_COLUMNS},
                        ),
                        rows,
                    )
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


def _state_values(state: SourceState) -> dict[str, object]:
    return {c.name: getattr(state, c.name) for c in _STATE_COLUMNS}


_STATE_COLUMNS = [c for c in t.source_state.c if c.name != "source_id"]


def _state(source_id: str, r: Any) -> SourceState:
    """A SourceState from a row holding the state columns (all None: never polled)."""
    values = {c.name: getattr(r, c.name) for c in _STATE_COLUMNS}
    values["error_count"] = values["error_count"] or 0
    return SourceState(source_id=source_id, **values)


def source_row(s: Source) -> dict[str, object]:
    return {
        "id": s.id, "name": s.name, "url": s.url, "kind": s.kind,
        "categories": list(s.categories), "interval": s.interval, "enabled": True,
        "robots": s.robots, "link_selector": s.link_selector, "link_pattern": s.link_pattern,
    }  # fmt: skip


def channel_row(c: Channel) -> dict[str, object]:
    return {
        "id": c.id, "chat_id": c.chat_id, "enabled": True, "kind": "channel",
        "options": dict(c.options),
    }  # fmt: skip


def route_row(r: Route) -> dict[str, object]:
    return {
        "channel_id": r.channel_id, "categories": list(r.categories),
        "sources": list(r.sources), "include": list(r.include), "exclude": list(r.exclude),
    }  # fmt: skip


def to_route(r: Any) -> Route:
    return Route(
        r.channel_id, tuple(r.categories), tuple(r.sources), tuple(r.include),
        tuple(r.exclude), int(r.id),
    )  # fmt: skip


def _source(r: Any) -> Source:
    return Source(
        r.id, r.name, r.url, r.kind, tuple(r.categories), r.interval,
        r.robots, r.link_selector, r.link_pattern,
    )  # fmt: skip


def poll_succeeded(
    previous: SourceState,
    now: datetime,
    next_poll: datetime,
    etag: str | None,
    last_modified: str | None,
    cursor: str | None = None,
) -> SourceState:
    """The state after a successful poll: validators kept, error streak reset."""
    return SourceState(
        source_id=previous.source_id,
        etag=etag if etag is not None else previous.etag,
        last_modified=last_modified if last_modified is not None else previous.last_modified,
        last_polled_at=now,
        last_success_at=now,
        last_error=None,
        error_count=0,
        next_poll_at=next_poll,
        cursor=cursor if cursor is not None else previous.cursor,
    )


def poll_failed(
    previous: SourceState, now: datetime, next_poll: datetime, error: str
) -> SourceState:
    """The state after a failed poll: validators kept, error counted."""
    return SourceState(
        source_id=previous.source_id,
        etag=previous.etag,
        last_modified=previous.last_modified,
        last_polled_at=now,
        last_success_at=previous.last_success_at,
        last_error=error,
        error_count=previous.error_count + 1,
        next_poll_at=next_poll,
        cursor=previous.cursor,
    )


def _dialect_insert(conn: AsyncConnection) -> Any:
    """INSERT with ON CONFLICT for the connection's backend (SQLite and PostgreSQL have it)."""
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


async def _upsert(
    conn: AsyncConnection, table: Table, key: str, rows: list[dict[str, object]]
) -> None:
    """Portable upsert: update the rows that exist, insert the others."""
    if not rows:
        return
    column = table.c[key]
    existing = set(
        (await conn.execute(select(column).where(column.in_([r[key] for r in rows])))).scalars()
    )
    for row in rows:
        if row[key] in existing:
            await conn.execute(update(table).where(column == row[key]).values(**row))
        else:
            await conn.execute(insert(table).values(**row))

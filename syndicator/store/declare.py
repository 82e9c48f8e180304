"""Store: the registry as a declarative whole, for `config apply`, `config export` and the
service's start.

`current` reads what the store states (enabled sources and channels, their routes, every
category) as a `syndicator.declared.Declared`; `apply` makes the store state `wanted`,
change by change (`syndicator.declared.diff`), in one transaction with one audit entry per
change, and returns the changes (an empty list: nothing to do). Applying the same file twice
changes nothing the second time.

`applied` and `remember` keep the fingerprint of the declarations last applied from each
config file (`store_meta`), so the service applies its file at start only when it states
something new, and changes made since with the bot or the CLI survive restarts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.declared import Change, Declared, diff
from syndicator.model import Actor, Category, Channel, Route, Source
from syndicator.store import tables as t
from syndicator.store.audit import write
from syndicator.store.registry import (
    _dialect_insert,
    _source,
    channel_row,
    route_row,
    source_row,
    to_route,
)

META_PREFIX = "applied:"


class Declarations:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def current(self) -> Declared:
        async with self._engine.connect() as conn:
            return await _current(conn)

    async def apply(self, wanted: Declared, by: Actor, now: datetime) -> list[Change]:
        """Make the store state `wanted`; returns what changed (also in the audit log)."""
        async with self._engine.begin() as conn:
            changes = diff(await _current(conn), wanted)
            for change in changes:
                await _apply(conn, change)
                detail = {"change": change.text}
                await write(conn, by, f"{change.kind}.{change.op}", change.key, now, detail)
            return changes

    async def applied(self, path: str) -> str | None:
        """The fingerprint of what was last applied from the file at `path`."""
        key = _key(path)
        async with self._engine.connect() as conn:
            return (
                await conn.execute(select(t.store_meta.c.value).where(t.store_meta.c.key == key))
            ).scalar_one_or_none()

    async def remember(self, path: str, fingerprint: str, now: datetime) -> None:
        key = _key(path)
        values = {"value": fingerprint, "updated_at": now}
        async with self._engine.begin() as conn:
            statement = _dialect_insert(conn)(t.store_meta).values(key=key, **values)
            await conn.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))


async def _current(conn: AsyncConnection) -> Declared:
    categories = tuple(
        Category(r.slug, r.name, tuple(r.aliases), tuple(r.url_patterns), tuple(r.keywords))
        for r in await conn.execute(select(t.categories).order_by(t.categories.c.slug))
    )
    sources = tuple(
        _source(r)
        for r in await conn.execute(
            select(t.sources).where(t.sources.c.enabled.is_(True)).order_by(t.sources.c.id)
        )
    )
    channel_rows = await conn.execute(
        select(t.channels)
        .where(t.channels.c.enabled.is_(True), t.channels.c.kind == "channel")
        .order_by(t.channels.c.id)
    )
    channels = tuple(Channel(r.id, r.chat_id, (), dict(r.options or {})) for r in channel_rows)
    enabled = [c.id for c in channels]
    routes = tuple(
        to_route(r)
        for r in await conn.execute(
            select(t.routes).where(t.routes.c.channel_id.in_(enabled)).order_by(t.routes.c.id)
        )
    )
    return Declared(categories, sources, channels, routes)


async def _apply(conn: AsyncConnection, change: Change) -> None:
    item = change.value
    if change.kind == "category":
        assert isinstance(item, Category)
        await conn.execute(delete(t.categories).where(t.categories.c.slug == item.slug))
        if change.op != "remove":
            await conn.execute(
                insert(t.categories).values(
                    slug=item.slug, name=item.name, aliases=list(item.aliases),
                    url_patterns=list(item.url_patterns), keywords=list(item.keywords),
                )
            )  # fmt: skip
    elif change.kind == "source":
        assert isinstance(item, Source)
        if change.op == "remove":
            await _disable(conn, t.sources, item.id)
        else:
            await _upsert(conn, t.sources, item.id, source_row(item))
    elif change.kind == "channel":
        assert isinstance(item, Channel)
        if change.op == "remove":
            await _disable(conn, t.channels, item.id)
        else:
            await _upsert(conn, t.channels, item.id, channel_row(item))
            if change.op == "add":  # a channel enabled again starts from the file's routes
                await conn.execute(delete(t.routes).where(t.routes.c.channel_id == item.id))
    else:
        assert isinstance(item, Route)
        if change.op == "remove":
            await conn.execute(delete(t.routes).where(t.routes.c.id == item.id))
        else:
            await conn.execute(insert(t.routes).values(route_row(item)))


async def _disable(conn: AsyncConnection, table: Table, key: str) -> None:
    await conn.execute(update(table).where(table.c.id == key).values(enabled=False))


async def _upsert(conn: AsyncConnection, table: Table, key: str, row: dict[str, object]) -> None:
    exists = (await conn.execute(select(table.c.id).where(table.c.id == key))).first()
    if exists is None:
        await conn.execute(insert(table).values(**row))
    else:
        await conn.execute(update(table).where(table.c.id == key).values(row))


def _key(path: str) -> str:
    return (META_PREFIX + path)[-255:]

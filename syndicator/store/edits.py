"""Store: the changes operators make from the bot or the CLI, each with its audit entry.

Every method is one transaction that makes the change and writes who made it, from where
and what it was (`syndicator.store.audit`). Removing a source or a channel disables it (its
articles and delivery history stay); adding it again enables it. References are checked
here, so a route never names a channel, category or source the store does not know;
`InvalidChange` says what is wrong. Channel options are validated by the callers
(`syndicator.declared.check_channel`), like the config file's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from syndicator.errors import InvalidChange
from syndicator.model import Actor, Channel, DeliveryKind, DeliveryState, Route, Source
from syndicator.store import tables as t
from syndicator.store.audit import write
from syndicator.store.chats import effective_chat, with_state
from syndicator.store.registry import (
    _dialect_insert,
    channel_row,
    route_row,
    source_row,
    to_route,
)


class Edits:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # -- sources ----------------------------------------------------------------------

    async def add_source(self, source: Source, by: Actor, now: datetime) -> bool:
        """Add (or enable and update) a source; True when it was not enabled before."""
        async with self._engine.begin() as conn:
            await _known_categories(conn, source.categories)
            was = (
                await conn.execute(select(t.sources.c.enabled).where(t.sources.c.id == source.id))
            ).first()
            row = source_row(source)
            if was is None:
                await conn.execute(insert(t.sources).values(**row))
            else:
                await conn.execute(update(t.sources).where(t.sources.c.id == source.id).values(row))
            new = was is None or not was.enabled
            detail = {"url": source.url, "kind": source.kind, "name": source.name}
            await write(conn, by, "source.add" if new else "source.change", source.id, now, detail)
            return new

    async def remove_source(self, source_id: str, by: Actor, now: datetime) -> bool:
        """Disable a source (its articles stay); False when no enabled source has that id."""
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(t.sources)
                .where(t.sources.c.id == source_id, t.sources.c.enabled.is_(True))
                .values(enabled=False)
            )
            if done.rowcount != 1:
                return False
            await write(conn, by, "source.remove", source_id, now)
            return True

    # -- channels ---------------------------------------------------------------------

    async def add_channel(self, channel: Channel, by: Actor, now: datetime) -> bool:
        """Add (or enable and update) a channel; its `categories`, when given, replace its
        routes with one route. True when it was not enabled before."""
        async with self._engine.begin() as conn:
            await _known_categories(conn, channel.categories)
            was = (
                await conn.execute(
                    select(t.channels.c.enabled, t.channels.c.kind).where(
                        t.channels.c.id == channel.id
                    )
                )
            ).first()
            if was is not None and was.kind != "channel":
                raise InvalidChange(f"'{channel.id}' is a subscriber's chat, not a channel")
            row = channel_row(channel)
            if was is None:
                await conn.execute(insert(t.channels).values(**row))
            else:
                await conn.execute(
                    update(t.channels).where(t.channels.c.id == channel.id).values(row)
                )
            if channel.categories:
                await conn.execute(delete(t.routes).where(t.routes.c.channel_id == channel.id))
                await conn.execute(
                    insert(t.routes).values(route_row(Route(channel.id, channel.categories)))
                )
            new = was is None or not was.enabled
            detail: dict[str, Any] = {"chat_id": channel.chat_id, **channel.options}
            if channel.categories:
                detail["categories"] = list(channel.categories)
            action = "channel.add" if new else "channel.change"
            await write(conn, by, action, channel.id, now, detail)
            return new

    async def remove_channel(self, channel_id: str, by: Actor, now: datetime) -> bool:
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(t.channels)
                .where(t.channels.c.id == channel_id, t.channels.c.kind == "channel")
                .where(t.channels.c.enabled.is_(True))
                .values(enabled=False)
            )
            if done.rowcount != 1:
                return False
            await write(conn, by, "channel.remove", channel_id, now)
            return True

    async def set_options(
        self, channel_id: str, options: Mapping[str, Any], by: Actor, now: datetime
    ) -> None:
        """Replace a channel's delivery options (already validated)."""
        async with self._engine.begin() as conn:
            before = await _channel(conn, channel_id)
            await conn.execute(
                update(t.channels)
                .where(t.channels.c.id == channel_id)
                .values(options=dict(options))
            )
            detail = {"before": dict(before.options or {}), "after": dict(options)}
            await write(conn, by, "channel.options", channel_id, now, detail)

    # -- routes -----------------------------------------------------------------------

    async def add_route(self, route: Route, by: Actor, now: datetime) -> int:
        async with self._engine.begin() as conn:
            await self._check_route(conn, route)
            result = await conn.execute(
                insert(t.routes).values(route_row(route)).returning(t.routes.c.id)
            )
            route_id = int(result.scalar_one())
            await write(
                conn, by, "route.add", route.channel_id, now, _route_detail(route, route_id)
            )
            return route_id

    async def replace_route(self, route: Route, by: Actor, now: datetime) -> None:
        """Change the filters of route `route.id` (the same channel's)."""
        async with self._engine.begin() as conn:
            await self._check_route(conn, route)
            before = (await conn.execute(select(t.routes).where(t.routes.c.id == route.id))).first()
            if before is None or before.channel_id != route.channel_id:
                raise InvalidChange(f"no route {route.id} of channel '{route.channel_id}'")
            await conn.execute(
                update(t.routes).where(t.routes.c.id == route.id).values(route_row(route))
            )
            detail = {"before": _route_detail(to_route(before)), "after": _route_detail(route)}
            await write(conn, by, "route.change", route.channel_id, now, detail)

    async def remove_route(self, route_id: int, by: Actor, now: datetime) -> Route | None:
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(t.routes).where(t.routes.c.id == route_id))).first()
            if row is None:
                return None
            await conn.execute(delete(t.routes).where(t.routes.c.id == route_id))
            route = to_route(row)
            await write(conn, by, "route.remove", route.channel_id, now, _route_detail(route))
            return route

    async def _check_route(self, conn: AsyncConnection, route: Route) -> None:
        await _channel(conn, route.channel_id)
        await _known_categories(conn, route.categories)
        known = set(
            (
                await conn.execute(
                    select(t.sources.c.id).where(t.sources.c.id.in_(list(route.sources)))
                )
            ).scalars()
        )
        missing = [s for s in route.sources if s not in known]
        if missing:
            raise InvalidChange(f"unknown source '{missing[0]}'")

    # -- delivery ---------------------------------------------------------------------

    async def pause(self, channel_id: str, reason: str, by: Actor, now: datetime) -> bool:
        """Hold a channel's posts (they wait, nothing is dropped); False if already paused."""
        async with self._engine.begin() as conn:
            await _channel(conn, channel_id)
            s = t.channel_state.c
            row = (
                await conn.execute(
                    select(effective_chat().label("chat"), s.paused_chat)
                    .select_from(with_state())
                    .where(t.channels.c.id == channel_id)
                )
            ).one()
            if row.paused_chat == row.chat:
                return False
            values = {"paused_chat": row.chat, "paused_reason": reason, "paused_at": now}
            statement = _dialect_insert(conn)(t.channel_state).values(
                channel_id=channel_id, **values
            )
            await conn.execute(
                statement.on_conflict_do_update(index_elements=["channel_id"], set_=values)
            )
            await write(conn, by, "channel.pause", channel_id, now, {"reason": reason})
            return True

    async def resume(self, channel_id: str, by: Actor, now: datetime) -> None:
        """Deliver again to a paused channel (paused by an operator or by Telegram)."""
        async with self._engine.begin() as conn:
            await _channel(conn, channel_id)
            await conn.execute(
                update(t.channel_state)
                .where(t.channel_state.c.channel_id == channel_id)
                .values(paused_chat=None, paused_reason=None, paused_at=None)
            )
            await write(conn, by, "channel.resume", channel_id, now)

    async def retry(
        self, channel_id: str, states: Collection[DeliveryState], by: Actor, now: datetime
    ) -> int:
        """Send again the posts of a channel that ended `unknown` or `failed` (an operator
        checked the chat: they were not posted). Returns how many are pending again."""
        wanted = [s.value for s in states if s in (DeliveryState.UNKNOWN, DeliveryState.FAILED)]
        async with self._engine.begin() as conn:
            await _channel(conn, channel_id)
            d = t.deliveries.c
            done = await conn.execute(
                update(t.deliveries)
                .where(d.channel_id == channel_id, d.state.in_(wanted))
                .where(d.kind == DeliveryKind.POST.value)
                .values(state=DeliveryState.PENDING.value, next_attempt_at=now, updated_at=now)
            )
            count = int(done.rowcount)
            detail = {"states": wanted, "deliveries": count}
            await write(conn, by, "deliveries.retry", channel_id, now, detail)
            return count


async def _channel(conn: AsyncConnection, channel_id: str) -> Any:
    row = (
        await conn.execute(
            select(t.channels).where(t.channels.c.id == channel_id, t.channels.c.kind == "channel")
        )
    ).first()
    if row is None:
        raise InvalidChange(f"no channel with id '{channel_id}'")
    return row


async def _known_categories(conn: AsyncConnection, slugs: Sequence[str]) -> None:
    if not slugs:
        return
    known = set(
        (
            await conn.execute(
                select(t.categories.c.slug).where(t.categories.c.slug.in_(list(slugs)))
            )
        ).scalars()
    )
    for slug in slugs:
        if slug not in known:
            every = ", ".join(sorted((await conn.execute(select(t.categories.c.slug))).scalars()))
            raise InvalidChange(f"unknown category '{slug}' (defined: {every or 'none'})")


def _route_detail(route: Route, route_id: int | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"id": route_id if route_id is not None else route.id}
    for name in ("categories", "sources", "include", "exclude"):
        if getattr(route, name):
            detail[name] = list(getattr(route, name))
    return detail

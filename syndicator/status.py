"""Status (I/O): the service at a glance for `syndicator status`, as tables or JSON.

Read-only, from the database alone (so it works beside a running service, or on a
replica's database): the schema (current, or migrations pending), every source (ok, or in
error with its last error), the articles stored in the last hour and day, the deliveries
of each channel by state with the oldest pending one's age, paused or held channels, and
the last posts. Nothing is migrated: a database behind the code is reported, not changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.errors import StoreError
from syndicator.model import SUBSCRIBER_PREFIX, DeliveryState, Source, SourceState
from syndicator.readiness import problem
from syndicator.store import Store, migrate
from syndicator.store.reports import ChannelReport, DeliveryRow

STATES = tuple(s.value for s in DeliveryState)
LAST_POSTS = 5


@dataclass(frozen=True)
class SourceStatus:
    source: Source
    state: SourceState
    enabled: bool

    @property
    def ok(self) -> bool:
        return self.state.error_count == 0


@dataclass(frozen=True)
class Status:
    now: datetime
    schema: str | None  # the database's migration
    head: str | None  # the newest this version knows
    sources: tuple[SourceStatus, ...] = ()
    articles_hour: int = 0
    articles_day: int = 0
    channels: tuple[ChannelReport, ...] = ()  # the operators' channels
    subscribers: tuple[ChannelReport, ...] = ()  # the private chats of subscribers
    last_posts: tuple[DeliveryRow, ...] = ()
    unreadable: str | None = None  # why the tables could not be read (an old schema)

    @property
    def pending(self) -> bool:
        return self.schema != self.head


async def gather(store: Store, engine: AsyncEngine, now: datetime) -> Status:
    """Everything `syndicator status` shows; StoreError when the database is unreachable."""
    try:
        schema = await migrate.revision(engine)
    except Exception as exc:
        raise StoreError(f"database unreachable: {problem(exc)}") from None
    head = migrate.head()
    try:
        enabled = {s.id for s in await store.registry.sources()}
        states = await store.registry.states()
        sources = tuple(
            SourceStatus(s, states.get(s.id, SourceState(s.id)), s.id in enabled)
            for s in await store.registry.sources(enabled_only=False)
        )
        hour, day = await store.reports.articles_stored(
            now - timedelta(hours=1), now - timedelta(days=1)
        )
        reports = await store.reports.channels()
        posts = await store.reports.deliveries(DeliveryState.SENT, limit=LAST_POSTS)
    except Exception as exc:  # a schema too old (or none) for these queries
        return Status(now, schema, head, unreadable=problem(exc))
    channels = tuple(r for r in reports if not r.channel_id.startswith(SUBSCRIBER_PREFIX))
    people = tuple(r for r in reports if r.channel_id.startswith(SUBSCRIBER_PREFIX))
    return Status(now, schema, head, sources, hour, day, channels, people, tuple(posts))


def channel_state(report: ChannelReport, now: datetime) -> str:
    if not report.enabled:
        return "disabled"
    if report.paused_reason:
        return f"paused: {report.paused_reason}"
    if report.not_before is not None and report.not_before > now:
        return f"flood control until {_when(report.not_before)}"
    return "ok"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _age(report: ChannelReport, now: datetime) -> float | None:
    if report.oldest_pending is None:
        return None
    return max(0.0, (now - report.oldest_pending).total_seconds())


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _schema_line(status: Status) -> Text:
    if not status.pending:
        return Text(f"schema: {status.schema} (current)", style="green")
    return Text(
        f"schema: {status.schema or 'none'}, this version needs {status.head}:"
        " migrations pending, run `syndicator db upgrade`",
        style="bold red",
    )


def render(status: Status) -> Group:
    """The terminal summary (rich)."""
    now, parts = status.now, [_schema_line(status)]
    if status.unreadable is not None:
        parts.append(Text(f"tables not readable: {status.unreadable}", style="red"))
        return Group(*parts)
    failing = sum(1 for s in status.sources if s.enabled and not s.ok)
    parts.append(
        Text(
            f"sources: {len(status.sources)}, {failing} in error · articles stored:"
            f" {status.articles_hour} in the last hour, {status.articles_day} in the last day"
        )
    )
    paused = [c.channel_id for c in status.channels if c.enabled and c.paused_reason]
    if paused:
        parts.append(Text(f"channels paused: {', '.join(paused)}", style="bold red"))
    sources = Table(
        "source", "kind", "state", "last success", "errors", "last error",
        title="sources", title_justify="left",
    )  # fmt: skip
    for s in status.sources:
        state = "disabled" if not s.enabled else "ok" if s.ok else "error"
        sources.add_row(
            s.source.id, s.source.kind, state, _when(s.state.last_success_at),
            str(s.state.error_count), s.state.last_error or "",
        )  # fmt: skip
    channels = Table(
        "channel", *STATES, "queue age", "state", title="deliveries (posts)", title_justify="left"
    )
    for c in status.channels:
        channels.add_row(
            c.channel_id, *(str(c.posts.get(state, 0)) for state in STATES),
            _duration(_age(c, now)), channel_state(c, now),
        )  # fmt: skip
    if status.subscribers:
        people = _subscribers(status)
        channels.add_row(
            f"subscribers ({people['chats']})", *(str(people["posts"][s]) for s in STATES),
            _duration(people["queue_age"]), f"{people['paused']} paused",
        )  # fmt: skip
    posts = Table("sent (UTC)", "channel", "article", title="last posts", title_justify="left")
    for p in status.last_posts:
        posts.add_row(_when(p.updated_at), p.channel_id, f"{p.article_id} {p.title}")
    return Group(*parts, sources, channels, posts)


def _subscribers(status: Status) -> dict[str, Any]:
    """The private chats of subscribers, added up (one row, no user ids)."""
    people = status.subscribers
    ages = [a for c in people if c.enabled and (a := _age(c, status.now)) is not None]
    return {
        "chats": len(people),
        "posts": {state: sum(c.posts.get(state, 0) for c in people) for state in STATES},
        "queue_age": max(ages, default=None),
        "paused": sum(1 for c in people if c.paused_reason),
    }


def as_json(status: Status) -> dict[str, Any]:
    """The stable JSON shape of `syndicator status --json`."""
    now = status.now
    everyone = (*status.channels, *status.subscribers)
    totals = {state: sum(c.posts.get(state, 0) for c in everyone) for state in STATES}
    ages = [a for c in everyone if c.enabled and (a := _age(c, now)) is not None]
    return {
        "time": now.isoformat(),
        "schema": {"current": status.schema, "newest": status.head, "pending": status.pending},
        "unreadable": status.unreadable,
        "sources": [
            {
                "id": s.source.id,
                "kind": s.source.kind,
                "enabled": s.enabled,
                "ok": s.ok,
                "last_success_at": _iso(s.state.last_success_at),
                "error_count": s.state.error_count,
                "last_error": s.state.last_error,
            }
            for s in status.sources
        ],
        "articles": {"last_hour": status.articles_hour, "last_day": status.articles_day},
        "deliveries": {"by_state": totals, "queue_age": max(ages, default=None)},
        "channels_paused": [c.channel_id for c in status.channels if c.paused_reason],
        "channels": [
            {
                "id": c.channel_id,
                "enabled": c.enabled,
                "posts": {state: c.posts.get(state, 0) for state in STATES},
                "queue_age": _age(c, now),
                "state": channel_state(c, now),
                "paused": c.paused_reason is not None,
            }
            for c in status.channels
        ],
        "subscribers": _subscribers(status),
        "last_posts": [
            {
                "channel": p.channel_id,
                "article": p.article_id,
                "title": p.title,
                "sent_at": _iso(p.updated_at),
                "message_id": p.message_id,
            }
            for p in status.last_posts
        ],
    }

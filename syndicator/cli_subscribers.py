"""Command line for people and history: subscribers, retries, the audit log.

    syndicator subscribers list|add|remove
    syndicator deliveries retry CHANNEL [--state unknown|failed]
    syndicator audit [--actor A] [--since 24h|2026-11-29] [--action channel] [--json]

Changes are audited like the bot's (the system user, `cli`); see `syndicator.cli_registry`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from syndicator.app import App
from syndicator.cli_registry import (
    Json,
    Many,
    Runner,
    actor,
    fail,
    lines,
    now,
    on_store,
)
from syndicator.config import parse_duration
from syndicator.errors import InvalidChange
from syndicator.model import DeliveryState

err = Console(stderr=True, soft_wrap=True)


def install(cli: typer.Typer, deliveries: typer.Typer, run: Runner[Any]) -> None:
    people = typer.Typer(help="People who get alerts in a private chat.", no_args_is_help=True)
    cli.add_typer(people, name="subscribers")

    def store_run(ctx: typer.Context, body: Any) -> Any:
        return on_store(run, ctx, body)

    # -- subscribers ------------------------------------------------------------------

    @people.command("list")
    def subscribers_list(ctx: typer.Context, as_json: Json = False) -> None:
        """Everyone who used /start, with their categories and alerts."""
        found = store_run(ctx, lambda app: app.store.subscribers.all())
        if as_json:
            lines([{"user_id": s.user_id, "active": s.active, "mode": s.mode,
                     "language": s.language, "categories": list(s.categories),
                     "alerts": list(s.alerts)} for s in found])  # fmt: skip
            return
        table = Table("user", "active", "mode", "categories", "alerts")
        for s in found:
            table.add_row(
                str(s.user_id), "yes" if s.active else "no", s.mode, ", ".join(s.categories),
                ", ".join(s.alerts),
            )  # fmt: skip
        Console().print(table)

    @people.command("add")
    def subscribers_add(
        ctx: typer.Context,
        user_id: Annotated[int, typer.Argument(help="The person's Telegram user id.")],
        category: Many = None,
        alert: Many = None,
        digest: Annotated[bool, typer.Option(help="One digest a day.")] = False,
    ) -> None:
        """Subscribe someone (they must have started a chat with the bot to receive it)."""

        async def body(app: App) -> None:
            store, by, limit = app.store, actor(), app.settings.file.subscribers.max_alerts
            known = {c.slug for c in await store.registry.categories()}
            for slug in category or []:
                if slug not in known:
                    raise InvalidChange(f"unknown category '{slug}'")
            await store.subscribers.start(user_id, by, now())
            if category:
                await store.subscribers.set_categories(user_id, category, by, now())
            await store.subscribers.set_mode(user_id, "digest" if digest else "instant", by, now())
            for keyword in alert or []:
                await store.subscribers.add_alert(user_id, keyword, limit, by, now())

        store_run(ctx, body)
        err.print(f"subscriber {user_id} added", highlight=False)

    @people.command("remove")
    def subscribers_remove(
        ctx: typer.Context, user_id: Annotated[int, typer.Argument(help="The user id.")]
    ) -> None:
        """Unsubscribe someone (nothing more is sent to them)."""
        if not store_run(ctx, lambda app: app.store.subscribers.stop(user_id, actor(), now())):
            fail(f"no active subscriber {user_id}")
        err.print(f"subscriber {user_id} removed", highlight=False)

    # -- deliveries and audit ---------------------------------------------------------

    @deliveries.command("retry")
    def deliveries_retry(
        ctx: typer.Context,
        channel: Annotated[str, typer.Argument(help="The channel id.")],
        state: Annotated[
            list[DeliveryState] | None,
            typer.Option(help="unknown and/or failed (default: both).", show_default=False),
        ] = None,
    ) -> None:
        """Send again the posts of a channel that ended unknown or failed (check the chat
        first: an unknown post may already be there)."""
        states = state or [DeliveryState.UNKNOWN, DeliveryState.FAILED]
        count = store_run(ctx, lambda app: app.store.edits.retry(channel, states, actor(), now()))
        err.print(f"{count} deliveries of {channel} are pending again", highlight=False)

    @cli.command("audit")
    def audit(
        ctx: typer.Context,
        who: Annotated[str | None, typer.Option("--actor", help="e.g. tg:12345 or a user.")] = None,
        since: Annotated[
            str | None,
            typer.Option(help="A date (2026-11-29) or how long ago (24h, 7d).", show_default=False),
        ] = None,
        action: Annotated[str | None, typer.Option(help="e.g. channel, route.add, denied.")] = None,
        limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 100,
        as_json: Json = False,
    ) -> None:
        """Who changed what, when and from where (bot, cli, file), newest first."""
        after = since_time(since)
        found = store_run(
            ctx,
            lambda app: app.store.audit.entries(actor=who, since=after, action=action, limit=limit),
        )
        if as_json:
            lines([{"at": e.at.isoformat(), "actor": e.actor, "via": e.via, "action": e.action,
                     "target": e.target, "detail": dict(e.detail)} for e in found])  # fmt: skip
            return
        table = Table("at (UTC)", "actor", "via", "action", "target", "detail")
        for e in found:
            detail = json.dumps(dict(e.detail), ensure_ascii=False) if e.detail else ""
            table.add_row(
                e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.via, e.action, e.target, detail
            )
        Console().print(table)


def since_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return now() - timedelta(seconds=int(parse_duration(value)))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is neither a date nor a duration") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

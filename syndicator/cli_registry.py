"""Command line for the registry: the bot's powers from a terminal.

    syndicator sources add|remove|import FILE.opml|export
    syndicator channels list|add|remove
    syndicator routes list|add|remove

(subscribers, retries and the audit log: `syndicator.cli_subscribers`).

Every change is made in the store (the source of truth once applied) with an audit entry
naming the system user and `cli`; a running service picks it up within seconds. The config
file is not rewritten: `syndicator config export` writes the store back as TOML.
`install` adds these commands to the main `cli` (see `syndicator.cli`).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from syndicator import netguard
from syndicator.app import App
from syndicator.config import ChannelConfig, Settings, SourceConfig, channel_options
from syndicator.declared import check, describe
from syndicator.errors import InvalidChange
from syndicator.model import Actor, Channel, Route, Source
from syndicator.sourcelist import from_opml, to_opml

T = TypeVar("T")
Runner = Callable[[typer.Context, Callable[[Settings], Coroutine[Any, Any, T]]], T]
err = Console(stderr=True, soft_wrap=True)
Many = Annotated[list[str] | None, typer.Option(show_default=False)]


def actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(who, "cli")


def now() -> datetime:
    return datetime.now(UTC)


async def _screened(app: App, url: str) -> str | None:
    """Said when the source is added, not at its first poll: why the collector would refuse
    to connect to `url` (a private address not in `[fetch] allow_networks`), or None."""
    refused = await netguard.screen(url, app.settings.file.fetch.allow_networks)
    return None if refused is None else f"{url}: {refused}"


def on_store(
    run: Runner[Any], ctx: typer.Context, body: Callable[[App], Coroutine[Any, Any, T]]
) -> T:
    """Run `body` on the store of the `--config` file (migrated, the file not applied)."""

    async def inner(settings: Settings) -> T:
        async with App(settings, dry_run=True) as app:
            await app.prepare(apply=False)
            return await body(app)

    result: T = run(ctx, inner)
    return result


def install(cli: typer.Typer, sources: typer.Typer, run: Runner[Any]) -> None:
    """Add the registry commands to the command line; `run` loads settings and runs."""
    channels = typer.Typer(help="Telegram channels: list, add, remove.", no_args_is_help=True)
    routes = typer.Typer(help="Which articles each channel receives.", no_args_is_help=True)
    cli.add_typer(channels, name="channels")
    cli.add_typer(routes, name="routes")

    def store_run(ctx: typer.Context, body: Callable[[App], Coroutine[Any, Any, T]]) -> T:
        return on_store(run, ctx, body)

    # -- sources ----------------------------------------------------------------------

    @sources.command("add")
    def sources_add(
        ctx: typer.Context,
        source_id: Annotated[str, typer.Argument(metavar="ID")],
        url: Annotated[str, typer.Argument(help="The feed, site, sitemap or listing page.")],
        name: Annotated[str | None, typer.Option(help="Shown in messages (default: ID).")] = None,
        kind: Annotated[str, typer.Option(help="feed, wordpress, sitemap or html.")] = "feed",
        category: Many = None,
        interval: Annotated[str, typer.Option(help="Starting poll interval.")] = "10m",
    ) -> None:
        """Add a source (or update and enable one)."""
        fields = {"id": source_id, "name": name or source_id, "url": url, "kind": kind,
                  "categories": category or [], "interval": interval}  # fmt: skip

        async def body(app: App) -> bool:
            c = check(SourceConfig, fields)
            source = Source(c.id, c.name, str(c.url), c.kind, c.categories, c.interval)
            if (refused := await _screened(app, source.url)) is not None:
                raise InvalidChange(refused)
            return await app.store.edits.add_source(source, actor(), now())

        new = store_run(ctx, body)
        err.print(f"source {source_id} {'added' if new else 'updated'}", highlight=False)

    @sources.command("remove")
    def sources_remove(
        ctx: typer.Context, source_id: Annotated[str, typer.Argument(metavar="ID")]
    ) -> None:
        """Disable a source (its articles stay)."""
        if not store_run(ctx, lambda app: app.store.edits.remove_source(source_id, actor(), now())):
            fail(f"no enabled source with id '{source_id}'")
        err.print(f"source {source_id} disabled", highlight=False)

    @sources.command("import")
    def sources_import(
        ctx: typer.Context, file: Annotated[Path, typer.Argument(help="An OPML file.")]
    ) -> None:
        """Add every feed an OPML file lists (categories that are not defined are dropped)."""
        data = _read(file)

        async def body(app: App) -> list[str]:
            registry = app.store.registry
            taken = [s.id for s in await registry.sources(enabled_only=False)]
            known = {c.slug for c in await registry.categories()}
            done = []
            for source in from_opml(data, taken):
                unknown = [c for c in source.categories if c not in known]
                if unknown:
                    err.print(f"{source.id}: unknown categories dropped: {', '.join(unknown)}")
                fields = {"id": source.id, "name": source.name, "url": source.url,
                          "kind": source.kind,
                          "categories": [c for c in source.categories if c in known]}  # fmt: skip
                c = check(SourceConfig, fields)
                made = Source(c.id, c.name, str(c.url), c.kind, c.categories, c.interval)
                if (refused := await _screened(app, made.url)) is not None:
                    err.print(f"{made.id}: not imported: {refused}", markup=False)
                    continue
                await app.store.edits.add_source(made, actor(), now())
                done.append(made.id)
            return done

        done = store_run(ctx, body)
        err.print(f"imported {len(done)} sources: {', '.join(done) or '-'}", highlight=False)

    @sources.command("export")
    def sources_export(
        ctx: typer.Context,
        output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    ) -> None:
        """Write the enabled sources as OPML (stdout by default)."""

        async def body(app: App) -> bytes:
            return to_opml(await app.store.registry.sources(), app.settings.file.feeds.title)

        _write(store_run(ctx, body), output)

    # -- channels ---------------------------------------------------------------------

    @channels.command("list")
    def channels_list(ctx: typer.Context, as_json: Json = False) -> None:
        """Enabled channels with their chat, options and routes."""

        async def body(app: App) -> tuple[list[Channel], list[Route], dict[str, str | None]]:
            states = await app.store.chats.states()
            paused = {c: s.paused_reason for c, s in states.items()}
            routes = await app.store.registry.routes()
            return await app.store.registry.channels(), routes, paused

        found, every, paused = store_run(ctx, body)
        if as_json:
            lines([
                {"id": c.id, "chat_id": c.chat_id, "options": dict(c.options),
                 "paused": paused.get(c.id),
                 "routes": [describe(r) for r in every if r.channel_id == c.id]}
                for c in found
            ])  # fmt: skip
            return
        table = Table("id", "chat", "routes", "options", "paused")
        for c in found:
            options = " ".join(f"{k}={v}" for k, v in c.options.items())
            shown = "\n".join(describe(r) for r in every if r.channel_id == c.id)
            table.add_row(c.id, c.chat_id, shown, options, paused.get(c.id) or "")
        Console().print(table)

    @channels.command("add")
    def channels_add(
        ctx: typer.Context,
        channel_id: Annotated[str, typer.Argument(metavar="ID")],
        chat_id: Annotated[str, typer.Argument(help="Numeric id (-100…) or @name.")],
        category: Many = None,
        option: Annotated[
            list[str] | None,
            typer.Option(
                "--set", help="A channel option, key=value (repeatable).", show_default=False
            ),
        ] = None,
    ) -> None:
        """Add a channel (or update one: its options are replaced). The bot must be an
        administrator allowed to post there; the bot's /addchannel checks that."""
        options = dict(_pair(item) for item in option or [])

        async def body(app: App) -> bool:
            config = check(ChannelConfig, {"id": channel_id, "chat_id": chat_id, **options})
            made = Channel(
                config.id, config.chat_id, tuple(category or ()), channel_options(config)
            )
            return await app.store.edits.add_channel(made, actor(), now())

        new = store_run(ctx, body)
        err.print(f"channel {channel_id} {'added' if new else 'updated'}", highlight=False)

    @channels.command("remove")
    def channels_remove(
        ctx: typer.Context, channel_id: Annotated[str, typer.Argument(metavar="ID")]
    ) -> None:
        """Disable a channel (its delivery history stays)."""
        if not store_run(
            ctx, lambda app: app.store.edits.remove_channel(channel_id, actor(), now())
        ):
            fail(f"no enabled channel with id '{channel_id}'")
        err.print(f"channel {channel_id} disabled", highlight=False)

    # -- routes -----------------------------------------------------------------------

    @routes.command("list")
    def routes_list(
        ctx: typer.Context,
        channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
        as_json: Json = False,
    ) -> None:
        """Routes of the enabled channels, with their ids (for `routes remove`)."""
        found = store_run(ctx, lambda app: app.store.registry.routes(channel))
        if as_json:
            lines([{"id": r.id, "channel": r.channel_id, "categories": list(r.categories),
                     "sources": list(r.sources), "include": list(r.include),
                     "exclude": list(r.exclude)} for r in found])  # fmt: skip
            return
        table = Table("id", "route")
        for route in found:
            table.add_row(str(route.id), describe(route))
        Console().print(table)

    @routes.command("add")
    def routes_add(
        ctx: typer.Context,
        channel: Annotated[str, typer.Argument(help="The channel id.")],
        category: Many = None,
        source: Many = None,
        include: Many = None,
        exclude: Many = None,
    ) -> None:
        """Add a route: articles of one of the categories or sources (any when neither is
        given), with one of the include keywords and none of the exclude keywords."""
        route = Route(
            channel, tuple(category or ()), tuple(source or ()), tuple(include or ()),
            tuple(exclude or ()),
        )  # fmt: skip
        route_id = store_run(ctx, lambda app: app.store.edits.add_route(route, actor(), now()))
        err.print(f"route {route_id} added: {describe(route)}", highlight=False)

    @routes.command("remove")
    def routes_remove(
        ctx: typer.Context, route_id: Annotated[int, typer.Argument(metavar="ID")]
    ) -> None:
        """Remove a route (ids: `routes list`)."""
        gone = store_run(ctx, lambda app: app.store.edits.remove_route(route_id, actor(), now()))
        if gone is None:
            fail(f"no route with id {route_id}")
            return
        err.print(f"route {route_id} removed: {describe(gone)}", highlight=False)


Json = Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")]


def _pair(item: str) -> tuple[str, Any]:
    key, sep, value = item.partition("=")
    if not sep:
        raise typer.BadParameter(f"expected key=value, got '{item}'")
    parsed: Any = value
    if value.lower() in ("true", "false", "on", "off"):
        parsed = value.lower() in ("true", "on")
    elif "," in value and key.strip() == "digest_at":
        parsed = [v.strip() for v in value.split(",")]
    elif key.strip() == "digest_at":
        parsed = [value]
    return key.strip(), parsed


def lines(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read(file: Path) -> bytes:
    try:
        return sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        fail(f"{file}: cannot read: {exc.strerror}")
        raise AssertionError("unreachable") from None


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)
        err.print(f"wrote {output}", highlight=False)


def fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)

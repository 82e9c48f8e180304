"""Command line: `syndicator [--config FILE] COMMAND`.

Each command builds the app from the config file through the composition root and runs one
part of it. Errors that an operator can fix (config, database, busy port) are printed as
one line on stderr with exit status 2 (config) or 1 (other), never as a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from syndicator import cli_config, cli_registry, cli_subscribers, logs
from syndicator.app import App, Summarizers
from syndicator.config import (
    CONFIG_ENV,
    TOKEN_ENV,
    Settings,
    SummarizeConfig,
    config_path,
    load_settings,
)
from syndicator.discover import suggest
from syndicator.errors import ConfigError, SyndicatorError
from syndicator.model import Article, DeliveryState, Source, SourceState
from syndicator.sources.probe import probe
from syndicator.store import migrate
from syndicator.store.reports import ChannelReport, DeliveryRow
from syndicator.summarize.budget import Budget
from syndicator.summarize.stream import summarize_lines
from syndicator.workqueue import install_schema

T = TypeVar("T")

cli = typer.Typer(
    help="Collect Arabic news, build category feeds, push summaries to Telegram.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database maintenance.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
sources_cli = typer.Typer(
    help="News sources: their state, and discovering new ones.", no_args_is_help=True
)
cli.add_typer(sources_cli, name="sources")
feeds_cli = typer.Typer(help="Feeds: a static copy for nginx or a CDN.", no_args_is_help=True)
cli.add_typer(feeds_cli, name="feeds")
deliveries_cli = typer.Typer(
    help="Telegram deliveries: counts per channel (no command), listings, paused channels."
)
cli.add_typer(deliveries_cli, name="deliveries")
err = Console(stderr=True, soft_wrap=True)


class State:
    def __init__(self, config: Path | None, log_level: str | None = None) -> None:
        self.config = config
        self.log_level = log_level

    def settings(self) -> Settings:
        return self.configure_logging(load_settings(config_path(self.config)))

    def configure_logging(self, settings: Settings) -> Settings:
        """Log as the file's `[logging]` says (`--log-level` wins), its secrets blanked."""
        section = settings.file.logging
        secrets = (settings.telegram_token, settings.llm_api_key)
        logs.configure(
            self.log_level or section.level,
            section.format,
            secrets=[secret.get_secret_value() for secret in secrets if secret is not None],
        )
        return settings

    def optional_settings(self) -> Settings | None:
        """The settings, or None when no file was named and there is no syndicator.toml."""
        path = config_path(self.config)
        if self.config is None and not os.environ.get(CONFIG_ENV) and not path.exists():
            return None
        return self.configure_logging(load_settings(path))


@cli.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file (default: $SYNDICATOR_CONFIG or syndicator.toml).",
            show_default=False,
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(help="DEBUG, INFO, WARNING or ERROR (default: [logging] level, else INFO)."),
    ] = None,
) -> None:
    # Until the config file is read (then its `[logging]` applies): text, the token blanked.
    logs.configure(log_level or "INFO", secrets=[os.environ.get(TOKEN_ENV, "").strip()])
    ctx.obj = State(config, log_level)


@contextlib.contextmanager
def operator_errors() -> Iterator[None]:
    """Turn errors an operator can fix into one clear line on stderr and an exit status."""
    try:
        yield
    except ConfigError as exc:
        err.print(f"[bold red]config error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except SyndicatorError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


def _run(ctx: typer.Context, body: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Load settings and run `body` in a new event loop."""
    state: State = ctx.obj
    with operator_errors():
        return asyncio.run(body(state.settings()))
    raise AssertionError("unreachable")  # pragma: no cover


async def run_until_signalled(work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `work(stop)`; SIGINT or SIGTERM sets `stop` so every part can finish cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await work(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@cli.command()
def run(
    ctx: typer.Context,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the feeds over HTTP too.")
    ] = True,
) -> None:
    """Run everything in one process: scheduler, collector, dispatcher and feed server.

    With `[jobs] backend = "procrastinate"` this is one replica of many: its scheduler
    defers polls and its worker runs polls and sends from the shared queue."""

    async def body(settings: Settings) -> None:
        async with App(settings) as app:
            await run_until_signalled(lambda stop: app.run(stop, serve=serve))

    _run(ctx, body)


@cli.command()
def serve(ctx: typer.Context) -> None:
    """Serve the feeds and the index page over HTTP only."""

    async def body(settings: Settings) -> None:
        async with App(settings) as app:
            await run_until_signalled(lambda stop: app.run(stop, collect=False, dispatch=False))

    _run(ctx, body)


@cli.command()
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """The service at a glance: schema, sources, recent articles, deliveries by state and
    queue age, paused channels, last posts (read-only: nothing is migrated)."""
    from syndicator.status import Status, gather, render
    from syndicator.status import as_json as status_json

    async def body(settings: Settings) -> Status:
        async with App(settings) as app:
            return await gather(app.store, app.engine, datetime.now(UTC))

    found = _run(ctx, body)
    if as_json:
        sys.stdout.write(json.dumps(status_json(found), ensure_ascii=False) + "\n")
        return
    Console().print(render(found))


@cli.command()
def collect(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Only this source id.")] = None,
) -> None:
    """One collection pass over every source (or one), then exit."""

    async def body(settings: Settings) -> None:
        async with App(settings) as app:
            await app.prepare()
            results = await app.collect(source)
        table = Table("source", "fetched", "new", "duplicates", "status")
        for r in results:
            status = r.error or ("not modified" if r.not_modified else "ok")
            table.add_row(r.source_id, str(r.fetched), str(r.new), str(r.duplicates), status)
        Console(stderr=True).print(table)
        if results and all(r.error for r in results):
            raise SyndicatorError("every source failed")

    _run(ctx, body)


@cli.command()
def articles(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    category: Annotated[str | None, typer.Option(help="Only this category slug.")] = None,
) -> None:
    """List stored articles, newest first."""

    async def body(settings: Settings) -> list[Article]:
        async with App(settings) as app:
            await app.prepare()
            return await app.store.articles.recent(category, limit, one_per_story=False)

    found = _run(ctx, body)
    if as_json:
        for article in found:
            sys.stdout.write(json.dumps(article_json(article), ensure_ascii=False) + "\n")
        return
    table = Table("id", "published (UTC)", "source", "categories", "title")
    for a in found:
        table.add_row(
            str(a.id), a.published.strftime("%Y-%m-%d %H:%M"), a.source_id,
            ", ".join(a.categories), a.title,
        )  # fmt: skip
    Console().print(table)


def article_json(article: Article) -> dict[str, Any]:
    """The stable JSON shape of an article for `articles --json`."""
    return {
        "id": article.id,
        "source": article.source_id,
        "url": article.url,
        "title": article.title,
        "text": article.text,
        "summary": article.summary,
        "categories": list(article.categories),
        "published": article.published.isoformat(),
        "updated": article.updated.isoformat(),
        "image": article.image,
        "author": article.author,
        "cluster": article.cluster_id,
        "revision": article.revision,
    }


@cli.command()
def dispatch(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
) -> None:
    """Deliver pending Telegram messages (dry-run without TELEGRAM_BOT_TOKEN)."""

    async def body(settings: Settings) -> None:
        async with App(settings) as app:
            if once:
                await app.prepare()
                outcomes = await app.dispatch_once()
                for item in app.interrupted:
                    err.print(
                        f"interrupted while sending, outcome unknown (not sent again): delivery"
                        f" {item.id}, {item.kind.value} of article {item.article_id}"
                        f" «{item.title}» to {item.channel_id}",
                        highlight=False,
                    )
                summary = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
                err.print(f"dispatched: {summary or 'nothing was due'}", highlight=False)
            else:
                await run_until_signalled(lambda stop: app.run(stop, collect=False, serve=False))

    _run(ctx, body)


@cli.command()
def summarize(
    ctx: typer.Context,
    budget: Annotated[
        Budget, typer.Option(help="short: one sentence for alerts; standard: up to three.")
    ] = Budget.STANDARD,
    backend: Annotated[
        str | None,
        typer.Option(
            help="extractive or llm (default: the config's summarize.backend, else extractive).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Summarize JSON lines {"id", "title", "text"} from stdin to {"id", "summary"} on stdout.

    Works without a config file (extractive); the llm backend needs summarize.llm in it.
    """
    state: State = ctx.obj

    async def body() -> None:
        settings = state.optional_settings()
        config = settings.file.summarize if settings else SummarizeConfig()
        backends = Summarizers(config, settings.llm_api_key if settings else None)
        try:
            await summarize_lines(
                backends.get(backend or config.backend),
                budget,
                lambda: asyncio.to_thread(sys.stdin.buffer.readline),
                _write_out,
            )
        finally:
            await backends.aclose()

    with operator_errors():
        asyncio.run(body())


def _write_out(data: bytes) -> None:
    """Bytes straight to stdout, flushed: UTF-8 whatever the locale, and seen line by line."""
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@cli.command()
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port of the feed server.")] = 8080,
) -> None:
    """The whole flow offline: bundled sample site, feeds on PORT, dry-run Telegram."""
    from syndicator.demo.runner import run_demo

    with operator_errors():
        asyncio.run(run_until_signalled(lambda stop: run_demo(stop, port=port)))


@sources_cli.command("list")
def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """Every source with its polling state: last success, last error, next poll."""

    async def body(settings: Settings) -> list[tuple[Source, SourceState]]:
        async with App(settings) as app:
            await app.prepare()
            states = await app.store.registry.states()
            return [
                (s, states.get(s.id, SourceState(s.id)))
                for s in await app.store.registry.sources(enabled_only=False)
            ]

    rows = _run(ctx, body)
    if as_json:
        for source, state in rows:
            sys.stdout.write(json.dumps(source_json(source, state), ensure_ascii=False) + "\n")
        return
    table = Table("id", "kind", "last success", "errors", "next poll", "last error")
    for source, state in rows:
        table.add_row(
            source.id, source.kind, _when(state.last_success_at), str(state.error_count),
            _when(state.next_poll_at), state.last_error or "",
        )  # fmt: skip
    Console().print(table)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def source_json(source: Source, state: SourceState) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": source.id,
        "name": source.name,
        "url": source.url,
        "kind": source.kind,
        "interval": source.interval,
        "last_polled_at": iso(state.last_polled_at),
        "last_success_at": iso(state.last_success_at),
        "last_error": state.last_error,
        "error_count": state.error_count,
        "next_poll_at": iso(state.next_poll_at),
    }


@sources_cli.command("discover")
def sources_discover(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="A news site's address.")],
    source_id: Annotated[str | None, typer.Option("--id", help="Id for the entry.")] = None,
) -> None:
    """Find a site's feeds, WordPress API and sitemaps; print a ready [[sources]] entry."""

    async def body(settings: Settings) -> str:
        async with App(settings) as app:
            found = await probe(url, app.fetcher)
        for feed in found.feeds:
            err.print(f"feed: {feed.url} ({feed.type}) {feed.title}", highlight=False)
        if found.wordpress_api:
            err.print(f"wordpress: {found.wordpress_api}", highlight=False)
        for sitemap in found.sitemaps:
            err.print(f"sitemap: {sitemap}", highlight=False)
        return suggest(found, source_id=source_id)

    sys.stdout.write(_run(ctx, body))


@feeds_cli.command("export")
def feeds_export(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Where to write (created if missing).")],
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Public address of the copy (default: http.public_url).", show_default=False
        ),
    ] = None,
) -> None:
    """Write every feed (all formats, archives), the OPML and the pages as static files.

    The layout matches the server's URLs (DIR/feeds/{slug}.rss, DIR/c/{slug}/index.html,
    DIR/index.html, DIR/feeds.opml; see docs/feeds.md). The files are replaced together
    once all are written: an export that fails (disk full) leaves the previous one in place.
    """
    from feeds.export import export

    async def body(settings: Settings) -> str:
        async with App(settings) as app:
            await app.prepare()
            try:
                done = await export(app.feed_catalog(base_url), directory)
            except OSError as exc:  # the disk is full, a size limit, no permission
                why = exc.strerror or str(exc)
                where = f" (writing {exc.filename})" if exc.filename else ""
                raise SyndicatorError(
                    f"export to {directory} failed: {why}{where}; no file was replaced,"
                    " the previous export stays in place"
                ) from None
        return (
            f"exported {done.total} files to {directory}"
            f" ({done.written} written, {done.unchanged} unchanged)"
        )

    err.print(_run(ctx, body), highlight=False)


@deliveries_cli.callback(invoke_without_command=True)
def deliveries(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """Per channel: deliveries in each state, corrections edited, the oldest pending one's
    age, and whether the channel is paused or held by flood control."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.report import channel_json, channels_table

    async def body(settings: Settings) -> list[ChannelReport]:
        async with App(settings) as app:
            await app.prepare()
            return await app.store.reports.channels()

    reports, now = _run(ctx, body), datetime.now(UTC)
    if as_json:
        for report in reports:
            sys.stdout.write(json.dumps(channel_json(report, now), ensure_ascii=False) + "\n")
        return
    Console().print(channels_table(reports, now))


@deliveries_cli.command("list")
def deliveries_list(
    ctx: typer.Context,
    state: Annotated[DeliveryState, typer.Option(help="Which state.")] = DeliveryState.UNKNOWN,
    channel: Annotated[str | None, typer.Option(help="Only this channel id.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """Deliveries in one state; `unknown` ones may or may not be in their chat (check them)."""
    from bot.report import deliveries_table, delivery_json

    async def body(settings: Settings) -> list[DeliveryRow]:
        async with App(settings) as app:
            await app.prepare()
            return await app.store.reports.deliveries(state, channel_id=channel, limit=limit)

    rows = _run(ctx, body)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(delivery_json(row), ensure_ascii=False) + "\n")
        return
    Console().print(deliveries_table(rows))


@deliveries_cli.command("resume")
def deliveries_resume(
    ctx: typer.Context, channel: Annotated[str, typer.Argument(help="The channel id.")]
) -> None:
    """Deliver again to a channel paused because the bot could not post there."""

    async def body(settings: Settings) -> bool:
        async with App(settings) as app:
            await app.prepare()
            return await app.store.chats.resume(channel)

    if not _run(ctx, body):
        err.print(f"[bold red]error:[/] no channel with id '{channel}'", highlight=False)
        raise typer.Exit(1)
    err.print(f"channel {channel} resumed; its waiting posts follow its backlog policy")


@db_cli.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the database schema to the newest version."""
    state: State = ctx.find_object(State) or State(None)
    with operator_errors():
        settings = state.settings()
        migrate.upgrade(settings.file.database.url)
        if settings.file.jobs.backend == "procrastinate":
            install_schema(settings.file.database.url)  # the job queue's tables, once
    err.print(f"database is at the newest schema: {settings.file.database.url}", highlight=False)


# The registry (sources, channels, routes, subscribers, audit) and the config file as a
# declaration: docs/operators.md.
cli_registry.install(cli, sources_cli, _run)
cli_subscribers.install(cli, deliveries_cli, _run)
cli_config.install(cli, _run)


def main() -> None:
    cli()

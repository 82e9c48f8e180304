"""Command line: `syndicator [--config FILE] COMMAND`.

Each command builds the app from the config file through the composition root and runs one
part of it. Errors that an operator can fix (config, database, busy port) are printed as
one line on stderr with exit status 2 (config) or 1 (other), never as a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from syndicator.app import App
from syndicator.config import Settings, config_path, load_settings
from syndicator.discover import suggest
from syndicator.errors import ConfigError, SyndicatorError
from syndicator.model import Article, Source, SourceState
from syndicator.sources.probe import probe
from syndicator.store import migrate

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
err = Console(stderr=True, soft_wrap=True)


class State:
    def __init__(self, config: Path | None) -> None:
        self.config = config

    def settings(self) -> Settings:
        return load_settings(config_path(self.config))


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
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING or ERROR.")] = "INFO",
) -> None:
    setup_logging(log_level)
    ctx.obj = State(config)


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Bot API URLs carry the token: keep the HTTP client loggers quiet.
    for name in (
        "httpx", "httpcore", "telegram", "apscheduler", "trafilatura", "htmldate", "alembic",
    ):  # fmt: skip
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


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
def run(ctx: typer.Context) -> None:
    """Run everything in one process: scheduler, collector, dispatcher and feed server."""

    async def body(settings: Settings) -> None:
        async with App(settings) as app:
            await run_until_signalled(app.run)

    _run(ctx, body)


@cli.command()
def serve(ctx: typer.Context) -> None:
    """Serve the feeds and the index page over HTTP only."""

    async def body(settings: Settings) -> None:
        async with App(settings) as app:
            await run_until_signalled(lambda stop: app.run(stop, collect=False, dispatch=False))

    _run(ctx, body)


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
                summary = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
                err.print(f"dispatched: {summary or 'nothing was due'}", highlight=False)
            else:
                await run_until_signalled(lambda stop: app.run(stop, collect=False, serve=False))

    _run(ctx, body)


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


@db_cli.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the database schema to the newest version."""
    state: State = ctx.find_object(State) or State(None)
    with operator_errors():
        settings = state.settings()
        migrate.upgrade(settings.file.database.url)
    err.print(f"database is at the newest schema: {settings.file.database.url}", highlight=False)


def main() -> None:
    cli()

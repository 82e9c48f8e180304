"""Command line for the config file as a declaration: `syndicator config validate|apply|export`.

    syndicator config validate [FILE]        check a file as the service would, print nothing else
    syndicator config apply [FILE|-] [--yes] print the changes, ask, make the store match FILE
    syndicator config export [-o FILE]       the store's categories, sources, channels, routes

`apply` is declarative and idempotent: the store ends up stating exactly what the file
states (sources and channels left out are disabled, categories left out are deleted), and
a second apply changes nothing. `export` writes TOML that `apply` accepts unchanged, so
`syndicator config export | syndicator config apply - --yes` changes nothing. FILE defaults
to the `--config` file; the database is always the `--config` file's.
"""

from __future__ import annotations

import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from syndicator.app import App
from syndicator.cli_registry import Runner, actor
from syndicator.config import Settings, config_path, load_settings, settings_from_mapping
from syndicator.declared import Change, Declared, declared_from, diff, fingerprint, to_toml
from syndicator.errors import ConfigError

err = Console(stderr=True, soft_wrap=True)
STDIN = "-"


def install(cli: typer.Typer, run: Runner[Any]) -> None:
    config = typer.Typer(
        help="The config file as a declaration: validate, apply to the store, export.",
        no_args_is_help=True,
    )
    cli.add_typer(config, name="config")

    @config.command("validate")
    def validate(
        ctx: typer.Context,
        file: Annotated[Path | None, typer.Argument(help="Default: the --config file.")] = None,
    ) -> None:
        """Check a config file: syntax, every key, references between sections."""
        path = file or config_path(ctx.obj.config)
        d = declared_from(_load(ctx, path).file)
        err.print(
            f"{path}: valid ({len(d.categories)} categories, {len(d.sources)} sources,"
            f" {len(d.channels)} channels, {len(d.routes)} routes)",
            highlight=False,
        )

    @config.command("export")
    def export(
        ctx: typer.Context,
        output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    ) -> None:
        """Write the store's categories, sources, channels and routes as TOML."""

        async def body(settings: Settings) -> Declared:
            async with App(settings, dry_run=True) as app:
                await app.prepare(apply=False)
                return await app.store.declarations.current()

        stated = run(ctx, body)
        header = (
            "Categories, sources, channels and routes exported from the database by\n"
            "`syndicator config export`; `syndicator config apply FILE` makes a database match."
        )
        text = to_toml(stated, header)
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")
            err.print(f"wrote {output}", highlight=False)

    @config.command("apply")
    def apply(
        ctx: typer.Context,
        file: Annotated[
            str | None, typer.Argument(help="A config file, or - for stdin (default: --config).")
        ] = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    ) -> None:
        """Make the store state what FILE states; prints the changes first and asks."""
        main = config_path(ctx.obj.config)
        source = Path(file) if file not in (None, STDIN) else main
        wanted = declared_from(_load(ctx, source, sys.stdin.read() if file == STDIN else None).file)

        async def body(settings: Settings) -> list[Change]:
            async with App(settings, dry_run=True) as app:
                await app.prepare(apply=False)
                store = app.store.declarations
                changes = diff(await store.current(), wanted)
                for change in changes:
                    err.print(str(change), highlight=False, markup=False)
                if not changes:
                    return []
                if not yes:
                    if file == STDIN or not sys.stdin.isatty():
                        raise ConfigError("not applied: pass --yes to apply without a question")
                    if not typer.confirm(f"Apply {len(changes)} changes?", err=True):
                        raise typer.Exit(1)
                done = await store.apply(wanted, actor(), datetime.now(UTC))
                if file != STDIN:
                    path = str(source.resolve())
                    await store.remember(path, fingerprint(wanted), datetime.now(UTC))
                return done

        done = run(ctx, body)
        err.print(f"{len(done)} changes applied" if done else "nothing to change", highlight=False)


def _load(ctx: typer.Context, path: Path, text: str | None = None) -> Settings:
    """A config file validated like the service's (errors: exit status 2)."""
    try:
        if text is None:
            return load_settings(path)
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"<stdin>: invalid TOML: {exc}") from None
        return settings_from_mapping(raw, Path("<stdin>"), env={})
    except ConfigError as exc:
        err.print(f"[bold red]config error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None

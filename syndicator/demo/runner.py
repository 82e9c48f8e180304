"""`syndicator demo`: the real service against the bundled sample sites, offline.

Two sample sites run on free loopback ports: the main one (read through its RSS feeds) and a
second one with another theme (read through its WordPress REST API) that republishes one of
the first site's stories, so the demo shows one story kept once. The service runs with
`demo.toml` on a temporary SQLite database, serves feeds on the chosen port and prints
every would-be Telegram message (dry run, even when a token is set). Every 20 seconds the
main site publishes one more article, so a newcomer watches feeds fill and messages go out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import tomllib
from importlib.resources import files
from pathlib import Path

from syndicator.app import App
from syndicator.config import settings_from_mapping
from syndicator.demo.republish import SECOND_SITE_NAME, republished_pair, second_site_articles
from syndicator.demo.site import SampleSite
from syndicator.pause import pause

log = logging.getLogger(__name__)

PUBLISH_EVERY = 20.0


def demo_config(site_url: str, second_url: str, port: int, database: str) -> str:
    template = files("syndicator.demo").joinpath("demo.toml").read_text(encoding="utf-8")
    return (
        template.replace("{site}", site_url)
        .replace("{second}", second_url)
        .replace("{port}", str(port))
        .replace("{database}", database)
    )


async def run_demo(stop: asyncio.Event, *, port: int = 8080) -> None:
    second = SampleSite(
        second_site_articles(), name=SECOND_SITE_NAME, theme="modern", wordpress_api=True
    )
    with (
        tempfile.TemporaryDirectory(prefix="syndicator-demo-") as tmp,
        republished_pair(SampleSite(), second) as pair,
    ):
        site = pair.first
        text = demo_config(site.url, second.url, port, f"sqlite:///{Path(tmp) / 'demo.db'}")
        settings = settings_from_mapping(tomllib.loads(text), Path("demo.toml"), env={})
        async with App(settings, dry_run=True) as app:
            ready = asyncio.Event()
            service = asyncio.create_task(app.run(stop, ready=ready))
            await asyncio.wait(
                [asyncio.create_task(ready.wait()), service], return_when=asyncio.FIRST_COMPLETED
            )
            if service.done():
                await service  # raises the start-up error (busy port, ...)
                return
            print(
                f"\nDemo running. Sample news sites: {site.url}/ (RSS) and {second.url}/"
                f" (WordPress API; it republishes one of the first site's stories, which is"
                f" stored as one story and posted once)\n"
                f"Feeds and index: {app.public_url}/   (Ctrl+C to stop)\n",
                flush=True,
            )
            publisher = asyncio.create_task(_publish(site, stop))
            await service
            publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publisher


async def _publish(site: SampleSite, stop: asyncio.Event) -> None:
    """Publish the site's pending articles one by one while the demo runs."""
    while not stop.is_set():
        if await pause(stop, PUBLISH_EVERY):
            return
        try:
            published = site.publish_next()
        except LookupError:
            return
        print(f"\n[sample site] new article: {published.article.title}\n", flush=True)

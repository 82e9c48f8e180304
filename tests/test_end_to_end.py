"""End to end: the real service (scheduler, collector, feed server, dispatcher) in one event
loop, between the loopback sample news site and the fake Telegram Bot API.

A new article published on the site must appear in its category's RSS, Atom and JSON
feeds (and its source's) and reach exactly the Telegram channel routed to that category,
once, however often the source is polled again; on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from syndicator.app import App
from syndicator.config import settings_from_mapping
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.news_site import SampleSite
from tests.waiting import eventually

SYRIA_CHAT, BUSINESS_CHAT, SPORTS_CHAT = -1001000000001, -1001000000002, -1001000000003


@pytest.fixture
def site(empty_site: SampleSite) -> SampleSite:
    return empty_site  # every article is published by the test


@pytest.fixture
def telegram() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        for chat in (SYRIA_CHAT, BUSINESS_CHAT, SPORTS_CHAT):
            fake.add_chat(chat, title="قناة")
        yield fake


def config(site: SampleSite, telegram: FakeBotAPI, database: str) -> dict[str, Any]:
    return {
        "database": {"url": database},
        "http": {"host": "127.0.0.1", "port": 0},
        "fetch": {"allow_networks": ["127.0.0.0/8", "::1"]},  # the sample sites are on loopback
        "telegram": {"base_url": telegram.base_url, "per_chat_interval": 0.0},
        "categories": [
            {"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"]},
            {"slug": "economy", "name": "اقتصاد"},
            {"slug": "sports", "name": "رياضة"},
        ],
        "sources": [
            {"id": "sham", "name": "أخبار الشام اليوم", "url": site.feed_url(), "interval": 1}
        ],
        "channels": [
            {"id": "syria-news", "chat_id": SYRIA_CHAT, "categories": ["syria"]},
            {"id": "business", "chat_id": BUSINESS_CHAT, "categories": ["economy"]},
            {"id": "sports", "chat_id": SPORTS_CHAT, "categories": ["sports"]},
        ],
    }


@contextlib.asynccontextmanager
async def running(app: App) -> AsyncIterator[str]:
    """Run the whole service; yields its base URL; stops it cleanly afterwards."""
    stop, ready = asyncio.Event(), asyncio.Event()
    service = asyncio.create_task(app.run(stop, ready=ready))
    await asyncio.wait_for(ready.wait(), 30)
    try:
        yield f"http://127.0.0.1:{app.bound_port}"
    finally:
        stop.set()
        await asyncio.wait_for(service, 30)


def feed_titles(body: bytes) -> tuple[list[str], str]:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    language = parsed.feed.get("language", "")
    return [e.title for e in parsed.entries], language


async def test_new_article_reaches_its_feeds_and_only_its_channel_once(
    site: SampleSite, telegram: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    """On SQLite and on PostgreSQL (tests/conftest.py: `database_url`)."""
    settings = settings_from_mapping(
        config(site, telegram, database_url),
        tmp_path / "e2e.toml",
        env={"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN},
    )
    async with App(settings) as app, running(app) as base, httpx.AsyncClient() as http:
        polls_before = len(site.requests)
        await eventually(lambda: _polled(site, polls_before + 2))  # the empty site was polled

        new = site.publish_next("syria")
        title = new.article.title

        async def in_feeds() -> bool:
            rss = await http.get(f"{base}/feeds/syria.rss")
            return rss.status_code == 200 and title in rss.text

        await eventually(in_feeds)
        rss_titles, rss_language = feed_titles((await http.get(f"{base}/feeds/syria.rss")).content)
        atom = await http.get(f"{base}/feeds/syria.atom")
        atom_titles, atom_language = feed_titles(atom.content)
        assert rss_titles == atom_titles == [title]
        assert rss_language == atom_language == "ar"
        assert 'xml:lang="ar"' in atom.text
        economy, _ = feed_titles((await http.get(f"{base}/feeds/economy.rss")).content)
        assert economy == []
        json_feed = (await http.get(f"{base}/feeds/syria.json")).json()
        assert [item["title"] for item in json_feed["items"]] == [title]
        assert json_feed["language"] == "ar"
        source_titles, _ = feed_titles((await http.get(f"{base}/feeds/source/sham.atom")).content)
        assert source_titles == [title]
        opml = await http.get(f"{base}/feeds.opml")
        assert f'xmlUrl="{base}/feeds/syria.rss"' in opml.text

        posted = await asyncio.to_thread(telegram.wait_for_messages, SYRIA_CHAT, 1, 20.0)
        assert len(posted) == 1
        assert posted[0].text is not None
        assert title in posted[0].text
        assert posted[0].parse_mode == "HTML"

        # Several more polls of the unchanged source: nothing stored or sent twice.
        polls = len(site.requests)
        await eventually(lambda: _polled(site, polls + 3))
        await asyncio.sleep(0.5)
        assert await app.store.articles.count() == 1
        assert len(telegram.sent(SYRIA_CHAT)) == 1
        assert telegram.sent(BUSINESS_CHAT) == telegram.sent(SPORTS_CHAT) == []
        assert (await app.store.outbox.counts()) == {"sent": 1}

        index = await http.get(f"{base}/")
        assert index.status_code == 200
        assert f'href="{base}/feeds/syria.rss"' in index.text
        assert title in index.text


async def _polled(site: SampleSite, count: int) -> bool:
    return sum(1 for _, path in site.requests if path == "/feed/") >= count

"""WebSub: feeds advertise the hub, and the hub is pinged for exactly the feeds that changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from feeds.websub import WebSub
from syndicator.app import App
from syndicator.config import settings_from_mapping
from tests.fakes.clock import FakeClock
from tests.fakes.news_site import SampleSite
from tests.fakes.websub_hub import FakeHub

PUBLIC = "https://feeds.example.org"


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as running:
        yield running


async def test_publish_pings_are_form_encoded_posts(hub: FakeHub) -> None:
    async with httpx.AsyncClient() as http:
        websub = WebSub(http, hub.url)
        websub.publish([f"{PUBLIC}/feeds/all.rss", f"{PUBLIC}/feeds/all.atom"])
        websub.publish([f"{PUBLIC}/feeds/all.rss"])  # pending already: sent once
        await websub.drain()
    assert sorted(hub.topics()) == [f"{PUBLIC}/feeds/all.atom", f"{PUBLIC}/feeds/all.rss"]
    for ping in hub.pings:
        assert ping.method == "POST"
        assert ping.content_type == "application/x-www-form-urlencoded"
        assert ping.form["hub.mode"] == ["publish"]
    assert websub.sent == 2


async def test_a_hub_that_refuses_or_is_down_is_only_logged(
    hub: FakeHub, caplog: pytest.LogCaptureFixture
) -> None:
    hub.status = 500
    async with httpx.AsyncClient() as http:
        websub = WebSub(http, hub.url)
        websub.publish([f"{PUBLIC}/feeds/all.rss"])
        await websub.drain()
        down = WebSub(http, "http://127.0.0.1:9/")  # nothing listens on the discard port
        down.publish([f"{PUBLIC}/feeds/all.rss"])
        await down.drain()
    assert websub.failed == down.failed == 1
    assert "answered 500" in caplog.text
    assert "unreachable" in caplog.text


def config(site: SampleSite, hub: FakeHub, tmp_path: Path) -> dict[str, object]:
    return {
        "database": {"url": f"sqlite:///{tmp_path / 'websub.db'}"},
        "fetch": {"allow_networks": ["127.0.0.0/8", "::1"]},  # the sample sites are on loopback
        "http": {"public_url": PUBLIC},
        "feeds": {"websub_hub": hub.url},
        "categories": [
            {"slug": "syria", "name": "الشأن السوري"},
            {"slug": "economy", "name": "اقتصاد"},
            {"slug": "sports", "name": "رياضة"},
            {"slug": "tech", "name": "تقنية"},
        ],
        "sources": [{"id": "sham", "name": "أخبار الشام اليوم", "url": site.feed_url()}],
    }


async def test_ingestion_pings_the_feeds_whose_content_changed(
    hub: FakeHub, tmp_path: Path, clock: FakeClock
) -> None:
    with SampleSite(clock=clock) as site:
        settings = settings_from_mapping(config(site, hub, tmp_path), tmp_path / "s.toml", env={})
        async with App(settings, clock=clock) as app:
            await app.prepare()
            transport = httpx.ASGITransport(app=app.feed_server().app())
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
                tech = await client.get("/feeds/tech.rss")
                assert f'<{hub.url}>; rel="hub"' in tech.headers["link"]
                assert f'<{PUBLIC}/feeds/tech.rss>; rel="self"' in tech.headers["link"]
                await app.collect()
                await app.websub.drain()  # type: ignore[union-attr]
                # no article in tech: its feed is still the cached one, and not pinged
                builds = app.feed_cache.builds
                again = await client.get("/feeds/tech.rss")
                assert again.headers["etag"] == tech.headers["etag"]
                assert app.feed_cache.builds == builds
            changed = {
                f"{PUBLIC}/feeds/{stem}.{fmt}"
                for stem in ("all", "syria", "economy", "sports", "source/sham")
                for fmt in ("rss", "atom", "json")
            }
            assert set(hub.topics()) == changed
            # Polling again finds nothing new: no ping.
            count = len(hub.topics())
            clock.advance(3600)
            await app.collect()
            await app.websub.drain()  # type: ignore[union-attr]
            assert len(hub.topics()) == count

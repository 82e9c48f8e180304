"""The feed server's routes over a real store: content, 404s and conditional requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import feedparser
import httpx
import pytest

from feeds.server import FeedServer, Site
from syndicator.model import Article, Category, Source
from syndicator.store import Store
from tests.fakes.clock import NOW

BASE = "http://feeds.test"


def article(n: int, category: str) -> Article:
    return Article(
        source_id="sham",
        guid=f"g{n}",
        url=f"http://127.0.0.1:1/{n}/",
        title=f"خبر رقم {n} عن {category}",
        text="نص الخبر.",
        content_html="<p>نص الخبر.</p>",
        summary="ملخص الخبر.",
        published=NOW + timedelta(minutes=n),
        updated=NOW + timedelta(minutes=n),
        content_hash=f"h{n}",
        categories=(category,),
    )


@pytest.fixture
async def store(sqlite_store: Store) -> Store:
    await sqlite_store.registry.apply(
        [Category("syria", "الشأن السوري"), Category("economy", "اقتصاد")],
        [Source("sham", "أخبار الشام", "http://127.0.0.1:1/feed/")],
        [],
    )
    for n, slug in [(1, "syria"), (2, "economy"), (3, "syria")]:
        await sqlite_store.articles.add(article(n, slug), NOW)
    return sqlite_store


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = FeedServer(store, Site(title="أخبار", base_url=BASE, limit=2)).app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "media_type", "titles"),
    [
        ("/feeds/syria.rss", "application/rss+xml", ["خبر رقم 3 عن syria", "خبر رقم 1 عن syria"]),
        ("/feeds/syria.atom", "application/atom+xml", ["خبر رقم 3 عن syria", "خبر رقم 1 عن syria"]),
        ("/feeds/economy.rss", "application/rss+xml", ["خبر رقم 2 عن economy"]),
        ("/feeds/all.rss", "application/rss+xml", ["خبر رقم 3 عن syria", "خبر رقم 2 عن economy"]),
    ],
    ids=["syria-rss", "syria-atom", "economy-rss", "all-limited"],
)
async def test_feeds(
    client: httpx.AsyncClient, path: str, media_type: str, titles: list[str]
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == titles
    assert parsed.feed.language == "ar"
    assert parsed.feed.links[0].href in (f"{BASE}{path}", f"{BASE}/")


async def test_unknown_category_and_format_are_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/feeds/sports.rss")).status_code == 404
    assert (await client.get("/feeds/syria.xml")).status_code == 404


async def test_conditional_requests(client: httpx.AsyncClient, store: Store) -> None:
    first = await client.get("/feeds/syria.rss")
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    assert modified == "Sun, 29 Nov 2026 12:03:00 GMT"
    again = await client.get("/feeds/syria.rss")
    assert again.content == first.content
    assert again.headers["etag"] == tag
    assert (await client.get("/feeds/syria.rss", headers={"If-None-Match": tag})).status_code == 304
    assert (
        await client.get("/feeds/syria.rss", headers={"If-Modified-Since": modified})
    ).status_code == 304
    # Another format of the same data has its own tag.
    atom = await client.get("/feeds/syria.atom", headers={"If-None-Match": tag})
    assert atom.status_code == 200
    # A new article changes the tag and the date.
    await store.articles.add(replace(article(4, "syria"), guid="g4"), NOW)
    changed = await client.get("/feeds/syria.rss", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert "خبر رقم 4" in changed.text
    # Other categories are untouched.
    economy = await client.get("/feeds/economy.rss")
    assert (
        await client.get("/feeds/economy.rss", headers={"If-None-Match": economy.headers["etag"]})
    ).status_code == 304


async def test_index_links_every_feed(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="ar" dir="rtl">' in page
    for slug in ("all", "syria", "economy"):
        for fmt, mime in (("rss", "application/rss+xml"), ("atom", "application/atom+xml")):
            assert f'type="{mime}"' in page
            assert f'href="{BASE}/feeds/{slug}.{fmt}"' in page
    assert "خبر رقم 3 عن syria" in page
    assert "الشأن السوري" in page


async def test_server_writes_nothing(client: httpx.AsyncClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = await client.request(method, "/feeds/syria.rss")
        assert response.status_code == 405

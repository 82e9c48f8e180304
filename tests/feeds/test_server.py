"""The feed server over a real store: every format, archives, pages, caching and HTTP rules."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime

import feedparser
import httpx
import lxml.html
import pytest
from lxml import etree
from sqlalchemy import update

from feeds.paging import affected
from feeds.server import FeedCache, FeedServer, Site, accepts_gzip
from syndicator.model import Article, Category, Source
from syndicator.store import Changed, Store, tables
from tests.fakes.clock import NOW
from tests.feeds.checks import check

BASE = "http://feeds.test"
HUB = "http://hub.test/"
MEDIA = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
FH_ARCHIVE = b"<fh:archive/>"


def article(n: int, category: str, source: str = "sham") -> Article:
    return Article(
        source_id=source,
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
        [
            Source("sham", "أخبار الشام", "http://127.0.0.1:1/feed/"),
            Source("mashreq", "المشرق", "https://mashreq.example/feed/"),
        ],
        [],
    )
    for n, slug in [(1, "syria"), (2, "economy"), (3, "syria")]:
        await sqlite_store.articles.add(article(n, slug), NOW)
    return sqlite_store


def wired_cache(store: Store) -> FeedCache:
    """A cache invalidated by the store's change signal, as the composition root wires it."""
    cache = FeedCache()

    def changed(change: Changed) -> None:
        cache.invalidate(ref.tag for ref in affected(change.sources, change.categories))

    store.articles.on_change(changed)
    return cache


@pytest.fixture
def cache(store: Store) -> FeedCache:
    return wired_cache(store)


def site(**changes: object) -> Site:
    values: dict[str, object] = {
        "title": "أخبار", "base_url": BASE, "limit": 2, "max_age": 120, "websub_hub": HUB,
    }  # fmt: skip
    values.update(changes)
    return Site(**values)  # type: ignore[arg-type]


@pytest.fixture
async def client(store: Store, cache: FeedCache) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(FeedServer(store, site(), cache)) as c:
        yield c


def serving(server: FeedServer) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=server.app())
    return httpx.AsyncClient(transport=transport, base_url=BASE)


def titles(fmt: str, body: bytes, count: int) -> list[str]:
    parsed = check(fmt, body, count)
    if fmt == "json":
        return [item["title"] for item in parsed["items"]]
    return [e.title for e in parsed.entries]


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/feeds/syria", ["خبر رقم 3 عن syria", "خبر رقم 1 عن syria"]),
        ("/feeds/economy", ["خبر رقم 2 عن economy"]),
        ("/feeds/all", ["خبر رقم 3 عن syria", "خبر رقم 2 عن economy"]),  # limit 2
        ("/feeds/source/sham", ["خبر رقم 3 عن syria", "خبر رقم 2 عن economy"]),
        ("/feeds/source/mashreq", []),
    ],
)
async def test_every_feed_in_every_format(
    client: httpx.AsyncClient, fmt: str, path: str, expected: list[str]
) -> None:
    response = await client.get(f"{path}.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{MEDIA[fmt]}; charset=utf-8"
    assert titles(fmt, response.content, len(expected)) == expected
    assert f'<{BASE}{path}.{fmt}>; rel="self"' in response.headers["link"]
    assert f'<{HUB}>; rel="hub"' in response.headers["link"]


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/sports.rss",
        "/feeds/syria.xml",
        "/feeds/source/nobody.atom",
        "/feeds/syria/archive/0.rss",
        "/feeds/syria/archive/9.rss",
        "/feeds/syria/archive/1.xml",
        "/c/sports/",
        "/feeds",
    ],
)
async def test_unknown_documents_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_conditional_requests(client: httpx.AsyncClient, store: Store) -> None:
    first = await client.get("/feeds/syria.rss")
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    assert modified == "Sun, 29 Nov 2026 12:03:00 GMT"
    again = await client.get("/feeds/syria.rss")
    assert again.content == first.content
    assert again.headers["etag"] == tag
    not_modified = await client.get("/feeds/syria.rss", headers={"If-None-Match": tag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == tag
    assert not_modified.headers["cache-control"] == "public, max-age=120"
    assert (
        await client.get("/feeds/syria.rss", headers={"If-Modified-Since": modified})
    ).status_code == 304
    earlier = format_datetime(NOW, usegmt=True)
    assert (
        await client.get("/feeds/syria.rss", headers={"If-Modified-Since": earlier})
    ).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert (await client.get("/feeds/syria.rss", headers=both)).status_code == 200
    # Another format of the same data has its own tag.
    atom = await client.get("/feeds/syria.atom", headers={"If-None-Match": tag})
    assert atom.status_code == 200
    # A new article changes the tag and the date.
    await store.articles.add(article(4, "syria"), NOW)
    changed = await client.get("/feeds/syria.rss", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert "خبر رقم 4" in changed.text
    # Other categories are untouched.
    economy = await client.get("/feeds/economy.rss")
    assert (
        await client.get("/feeds/economy.rss", headers={"If-None-Match": economy.headers["etag"]})
    ).status_code == 304


async def test_gzip_is_negotiated(client: httpx.AsyncClient) -> None:
    plain = await client.get("/feeds/syria.atom", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    packed = await client.get("/feeds/syria.atom", headers={"Accept-Encoding": "br, gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.content == plain.content  # httpx decoded it
    assert packed.headers["etag"] != plain.headers["etag"]  # another representation
    # A tag of either representation is a match.
    for tag in (packed.headers["etag"], plain.headers["etag"]):
        again = await client.get(
            "/feeds/syria.atom", headers={"Accept-Encoding": "gzip", "If-None-Match": tag}
        )
        assert again.status_code == 304
    refused = await client.get("/feeds/syria.atom", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("identity", False),
        ("", False),
        ("br", False),
        ("*;q=0, gzip", True),
        ("gzip;q=0, *", False),
        ("gzip;q=bad", False),
    ],
)
def test_accept_encoding(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


async def test_head(client: httpx.AsyncClient) -> None:
    for path in ("/feeds/syria.json", "/", "/feeds.opml", "/c/syria/"):
        get = await client.get(path, headers={"Accept-Encoding": "identity"})
        head = await client.head(path, headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(get.content))
        assert head.headers["etag"] == get.headers["etag"]
        assert head.headers["content-type"] == get.headers["content-type"]


async def test_cache_control_is_configurable(store: Store) -> None:
    async with serving(FeedServer(store, site(max_age=0))) as c:
        for path in ("/feeds/syria.rss", "/", "/feeds.opml"):
            assert (await c.get(path)).headers["cache-control"] == "public, max-age=0"


async def test_without_a_hub_only_self_is_advertised(store: Store) -> None:
    async with serving(FeedServer(store, site(websub_hub=None))) as c:
        response = await c.get("/feeds/syria.atom")
    assert response.headers["link"] == f'<{BASE}/feeds/syria.atom>; rel="self"'
    assert b'rel="hub"' not in response.content


async def test_rendered_documents_stay_cached_until_their_feed_changes(
    store: Store, cache: FeedCache, client: httpx.AsyncClient
) -> None:
    syria = await client.get("/feeds/syria.rss")
    economy = await client.get("/feeds/economy.rss")
    builds = cache.builds
    # A change behind the signal's back is not seen: the bytes come from memory.
    async with store.engine.begin() as conn:
        await conn.execute(update(tables.articles).values(title="عنوان مغير"))
    assert (await client.get("/feeds/syria.rss")).content == syria.content
    assert cache.builds == builds
    # A stored article reports its feeds: they are rebuilt, the others are not.
    await store.articles.add(article(5, "syria", source="mashreq"), NOW)
    rebuilt = await client.get("/feeds/syria.rss")
    assert "عنوان مغير" in rebuilt.text
    assert "خبر رقم 5" in rebuilt.text
    assert (await client.get("/feeds/economy.rss")).content == economy.content
    assert cache.builds == builds + 1
    # A revision reports the article's feeds too.
    [stored] = await store.articles.recent("syria", 1)
    assert stored.id is not None
    await store.articles.revise(stored.id, _revised(stored), NOW)
    assert "تصحيح" in (await client.get("/feeds/syria.rss")).text
    assert "تصحيح" in (await client.get("/feeds/source/mashreq.rss")).text


def _revised(stored: Article) -> Article:
    return Article(
        **{**stored.__dict__, "title": stored.title + " (تصحيح)", "content_hash": "changed"}
    )


async def walk(client: httpx.AsyncClient, fmt: str, path: str) -> list[tuple[str, bytes]]:
    """Every document from the live one back through `prev-archive` (`next_url` in JSON)."""
    documents: list[tuple[str, bytes]] = []
    url: str | None = f"{BASE}{path}"
    while url:
        response = await client.get(url)
        assert response.status_code == 200, url
        documents.append((url, response.content))
        url = _older(fmt, response.content)
        assert len(documents) < 50
    return documents


def _older(fmt: str, body: bytes) -> str | None:
    if fmt == "json":
        found: str | None = json.loads(body).get("next_url")
        return found
    links = feedparser.parse(body).feed.get("links", [])
    return next((link.href for link in links if link.rel == "prev-archive"), None)


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
async def test_archives_reach_every_entry_once_and_stay_stable(store: Store, fmt: str) -> None:
    for n in range(4, 12):  # 10 in syria: 1, 3, 4..11
        await store.articles.add(article(n, "syria"), NOW)
    # A near-duplicate of article 4 (same story): shown once, in the live feed and archives.
    [four] = [
        a for a in await store.articles.recent("syria", 20) if a.title.startswith("خبر رقم 4 ")
    ]
    await store.articles.add(article(12, "syria"), NOW)
    async with store.engine.begin() as conn:
        await conn.execute(
            update(tables.articles)
            .where(tables.articles.c.guid == "g12")
            .values(cluster_id=four.id)
        )
    server = FeedServer(store, site(limit=3, archive_size=4, archive_grace=3))
    async with serving(server) as c:
        documents = await walk(c, fmt, f"/feeds/syria.{fmt}")
        # 10 entries: live (the 3 newest), pages 3 (2 entries), 2 (4) and 1 (4)
        assert [url.rsplit("/", 2)[-1] for url, _ in documents] == [
            f"syria.{fmt}", f"3.{fmt}", f"2.{fmt}", f"1.{fmt}",
        ]  # fmt: skip
        seen: list[str] = []
        for _, body in documents:
            seen += titles(fmt, body, len(_entries(fmt, body)))
        assert sorted(set(seen)) == sorted(f"خبر رقم {n} عن syria" for n in [1, 3, *range(4, 12)])
        assert not any("12" in title for title in seen)
        pages = {url.rsplit("/", 1)[-1]: body for url, body in documents[1:]}
        assert [len(_entries(fmt, pages[f"{p}.{fmt}"])) for p in (1, 2, 3)] == [4, 4, 2]
        if fmt != "json":
            assert FH_ARCHIVE in pages[f"1.{fmt}"]  # 10 >= 4 + 3: final
            assert FH_ARCHIVE not in pages[f"2.{fmt}"]  # full, but 10 < 8 + 3: not yet final
            assert FH_ARCHIVE not in pages[f"3.{fmt}"]
            links = {link.rel: link.href for link in feedparser.parse(pages[f"2.{fmt}"]).feed.links}
            assert links["current"] == f"{BASE}/feeds/syria.{fmt}"
            assert links["next-archive"] == f"{BASE}/feeds/syria/archive/3.{fmt}"
            assert links["prev-archive"] == f"{BASE}/feeds/syria/archive/1.{fmt}"
        first = await c.get(f"/feeds/syria/archive/1.{fmt}")
        assert first.headers["cache-control"] == "public, max-age=86400"
        partial = await c.get(f"/feeds/syria/archive/3.{fmt}")
        assert partial.headers["cache-control"] == "public, max-age=120"
        for n in range(13, 20):
            await store.articles.add(article(n, "syria"), NOW)
        again = await c.get(f"/feeds/syria/archive/1.{fmt}")
        assert again.content == first.content  # complete pages never change
        assert again.headers["etag"] == first.headers["etag"]


def _entries(fmt: str, body: bytes) -> list[object]:
    if fmt == "json":
        return list(json.loads(body)["items"])
    return list(feedparser.parse(body).entries)


async def test_index_links_every_feed(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="ar" dir="rtl">' in page
    for slug in ("all", "syria", "economy"):
        for fmt, mime in MEDIA.items():
            assert f'type="{mime}"' in page
            assert f'href="{BASE}/feeds/{slug}.{fmt}"' in page
    assert "خبر رقم 3 عن syria" in page
    assert "الشأن السوري" in page


async def test_every_link_on_the_pages_resolves(client: httpx.AsyncClient) -> None:
    """What a headless browser test will click: every link of ours answers 200."""
    seen: set[str] = set()
    todo = [f"{BASE}/"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = await client.get(url)
        assert response.status_code == 200, url
        if response.headers["content-type"].startswith("text/html"):
            root = lxml.html.fromstring(response.content)
            hrefs = [e.get("href") for e in root.iter("a", "link")]
            todo += [h for h in hrefs if h and h.startswith(BASE)]
    assert f"{BASE}/c/syria/" in seen
    assert f"{BASE}/c/economy/" in seen
    assert f"{BASE}/feeds.opml" in seen
    assert f"{BASE}/feeds/economy.json" in seen


async def test_category_page_without_slash_redirects(client: httpx.AsyncClient) -> None:
    response = await client.get("/c/syria", follow_redirects=True)
    assert response.status_code == 200
    assert str(response.url) == f"{BASE}/c/syria/"


async def test_opml_lists_every_feed_and_each_resolves(client: httpx.AsyncClient) -> None:
    response = await client.get("/feeds.opml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/x-opml; charset=utf-8"
    root = etree.fromstring(response.content)
    urls = [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")]
    assert urls == [
        f"{BASE}/feeds/all.rss",
        f"{BASE}/feeds/economy.rss",
        f"{BASE}/feeds/syria.rss",
        f"{BASE}/feeds/source/mashreq.rss",
        f"{BASE}/feeds/source/sham.rss",
    ]
    for url in urls:
        feed = await client.get(str(url))
        assert feed.status_code == 200
        assert not feedparser.parse(feed.content).bozo


async def test_server_writes_nothing(client: httpx.AsyncClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = await client.request(method, "/feeds/syria.rss")
        assert response.status_code == 405


async def test_gzip_body_is_deterministic(client: httpx.AsyncClient) -> None:
    """The compressed bytes carry no time either (mtime 0): same tag, same bytes."""
    raw = []
    for _ in range(2):
        async with client.stream(
            "GET", "/feeds/all.atom", headers={"Accept-Encoding": "gzip"}
        ) as response:
            raw.append(b"".join([chunk async for chunk in response.aiter_raw()]))
    assert raw[0] == raw[1]
    assert gzip.decompress(raw[0]).startswith(b"<?xml")

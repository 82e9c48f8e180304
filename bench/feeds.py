"""Feeds: render time, and requests per second against the framework's floor.

Render: the bundled Arabic articles (full paragraphs, an image, two categories) repeated to
50 and 500 entries, rendered in each format from the store's `Article` values (sanitizing,
preparing, writing), best of several runs.

Serving: uvicorn + Starlette servers on loopback, each in its own process started the
same way (asyncio loop, h11, no access log): ours, serving `/feeds/syria.rss` (50 entries)
from a real SQLite store through the document cache, and the floor, one route answering
the same bytes as a fixed object. A load generator in a third process keeps 32 keep-alive
connections busy (raw sockets, one request in flight per connection) for a few seconds per
run; runs alternate between the servers, and the medians are compared:

    cached GET / floor          200 with the feed (identity), If-None-Match absent
    304 / floor                 If-None-Match with the current ETag

A third server, the floor answering the same bytes with our response headers, shows how
much of the difference is the headers themselves (h11 checks every header it writes).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

from bench.report import Section, Table, verdict
from feeds.render import FeedDoc, render
from syndicator.demo.site import load_articles
from syndicator.model import Article, Category, Source

START = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
CONNECTIONS = 32
SECONDS = 3.0
ROUNDS = 3
TARGET = 0.8  # cached GETs against the floor
PATH = "/feeds/syria.rss"
CATEGORY_NAMES = {"syria": "الشأن السوري", "world": "عربي ودولي"}
VALIDATORS = ("etag", "last-modified", "cache-control", "vary", "link")


def articles(count: int) -> list[Article]:
    """`count` distinct articles made from the bundled sample posts, newest first."""
    posts = load_articles()
    made = []
    for n in range(count):
        post = posts[n % len(posts)]
        paragraphs = "".join(f"<p>{p}</p>" for p in post.paragraphs)
        made.append(
            Article(
                source_id="sham",
                guid=f"g{n}",
                url=f"https://sham.example/2026/11/29/{post.slug}-{n}/",
                title=f"{post.title} ({n})",
                text="\n\n".join(post.paragraphs),
                content_html=paragraphs + f'<p><a href="/tag/{n}/">وسم</a></p>',
                summary=post.paragraphs[0][:280],
                published=START + timedelta(minutes=n),
                updated=START + timedelta(minutes=n),
                content_hash=f"{n:064x}",
                author=post.author,
                image=f"/wp-content/uploads/{post.slug}.jpg",
                categories=("syria", "world"),
                id=n + 1,
            )
        )
    return made[::-1]


def render_times(quick: bool = False) -> Table:
    rows = []
    for count in (50, 500):
        doc = FeedDoc(
            "syria", "الشأن السوري - أخبار", "آخر أخبار الشأن السوري",
            "https://feeds.example/feeds/syria.rss", "https://feeds.example/c/syria/",
            articles(count), CATEGORY_NAMES,
        )  # fmt: skip
        figures = []
        for fmt in ("rss", "atom", "json"):
            best, size = float("inf"), 0
            for _ in range(1 if quick else 7 if count == 50 else 3):
                started = time.perf_counter()
                size = len(render(doc, fmt).body)
                best = min(best, time.perf_counter() - started)
            figures.append(f"{best * 1000:.1f} ms ({size // 1024} KiB)")
        rows.append((f"render {count} entries", *figures))
    return Table(("", "RSS", "Atom", "JSON Feed"), rows)


# -- servers -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _uvicorn(app: object, port: int) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        http="h11",
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    uvicorn.Server(config).run()


def serve_ours(database: str, port: int) -> None:
    from feeds.server import FeedCache, FeedServer, Site
    from syndicator.store import Store
    from syndicator.store.engine import create_engine

    store = Store.on(create_engine(database))
    site = Site(title="أخبار", base_url=f"http://127.0.0.1:{port}", limit=50)
    _uvicorn(FeedServer(store, site, FeedCache()).app(), port)


def serve_floor(body: bytes, port: int, headers: dict[str, str] | None = None) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def fixed(request: Request) -> Response:
        return Response(body, media_type="application/rss+xml", headers=headers)

    _uvicorn(Starlette(routes=[Route(PATH, fixed, methods=["GET", "HEAD"])]), port)


async def _prepare(database: str) -> None:
    from syndicator.store import Store, migrate
    from syndicator.store.engine import create_engine

    await asyncio.to_thread(migrate.upgrade, database)
    engine = create_engine(database)
    store = Store.on(engine)
    await store.registry.apply(
        [Category("syria", "الشأن السوري"), Category("world", "عربي ودولي")],
        [Source("sham", "أخبار الشام", "https://sham.example/feed/")],
        [],
    )
    for item in reversed(articles(60)):
        await store.articles.add(replace(item, id=None), START)
    await engine.dispose()


# -- load generator ------------------------------------------------------------------------


class _Client(asyncio.Protocol):
    """One keep-alive connection: send, read the whole response, send again."""

    def __init__(self, request: bytes, counts: list[int], stop: asyncio.Event) -> None:
        self.request, self.counts, self.stop = request, counts, stop
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buffer[:end].split(b"\r\n")
            length = next(
                (int(line[15:]) for line in lines if line[:15].lower() == b"content-length:"), 0
            )
            if len(self.buffer) < end + 4 + length:
                return
            status = int(lines[0][9:12])
            self.counts[0 if status == 200 else 1 if status == 304 else 2] += 1
            self.buffer = self.buffer[end + 4 + length :]
            if self.stop.is_set():
                assert self.transport is not None
                self.transport.close()
                return
            assert self.transport is not None
            self.transport.write(self.request)


def load(port: int, headers: str, seconds: float, out: Connection) -> None:
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        counts = [0, 0, 0]
        stop = asyncio.Event()
        request = f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode()
        transports = []
        for _ in range(CONNECTIONS):
            transport, _ = await loop.create_connection(
                lambda: _Client(request, counts, stop), "127.0.0.1", port
            )
            transports.append(transport)
        await asyncio.sleep(0.3)  # warm up
        before = list(counts)
        await asyncio.sleep(seconds)
        after = list(counts)
        stop.set()
        for transport in transports:
            transport.close()
        return [a - b for a, b in zip(after, before, strict=True)]

    out.send(asyncio.run(main()))


def _measure(
    context: multiprocessing.context.SpawnContext, port: int, headers: str, seconds: float
) -> tuple[float, list[int]]:
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=load, args=(port, headers, seconds, send))
    process.start()
    counts: list[int] = receive.recv()
    process.join()
    return counts[0] / seconds + counts[1] / seconds, counts


def _wait(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx.get(url, headers=headers, timeout=5)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


def serving(seconds: float = SECONDS, rounds: int = ROUNDS) -> tuple[Table, dict[str, float]]:
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{Path(tmp) / 'feeds.db'}"
        asyncio.run(_prepare(database))
        ports = {"ours": _free_port(), "floor": _free_port(), "dressed": _free_port()}
        ours = context.Process(target=serve_ours, args=(database, ports["ours"]), daemon=True)
        ours.start()
        floors: list[multiprocessing.process.BaseProcess] = []
        try:
            first = _wait(
                f"http://127.0.0.1:{ports['ours']}{PATH}", {"Accept-Encoding": "identity"}
            )
            ours_headers = {k: v for k, v in first.headers.items() if k in VALIDATORS}
            for args in ((ports["floor"], None), (ports["dressed"], ours_headers)):
                floors.append(
                    context.Process(target=serve_floor, args=(first.content, *args), daemon=True)
                )
                floors[-1].start()
                _wait(f"http://127.0.0.1:{args[0]}{PATH}")
            return _compare(context, ports, first, seconds, rounds)
        finally:
            for process in [ours, *floors]:
                process.terminate()
                process.join()


def _compare(
    context: multiprocessing.context.SpawnContext,
    ports: dict[str, int],
    first: httpx.Response,
    seconds: float,
    rounds: int,
) -> tuple[Table, dict[str, float]]:
    identity = "Accept-Encoding: identity\r\n"
    conditional = identity + f"If-None-Match: {first.headers['etag']}\r\n"
    runs = (
        ("floor", "floor (req/s)", identity, 0),
        ("dressed", "floor + our headers", identity, 0),
        ("ours", "cached GET", identity, 0),
        ("ours", "304 answers", conditional, 1),
    )
    results: dict[str, list[float]] = {label: [] for _, label, _, _ in runs}
    rows = []
    for number in range(rounds):
        for server, label, headers, expect in runs:
            rate, counts = _measure(context, ports[server], headers, seconds)
            assert counts[expect] > 0, (label, counts)
            assert counts[2] == 0, (label, counts)
            results[label].append(rate)
        floor = results[runs[0][1]][-1]
        rows.append(
            (
                str(number + 1),
                f"{floor:,.0f}",
                *(f"{results[label][-1] / floor:.2f}" for _, label, _, _ in runs[1:]),
            )
        )
    medians = {label: statistics.median(values) for label, values in results.items()}
    floor = medians[runs[0][1]]
    rows.append(
        (
            "median",
            f"{floor:,.0f}",
            *(f"**{medians[label] / floor:.2f}**" for _, label, _, _ in runs[1:]),
        )
    )
    size = len(first.content) // 1024
    table = Table(
        ("run", *(label for _, label, _, _ in runs)),
        rows,
        f"`{PATH}` ({size} KiB, 50 entries), {CONNECTIONS} keep-alive connections, "
        f"{rounds} alternating runs of {seconds:g} s; ratios to the floor of the same run:",
    )
    ratios = {label: medians[label] / floor for _, label, _, _ in runs[1:]}
    return table, {"floor": floor, **ratios}


def run(quick: bool = False) -> Section:
    render_table = render_times(quick)
    serve_table, figures = serving(*((1.0, 1) if quick else (SECONDS, ROUNDS)))
    cached = figures["cached GET"]
    met = verdict(cached >= TARGET, f"target >= {TARGET}")
    return Section(
        "feeds",
        "Feeds: render time, cached GETs and 304s against the framework floor",
        (render_table, serve_table),
        (
            f"cached GETs {cached:.2f} x floor: {met}; 304 answers "
            f"{figures['304 answers']:.2f} x floor",
        ),
        figures,
        (
            f"cached GET {cached * figures['floor']:,.0f} req/s",
            f"Starlette + uvicorn floor {figures['floor']:,.0f} req/s: {cached:.2f}",
            met,
        ),
    )


def main(argv: list[str] | None = None) -> None:
    print(run("--quick" in (sys.argv[1:] if argv is None else argv)).markdown())


if __name__ == "__main__":
    main()

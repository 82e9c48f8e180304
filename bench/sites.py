"""Many small news sites on loopback, in one process, publishing on a schedule.

Source n's feed is `http://127.0.0.1:{port of site n % sites}/feed/{n}`: RSS 2.0 with its
latest 10 items, newest first, each with its full text in `content:encoded` (about 700
characters of Arabic, so the collector needs no page), an ETag that changes with every new
item, and 304 Not Modified when the request's If-None-Match is the current ETag. Each site
is its own listening port, so the collector sees a host of its own (its politeness slots
are per host) and opens connections the way it does to real sites. No Cache-Control: the
source's interval alone decides when it is polled.

Every source starts with `initial` items published in the past. The publications of a
`plan` appear at whole seconds after the start the parent announces with `Sites.start`
(their `pubDate` is that second exactly), so the parent knows when each article appeared.
The server is a bare asyncio protocol (it costs next to nothing beside the collector) in a
process of its own, as the sites are not the service's work.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import multiprocessing
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formatdate
from html import escape
from multiprocessing.connection import Connection
from types import TracebackType

FEED_ITEMS = 10
CATEGORY = "عربي ودولي"


@dataclass(frozen=True)
class Publication:
    source: int
    item: int  # the source's item number (0 .. initial-1 are the initial items)
    offset: int  # whole seconds after the start

    @property
    def guid(self) -> str:
        return guid(self.source, self.item)


def guid(source: int, item: int) -> str:
    return f"s{source}-{item}"


def plan(sources: int, articles: int, window: int, seed: int, initial: int) -> list[Publication]:
    """`articles` publications at random seconds in [0, window], on random sources."""
    rng = random.Random(seed)
    drawn = sorted((rng.randint(0, window), rng.randrange(sources)) for _ in range(articles))
    counts: dict[int, int] = {}
    made = []
    for offset, source in drawn:
        item = initial + counts.get(source, 0)
        counts[source] = counts.get(source, 0) + 1
        made.append(Publication(source, item, offset))
    return made


class Sites:
    """The server process, seen from the parent: its URLs, its start, its end."""

    def __init__(
        self,
        sources: int,
        sites: int,
        publications: Sequence[Publication] = (),
        initial: int = 1,
    ) -> None:
        self.sources, self.sites = sources, min(sites, sources)
        self._args = (sources, self.sites, list(publications), initial)
        self.ports: list[int] = []
        self.started: float | None = None
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, *self._args), daemon=True)

    def __enter__(self) -> Sites:
        self._process.start()
        if not self._pipe.poll(60):
            raise RuntimeError("the fixture sites did not start")
        self.ports = self._pipe.recv()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def url(self, source: int) -> str:
        return f"http://127.0.0.1:{self.ports[source % self.sites]}/feed/{source}"

    def counts(self) -> dict[str, int]:
        """Requests answered so far, by status ("200", "304", "404")."""
        self._pipe.send("counts")
        counts: dict[str, int] = self._pipe.recv()
        return counts

    def start(self) -> float:
        """Start the plan's clock at the next whole second; returns that time (epoch)."""
        self.started = float(int(time.time()) + 1)
        self._pipe.send(self.started)
        return self.started


def _text(rng: random.Random, paragraphs: Sequence[str], size: int = 700) -> str:
    words = " ".join(paragraphs).split()
    return " ".join(rng.sample(words, min(len(words), size // 6)))


class _Catalog:
    """What every source has published, as epochs, and its documents by item count."""

    def __init__(
        self, sources: int, publications: list[Publication], initial: int, ports: list[int]
    ) -> None:
        from syndicator.demo.site import load_articles

        posts = load_articles()
        self._paragraphs = [p.paragraphs for p in posts]
        self._titles = [p.title for p in posts]
        self.ports = ports
        self.sources = sources
        boot = time.time()
        self.times = [
            [boot - 3600.0 * (initial - k) for k in range(initial)] for _ in range(sources)
        ]
        self._publications = publications
        self._documents: dict[tuple[int, int], bytes] = {}
        self.answered = {"200": 0, "304": 0, "404": 0}

    def start(self, at: float) -> None:
        for p in self._publications:  # sorted by offset: each source's times stay sorted
            self.times[p.source].append(at + p.offset)

    def visible(self, source: int, now: float) -> int:
        return bisect.bisect_right(self.times[source], now)

    def document(self, source: int, count: int) -> bytes:
        key = (source, count)
        if key not in self._documents:
            self._documents[key] = self._render(source, count)
        return self._documents[key]

    def _render(self, source: int, count: int) -> bytes:
        base = f"http://127.0.0.1:{self.ports[source % len(self.ports)]}"
        items = []
        for item in range(count - 1, max(count - FEED_ITEMS, 0) - 1, -1):
            rng = random.Random(source * 1_000_003 + item)
            post = rng.randrange(len(self._titles))
            title = f"{_text(rng, [self._titles[post]], 120)} {source}-{item}"
            body = _text(rng, self._paragraphs[post])
            items.append(
                f"<item><title>{escape(title)}</title>"
                f"<link>{base}/{source}/{item}/</link>"
                f'<guid isPermaLink="false">{guid(source, item)}</guid>'
                f"<pubDate>{formatdate(self.times[source][item], usegmt=True)}</pubDate>"
                f"<category>{CATEGORY}</category>"
                f"<description>{escape(body[:200])}</description>"
                f"<content:encoded><![CDATA[<p>{escape(body)}</p>]]></content:encoded></item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>موقع {source}</title><link>{base}/</link><language>ar</language>"
            f"<description>أخبار الموقع {source}</description>{''.join(items)}</channel></rss>"
        ).encode()


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def _answer(catalog: _Catalog, head: bytes) -> bytes:
    lines = head.split(b"\r\n")
    path = lines[0].split(b" ")[1].decode()
    number = path.removeprefix("/feed/")
    if number == path or not number.isdigit() or int(number) >= catalog.sources:
        catalog.answered["404"] += 1
        return NOT_FOUND
    source = int(number)
    count = catalog.visible(source, time.time())
    etag = f'"{source}-{count}"'.encode()
    for line in lines[1:]:
        if line[:14].lower() == b"if-none-match:" and line[14:].strip() == etag:
            catalog.answered["304"] += 1
            return b"HTTP/1.1 304 Not Modified\r\nETag: " + etag + b"\r\nContent-Length: 0\r\n\r\n"
    body = catalog.document(source, count)
    catalog.answered["200"] += 1
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=UTF-8\r\nETag: "
        + etag + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


def _serve(
    pipe: Connection, sources: int, sites: int, publications: list[Publication], initial: int
) -> None:
    sockets = []
    for _ in range(sites):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        sock.setblocking(False)
        sockets.append(sock)
    ports = [int(s.getsockname()[1]) for s in sockets]
    catalog = _Catalog(sources, publications, initial, ports)

    class Handler(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while b"\r\n\r\n" in self.buffer:
                head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
                self.transport.write(_answer(catalog, head))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(Handler, sock=sock, backlog=256) for sock in sockets]
        pipe.send(ports)
        while (message := await loop.run_in_executor(None, pipe.recv)) is not None:
            if message == "counts":
                pipe.send(dict(catalog.answered))
            else:
                catalog.start(message)
        for server in servers:
            server.close()

    asyncio.run(main())

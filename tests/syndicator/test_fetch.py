"""Fetch stage manners over loopback: conditional GET, User-Agent and compression, per-host
spacing, robots.txt, Retry-After, deadlines, redirects, body limits, and redirects into
addresses the network guard refuses.

Everything runs against the real fixture sites (`SampleSite` for a polite WordPress site,
`HostileServer` for the bad answers). Answers neither of them can give (a compressed
robots.txt bomb, a Retry-After written as an HTTP date, a redirect to anywhere) come from
`canned`, a few lines of asyncio server below. Slow cases use a 1 s deadline so that every
test stays under ~2 s.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TypeVar

import feedparser
import httpx
import pytest

from syndicator.errors import FetchError
from syndicator.fetch import (
    MAX_RETRY_AFTER,
    ROBOTS_MAX_BYTES,
    Fetcher,
    HostLimiter,
    Response,
    Robots,
    build_client,
    retry_after,
)
from syndicator.netguard import LOOPBACK
from tests.fakes.clock import FakeClock
from tests.fakes.hostile import (
    BROTLI_BOMB,
    HUGE_SIZE,
    RETRY_AFTER,
    SECRET,
    HostileServer,
    gzip_bomb,
)
from tests.fakes.news_site import SampleSite

UA = "syndicator-tests/1.0 (+https://example.invalid/bot)"
MAX_BYTES = 2_000_000
DEADLINE = 1.0  # seconds; the slow cases must end within this plus MARGIN
MARGIN = 0.5
MEMORY_BOUND = 3 * MAX_BYTES + 10 * 2**20  # tracemalloc peak allowed for a refused body

T = TypeVar("T")


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite(clock=FakeClock()) as running:
        yield running


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    gzip_bomb()  # built once (cached) before any memory is measured
    with HostileServer() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with build_client(timeout=5.0, user_agent=UA, allow_networks=LOOPBACK) as client:
        yield client


def fetcher(
    http: httpx.AsyncClient,
    *,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
    hosts: HostLimiter | None = None,
    robots: Robots | None = None,
) -> Fetcher:
    return Fetcher(http, max_bytes=max_bytes, deadline=deadline, hosts=hosts, robots=robots)


async def timed(call: Awaitable[T]) -> tuple[T | BaseException, float]:
    """The outcome of `call` (its result or its exception) and how long it took."""
    start = time.monotonic()
    try:
        outcome: T | BaseException = await call
    except Exception as exc:
        outcome = exc
    return outcome, time.monotonic() - start


async def peak_memory(call: Awaitable[T]) -> tuple[T | BaseException, int]:
    """The outcome of `call` and the peak of memory traced while it ran, in bytes."""
    tracemalloc.start()
    try:
        outcome, _ = await timed(call)
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


Route = tuple[int, list[tuple[str, str]], bytes]


@asynccontextmanager
async def canned(routes: dict[str, Route]) -> AsyncIterator[str]:
    """A loopback server answering each path with a fixed (status, headers, body)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].decode()
            status, headers, body = routes.get(path, (404, [], b"not found\n"))
            head = [f"HTTP/1.1 {status} Canned", f"Content-Length: {len(body)}"]
            head += [f"{name}: {value}" for name, value in headers] + ["Connection: close"]
            writer.write("\r\n".join(head).encode() + b"\r\n\r\n" + body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


PAGES = ["feed", "category-feed", "home-page"]

# -- conditional GET, User-Agent, compression --------------------------------------------------


async def test_second_fetch_is_conditional_and_answered_304(
    site: SampleSite, http: httpx.AsyncClient
) -> None:
    get = fetcher(http)
    first = await get.get(site.feed_url())
    assert first.status == 200
    assert not first.not_modified
    assert first.etag
    assert first.last_modified
    again = await get.get(site.feed_url(), etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified
    assert again.body == b""
    plain, conditional = site.request_log
    assert "if-none-match" not in plain.headers
    assert "if-modified-since" not in plain.headers
    assert conditional.headers["if-none-match"] == first.etag
    assert conditional.headers["if-modified-since"] == first.last_modified


async def test_changed_feed_is_fetched_again_despite_validators(
    site: SampleSite, http: httpx.AsyncClient
) -> None:
    get = fetcher(http)
    first = await get.get(site.feed_url())
    new = site.publish_next()
    again = await get.get(site.feed_url(), etag=first.etag, last_modified=first.last_modified)
    assert again.status == 200
    assert again.etag != first.etag
    assert new.article.title in [e.title for e in feedparser.parse(again.body).entries]


async def test_user_agent_and_accept_encoding_are_sent(
    site: SampleSite, http: httpx.AsyncClient
) -> None:
    await fetcher(http).get(site.feed_url())
    (request,) = site.request_log
    assert request.headers["user-agent"] == UA
    accepted = {c.strip() for c in request.headers["accept-encoding"].split(",")}
    assert {"gzip", "br"} <= accepted


@pytest.mark.parametrize("path", ["/feed/", "/category/syria/feed/", "/"], ids=PAGES)
@pytest.mark.parametrize("coding", ["br", "gzip", "identity"])
async def test_compressed_bodies_decode_to_the_identity_body(
    site: SampleSite, coding: str, path: str
) -> None:
    async with httpx.AsyncClient(headers={"Accept-Encoding": "identity"}) as plain:
        expected = (await plain.get(site.url + path)).content
    async with httpx.AsyncClient(headers={"User-Agent": UA, "Accept-Encoding": coding}) as client:
        response = await fetcher(client).get(site.url + path)
    sent = response.headers.get("content-encoding")
    assert sent == (None if coding == "identity" else coding)
    assert response.body == expected
    assert "قال".encode() in response.body or b"<rss" in response.body


# -- per-host spacing -------------------------------------------------------------------------


async def test_host_limiter_spaces_starts_and_caps_concurrency(
    site: SampleSite, http: httpx.AsyncClient
) -> None:
    delay, service = 0.2, 0.45
    site.slow("/feed/", service)  # every answer takes this long: overlaps become visible
    with SampleSite(clock=FakeClock()) as other:
        get = fetcher(http, hosts=HostLimiter(concurrency=2, delay=delay), deadline=5.0)
        start = time.monotonic()
        first_host = [timed(get.get(site.feed_url())) for _ in range(6)]
        second_host = timed(get.get(other.feed_url()))
        *outcomes, (other_outcome, other_took) = await asyncio.gather(*first_host, second_host)
    assert all(isinstance(outcome, Response) for outcome, _ in outcomes)
    assert isinstance(other_outcome, Response)
    arrivals = sorted(r.at for r in site.request_log)
    assert len(arrivals) == 6
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= delay - 0.05, gaps  # the server's clock reads a bit after the start
    # A request is in service from its arrival until its answer (service seconds later).
    in_service = [sum(1 for b in arrivals if b <= a < b + service) for a in arrivals]
    assert max(in_service) == 2, in_service
    # The other host was neither queued behind nor spaced with the first one (sharing their
    # limiter, it would have started last, a second or more after the first).
    assert other.request_log[0].at - start < 0.5
    assert other_took < 0.5


async def test_host_limiter_alone() -> None:
    """Without HTTP: the starts are `delay` apart and never more than `concurrency` run."""
    limiter = HostLimiter(concurrency=2, delay=0.05)
    running, peak, starts = 0, 0, []

    async def work() -> None:
        nonlocal running, peak
        async with limiter.slot("a.example"):
            starts.append(time.monotonic())
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.12)
            running -= 1

    await asyncio.gather(*(work() for _ in range(5)))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert peak == 2
    assert min(gaps) >= 0.05 - 0.01, gaps


# -- robots.txt ------------------------------------------------------------------------------

ROBOTS_CASES = [
    # (id, set the site up, respect robots.txt, error expected)
    ("disallowed", lambda s: s.disallow("/feed/"), True, "robots.txt"),
    ("disallowed-but-ignored", lambda s: s.disallow("/feed/"), False, None),
    ("other-path-disallowed", lambda s: s.disallow("/wp-admin/"), True, None),
    ("robots-503-disallows", lambda s: s.fail_next("/robots.txt", 503), True, "robots.txt"),
    ("robots-500-disallows", lambda s: s.fail_next("/robots.txt", 500), True, "robots.txt"),
    ("robots-404-allows", lambda s: s.fail_next("/robots.txt", 404), True, None),
    ("robots-403-allows", lambda s: s.fail_next("/robots.txt", 403), True, None),
]


@pytest.mark.parametrize(
    ("setup", "respect", "error"),
    [case[1:] for case in ROBOTS_CASES],
    ids=[case[0] for case in ROBOTS_CASES],
)
async def test_robots_txt(
    site: SampleSite,
    http: httpx.AsyncClient,
    setup: Callable[[SampleSite], None],
    respect: bool,
    error: str | None,
) -> None:
    setup(site)
    get = fetcher(http, robots=Robots(http, UA))
    if error is None:
        response = await get.get(site.feed_url(), respect_robots=respect)
        assert response.status == 200
        assert ("GET", "/feed/") in site.requests
    else:
        with pytest.raises(FetchError, match=error) as caught:
            await get.get(site.feed_url(), respect_robots=respect)
        assert site.feed_url() in str(caught.value)
        assert site.requests == [("GET", "/robots.txt")]  # the feed itself was never asked
    assert (("GET", "/robots.txt") in site.requests) == respect


async def test_robots_txt_is_fetched_once_per_site(
    site: SampleSite, http: httpx.AsyncClient
) -> None:
    get = fetcher(http, robots=Robots(http, UA))
    await asyncio.gather(*(get.get(site.feed_url(c)) for c in ("syria", "economy", "sports")))
    await get.get(site.feed_url())
    assert [path for _, path in site.requests].count("/robots.txt") == 1


async def test_a_robots_txt_that_never_answers_is_bound_by_the_deadline(
    site: SampleSite, http: httpx.AsyncClient
) -> None:
    site.slow("/robots.txt", 3.0)
    outcome, took = await timed(fetcher(http, robots=Robots(http, UA)).get(site.feed_url()))
    assert isinstance(outcome, FetchError)
    assert f"no complete answer within {DEADLINE:g} s" in str(outcome)
    assert took < DEADLINE + MARGIN


@pytest.mark.parametrize(
    ("coding", "bomb"),
    [("br", lambda: BROTLI_BOMB), ("gzip", gzip_bomb)],
    ids=["brotli", "gzip"],
)
async def test_a_compressed_robots_txt_bomb_is_read_with_bounded_memory(
    coding: str, bomb: Callable[[], bytes]
) -> None:
    """httpx inflates a whole chunk at once: the 600-byte brotli bomb became 100 MB."""
    routes: dict[str, Route] = {
        "/robots.txt": (200, [("Content-Encoding", coding)], bomb()),
        "/feed/": (200, [("Content-Type", "application/rss+xml")], b"<rss/>"),
    }
    async with (
        canned(routes) as origin,
        build_client(timeout=5.0, user_agent=UA, allow_networks=LOOPBACK) as http,
    ):
        get = fetcher(http, robots=Robots(http, UA))
        outcome, peak = await peak_memory(get.get(origin + "/feed/"))
    assert isinstance(outcome, Response)  # a body of spaces has no rule: allowed
    assert peak < 3 * ROBOTS_MAX_BYTES + 10 * 2**20, peak


# -- Retry-After ------------------------------------------------------------------------------

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
RETRY_AFTER_CASES = [
    # (id, header value, seconds)
    ("seconds", "120", 120.0),
    ("padded", " 7 ", 7.0),
    ("zero", "0", 0.0),
    ("absent", None, None),
    ("empty", "", None),
    ("negative", "-5", None),
    ("fraction", "1.5", None),
    ("words", "soon", None),
    ("superscript-digit", "²", None),
    ("http-date", format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
    ("asctime", "Sun Nov 29 12:01:00 2026", 60.0),
    ("rfc850", "Sunday, 29-Nov-26 12:00:45 GMT", 45.0),
    ("date-in-the-past", "Sun, 29 Nov 2026 11:00:00 GMT", 0.0),
    ("impossible-date", "Sun, 32 Nov 2026 12:00:30 GMT", None),
    ("year-9999", "Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),
    ("absurd-seconds", "9" * 30, MAX_RETRY_AFTER),
]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [case[1:] for case in RETRY_AFTER_CASES],
    ids=[case[0] for case in RETRY_AFTER_CASES],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_after(value, NOW) == seconds


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_seconds_reach_the_error(
    site: SampleSite, http: httpx.AsyncClient, status: int
) -> None:
    site.fail_next("/feed/", status, retry_after=120)
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        await fetcher(http).get(site.feed_url())
    assert caught.value.status == status
    assert caught.value.retry_after == 120.0
    assert (await fetcher(http).get(site.feed_url())).status == 200  # only the next one failed


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_date_reaches_the_error(status: int) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    routes: dict[str, Route] = {"/feed/": (status, [("Retry-After", when)], b"busy\n")}
    async with (
        canned(routes) as origin,
        build_client(timeout=5.0, user_agent=UA, allow_networks=LOOPBACK) as http,
    ):
        with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
            await fetcher(http).get(origin + "/feed/")
    assert caught.value.status == status
    assert caught.value.retry_after is not None
    assert 118.0 <= caught.value.retry_after <= 120.0


@pytest.mark.parametrize(
    ("status", "wait"),
    [(429, float(RETRY_AFTER)), (503, float(RETRY_AFTER)), (500, None), (404, None)],
)
async def test_hostile_status_codes(
    hostile: HostileServer, http: httpx.AsyncClient, status: int, wait: float | None
) -> None:
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        await fetcher(http).get(hostile.url(f"/status/{status}"))
    assert caught.value.status == status
    assert caught.value.retry_after == wait


# -- deadlines, redirects, limits -------------------------------------------------------------

LIMIT_CASES = [
    # (id, path, error expected (None: a 200), memory measured)
    ("slowloris", "/slowloris", f"no complete answer within {DEADLINE:g} s", False),
    ("slow-headers", "/slow-headers", f"no complete answer within {DEADLINE:g} s", False),
    ("redirect-loop", "/redirect-loop", "more than 5 redirects", False),
    ("huge-declared", "/huge", f"body of {HUGE_SIZE} bytes is over {MAX_BYTES}", True),
    ("huge-chunked", "/huge-chunked", f"over {MAX_BYTES} bytes", True),
    ("gzip-bomb", "/gzip-bomb.xml", f"over {MAX_BYTES} bytes (decompressed)", True),
    ("brotli-bomb", "/brotli-bomb.xml", f"over {MAX_BYTES} bytes (decompressed)", True),
    ("redirect-chain-3", "/redirect-chain/3", None, False),
    ("empty", "/empty", None, False),
    ("valid", "/valid.xml", None, False),
]


@pytest.mark.parametrize(
    ("path", "error", "measured"),
    [case[1:] for case in LIMIT_CASES],
    ids=[case[0] for case in LIMIT_CASES],
)
async def test_limits(
    hostile: HostileServer,
    http: httpx.AsyncClient,
    path: str,
    error: str | None,
    measured: bool,
) -> None:
    call = fetcher(http).get(hostile.url(path))
    start = time.monotonic()
    if measured:
        outcome, peak = await peak_memory(call)
        assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.1f} MiB"
    else:
        outcome, _ = await timed(call)
    assert time.monotonic() - start < DEADLINE + MARGIN
    if error is not None:
        assert isinstance(outcome, FetchError), outcome
        assert error in str(outcome)
        assert hostile.url(path) in str(outcome)
    else:
        assert isinstance(outcome, Response), outcome
        assert outcome.status == 200


async def test_a_redirect_chain_ends_at_the_feed(
    hostile: HostileServer, http: httpx.AsyncClient
) -> None:
    response = await fetcher(http).get(hostile.url("/redirect-chain/3"))
    assert response.url == hostile.url("/valid.xml")
    titles = [e.title for e in feedparser.parse(response.body).entries]
    assert titles[0].startswith("افتتاح معرض الكتاب")
    chain = ["/redirect-chain/3", "/redirect-chain/2", "/redirect-chain/1", "/valid.xml"]
    assert hostile.requests == chain


async def test_an_empty_body_is_not_a_fetch_error(
    hostile: HostileServer, http: httpx.AsyncClient
) -> None:
    response = await fetcher(http).get(hostile.url("/empty"))
    assert (response.status, response.body) == (200, b"")


async def test_a_body_exactly_at_the_limit_passes_and_one_byte_more_does_not(
    site: SampleSite,
) -> None:
    """The cap counts inflated bytes, not the (much smaller) gzip body on the wire."""
    async with httpx.AsyncClient(headers={"Accept-Encoding": "gzip"}) as client:
        whole = await fetcher(client).get(site.feed_url())
        assert whole.headers["content-encoding"] == "gzip"
        size = len(whole.body)
        assert len((await fetcher(client, max_bytes=size).get(site.feed_url())).body) == size
        with pytest.raises(FetchError, match=f"over {size - 1} bytes"):
            await fetcher(client, max_bytes=size - 1).get(site.feed_url())


async def test_unreachable_site_is_not_reported_as_a_robots_refusal() -> None:
    """With robots.txt honoured, a site that does not answer at all must say so, not
    "disallowed by robots.txt" (which would send an operator looking in the wrong place)."""
    async with httpx.AsyncClient() as client:
        fetcher = Fetcher(client, max_bytes=1000, deadline=5, robots=Robots(client, "test-agent"))
        with pytest.raises(FetchError, match=r"site unreachable \(robots.txt: ConnectError") as err:
            await fetcher.get("http://127.0.0.1:9/feed/")
    assert "disallowed" not in str(err.value)


# -- the network guard on redirects (syndicator/netguard.py) -----------------------------------

GUARD_HINT = "the collector only reaches public addresses unless fetch.allow_networks lists it"


@pytest.mark.parametrize("robots", [False, True], ids=["direct", "robots-first"])
async def test_a_redirect_into_a_refused_address_is_not_followed(robots: bool) -> None:
    """An allowed site (127.0.0.1 only) that redirects inward (127.0.0.2: loopback, which
    Linux serves without setup) is refused at the hop: the inner server sees nothing. With
    all of 127/8 allowed the same redirect reaches it, so the refusal is the guard's."""
    only_origin = (ipaddress.ip_network("127.0.0.1/32"),)
    with HostileServer(host="127.0.0.2") as inner:
        secret = inner.url("/secret")
        async with canned({"/feed": (302, [("Location", secret)], b"")}) as origin:
            url = f"{origin}/feed"
            async with build_client(timeout=5.0, user_agent=UA, allow_networks=only_origin) as c:
                check = Robots(c, UA) if robots else None
                with pytest.raises(FetchError) as refused:
                    await fetcher(c, robots=check).get(url)
            assert str(refused.value) == (
                f"{url}: redirected to {secret}: 127.0.0.2 is a loopback address; {GUARD_HINT}"
            )
            assert inner.requests == []
            async with build_client(timeout=5.0, user_agent=UA, allow_networks=LOOPBACK) as c:
                followed = await fetcher(c).get(url)
    assert (followed.url, followed.body) == (secret, SECRET.encode())
    assert inner.secret_requested


async def test_a_redirect_to_the_metadata_endpoint_is_refused_with_its_address() -> None:
    target = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    async with (
        canned({"/feed": (301, [("Location", target)], b"")}) as origin,
        build_client(timeout=5.0, user_agent=UA, allow_networks=LOOPBACK) as http,
    ):
        with pytest.raises(FetchError) as refused:
            await fetcher(http).get(f"{origin}/feed")
    assert str(refused.value) == (
        f"{origin}/feed: redirected to {target}: 169.254.169.254 is a link-local address;"
        f" {GUARD_HINT}"
    )

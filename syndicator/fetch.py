"""Fetch stage (I/O): polite HTTP GETs with httpx, translated to `FetchError` at this edge.

Manners, in the order a request meets them:
- robots.txt is honoured (per source switch) through `Robots`;
- per-host limits: at most `concurrency` requests at once to one host and at least `delay`
  seconds between two request starts, so many sources on one site never hammer it;
- conditional GET headers (If-None-Match, If-Modified-Since) when the store has validators;
- connect/read timeouts from httpx plus a total deadline (a server that trickles bytes
  cannot hold a poll forever), at most 5 redirects, an honest User-Agent;
- the body is streamed raw and decompressed here with an output cap (gzip, deflate, br):
  neither a huge body nor a compression bomb can take more than `max_bytes` of memory;
- 429 and 503 answers carry their Retry-After into the error, so the scheduler waits that
  long before polling the source again;
- every connection, redirects included, goes to public addresses only unless `[fetch]
  allow_networks` lists the network (`syndicator.netguard`); a refusal reads as one
  sentence the operator can act on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from syndicator import inflate, netguard
from syndicator.errors import FetchError

MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512_000
ROBOTS_TTL = 3600.0
ROBOTS_ERROR_TTL = 600.0
MAX_RETRY_AFTER = 86400.0  # a longer Retry-After (or a date in year 9999) counts as one day
_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def build_client(
    *, timeout: float, user_agent: str, allow_networks: Iterable[netguard.Network]
) -> httpx.AsyncClient:
    """The one HTTP client of the collector, created by the composition root.

    It connects to public addresses and to `allow_networks` only (`netguard.GuardedTransport`;
    required, so every caller decides). Proxies named in the environment are not used
    (`trust_env=False`): through a proxy the guard would only see the proxy's address.
    """
    # httpcore checks every pooled connection on each request: keep the idle pool small.
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=16)
    return httpx.AsyncClient(
        transport=netguard.GuardedTransport(allowed=allow_networks, limits=limits),
        trust_env=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": user_agent,
            "Accept-Language": "ar,en;q=0.5",
            "Accept-Encoding": inflate.SUPPORTED,
        },
    )


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent.

    At most `MAX_RETRY_AFTER`: the value sets the next poll time, which must stay a datetime.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true, and float("²") raises
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


class HostLimiter:
    """At most `concurrency` requests at once per host, `delay` seconds between starts."""

    def __init__(self, *, concurrency: int, delay: float) -> None:
        self._concurrency = concurrency
        self._delay = delay
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        semaphore = self._slots.setdefault(host, asyncio.Semaphore(self._concurrency))
        async with semaphore:
            async with self._locks.setdefault(host, asyncio.Lock()):
                now = time.monotonic()
                start = max(now, self._next_start.get(host, 0.0))
                self._next_start[host] = start + self._delay
            if start > now:
                await asyncio.sleep(start - now)
            yield


class Robots:
    """robots.txt per origin, fetched once an hour (RFC 9309 rules for errors)."""

    def __init__(self, client: httpx.AsyncClient, user_agent: str) -> None:
        self._client = client
        self._agent = user_agent
        # origin -> (expires, rules, why everything is disallowed when robots.txt failed)
        self._cache: dict[str, tuple[float, RobotFileParser, str | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        return await self.refusal(url) is None

    async def refusal(self, url: str) -> str | None:
        """Why `url` may not be fetched now, or None when it may."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._locks.setdefault(origin, asyncio.Lock()):
            cached = self._cache.get(origin)
            if cached is None or cached[0] < time.monotonic():
                cached = await self._load(origin)
                self._cache[origin] = cached
        _, parser, unreachable = cached
        if parser.can_fetch(self._agent, url):
            return None
        return unreachable or "disallowed by the site's robots.txt"

    async def _load(self, origin: str) -> tuple[float, RobotFileParser, str | None]:
        parser = RobotFileParser()
        try:
            async with self._client.stream("GET", f"{origin}/robots.txt") as response:
                if response.status_code >= 500:
                    # RFC 9309: an unreachable robots.txt means "disallow everything" for now.
                    parser.parse(_DISALLOW_ALL)
                    why = f"robots.txt answered HTTP {response.status_code}; waiting for it"
                    return time.monotonic() + ROBOTS_ERROR_TTL, parser, why
                if response.status_code >= 400:
                    parser.parse([])  # no robots.txt: everything is allowed
                else:
                    body = await _robots_body(response, origin)
                    parser.parse(body.decode("utf-8", errors="replace").splitlines())
        except httpx.HTTPError as exc:
            parser.parse(_DISALLOW_ALL)
            refused = _refused(exc, f"{origin}/robots.txt")
            why = refused or f"site unreachable (robots.txt: {type(exc).__name__}: {exc})"
            return time.monotonic() + ROBOTS_ERROR_TTL, parser, why
        return time.monotonic() + ROBOTS_TTL, parser, None


def _refused(exc: httpx.HTTPError, asked: str) -> str | None:
    """The network guard's sentence when it refused the connection, naming the redirect
    target when the refused address was not `asked`'s own; None for any other error."""
    reason = netguard.refused(exc)
    if reason is None:
        return None
    try:
        target = exc.request.url
    except RuntimeError:  # an error raised outside a request has none
        return reason
    return reason if target == asked else f"redirected to {target}: {reason}"  # URL == str


async def _robots_body(response: httpx.Response, origin: str) -> bytes:
    """At most ROBOTS_MAX_BYTES of robots.txt (RFC 9309 lets a crawler stop there), inflated
    here with that cap: httpx would expand a whole compressed chunk (a bomb) at once."""
    body = bytearray()
    try:
        decoder = inflate.decoder(
            response.headers.get("Content-Encoding", ""), ROBOTS_MAX_BYTES, f"{origin}/robots.txt"
        )
        async for chunk in response.aiter_raw():
            body += decoder.feed(chunk)
        body += decoder.finish()
    except FetchError:
        pass  # over the cap, or a coding we cannot read: the rules that came are the rules
    return bytes(body)


class Fetcher:
    """GETs with manners; see the module docstring."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        max_bytes: int,
        deadline: float,
        hosts: HostLimiter | None = None,
        robots: Robots | None = None,
    ) -> None:
        self._client = client
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._hosts = hosts or HostLimiter(concurrency=4, delay=0.0)
        self._robots = robots

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        respect_robots: bool = True,
    ) -> Response:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            if respect_robots and self._robots is not None:
                # Under the deadline too: a robots.txt that trickles must not hold the poll.
                async with asyncio.timeout(self._deadline):
                    refusal = await self._robots.refusal(url)
                if refusal is not None:
                    raise FetchError(f"{url}: {refusal}")
            async with self._hosts.slot(urlsplit(url).netloc), asyncio.timeout(self._deadline):
                return await self._get(url, headers)
        except TimeoutError:
            raise FetchError(f"{url}: no complete answer within {self._deadline:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"{url}: invalid URL: {exc}") from None
        except httpx.HTTPError as exc:
            reason = _refused(exc, url) or f"{type(exc).__name__}: {exc}"
            raise FetchError(f"{url}: {reason}") from None

    async def _get(self, url: str, headers: dict[str, str]) -> Response:
        async with self._client.stream("GET", url, headers=headers) as response:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if response.status_code == 304:
                return Response(
                    str(response.url), 304, b"", "", etag, last_modified, dict(response.headers)
                )
            if response.status_code >= 400:
                raise FetchError(
                    f"{url}: HTTP {response.status_code} {response.reason_phrase}",
                    status=response.status_code,
                    retry_after=retry_after(response.headers.get("Retry-After"), datetime.now(UTC)),
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self._max_bytes:
                raise FetchError(f"{url}: body of {declared} bytes is over {self._max_bytes}")
            decoder = inflate.decoder(
                response.headers.get("Content-Encoding", ""), self._max_bytes, url
            )
            chunks = [decoder.feed(chunk) async for chunk in response.aiter_raw()]
            chunks.append(decoder.finish())
            return Response(
                str(response.url),
                response.status_code,
                b"".join(chunks),
                response.headers.get("Content-Type", ""),
                etag,
                last_modified,
                dict(response.headers),
            )

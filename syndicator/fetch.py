"""Fetch stage (I/O): polite HTTP GETs with httpx, translated to `FetchError` at this edge.

Bodies are streamed and cut off at a size cap, the whole request has a deadline on top of
httpx's connect/read timeouts (a slow server trickling bytes cannot hold a poll forever),
and conditional GET headers are sent when the store remembers them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from syndicator.errors import FetchError

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def build_client(*, timeout: float, user_agent: str) -> httpx.AsyncClient:
    """The one HTTP client of the collector, created by the composition root."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": user_agent, "Accept-Language": "ar,en;q=0.5"},
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )


class Fetcher:
    """GETs with a size cap, a total deadline and conditional headers."""

    def __init__(self, client: httpx.AsyncClient, *, max_bytes: int, deadline: float) -> None:
        self._client = client
        self._max_bytes = max_bytes
        self._deadline = deadline

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Response:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self._deadline):
                return await self._get(url, headers)
        except TimeoutError:
            raise FetchError(f"{url}: no complete answer within {self._deadline:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None

    async def _get(self, url: str, headers: dict[str, str]) -> Response:
        async with self._client.stream("GET", url, headers=headers) as response:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if response.status_code == 304:
                return Response(str(response.url), 304, b"", "", etag, last_modified)
            if response.status_code >= 400:
                raise FetchError(
                    f"{url}: HTTP {response.status_code} {response.reason_phrase}",
                    status=response.status_code,
                )
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > self._max_bytes:
                raise FetchError(f"{url}: body of {declared} bytes is over {self._max_bytes}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_bytes:
                    raise FetchError(f"{url}: body is over {self._max_bytes} bytes")
                chunks.append(chunk)
            return Response(
                str(response.url),
                response.status_code,
                b"".join(chunks),
                response.headers.get("Content-Type", ""),
                etag,
                last_modified,
            )

"""What a test can make the sample site do wrong, and what it can see of the client's manners.

A polite, robust collector backs off on 429/503 and honours `Retry-After`, times out on a slow
host, obeys robots.txt, sends conditional GETs, a User-Agent and Accept-Encoding, and spaces its
requests to one host. To test that, the site records every request (method, target, headers
and a monotonic timestamp) and can fail, stall or disallow paths on demand.

`Faults` holds no lock of its own: `SampleSite` calls it under its one lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from syndicator.demo.wire import Response


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the site received it.

    `headers` has lower-case names (repeated headers joined with ", "); `at` is
    `time.monotonic()` when the request line was read, for per-host spacing assertions.
    """

    method: str
    path: str  # with the query string
    headers: Mapping[str, str]
    at: float

    @staticmethod
    def of(
        method: str, path: str, headers: Iterable[tuple[str, str]], at: float
    ) -> RecordedRequest:
        merged: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return RecordedRequest(method, path, MappingProxyType(merged), at)


@dataclass
class _Failure:
    prefix: str
    status: int
    remaining: int
    retry_after: int | None
    body: bytes


class Faults:
    """Failures to answer, delays to add and robots.txt rules, by path prefix."""

    def __init__(self) -> None:
        self._failures: list[_Failure] = []
        self._delays: dict[str, float] = {}
        self._disallowed: list[str] = []

    def fail_next(
        self, prefix: str, status: int, count: int, retry_after: int | None, body: bytes
    ) -> None:
        if not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code, not {status}")
        if count < 1:
            raise ValueError("count must be at least 1")
        self._failures.append(_Failure(prefix, status, count, retry_after, body))

    def take_failure(self, path: str) -> Response | None:
        """The failure for this request, if one is armed for its path (first armed, first used)."""
        for failure in self._failures:
            if path.startswith(failure.prefix):
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                headers: tuple[tuple[str, str], ...] = ()
                if failure.retry_after is not None:
                    headers = (("Retry-After", str(failure.retry_after)),)
                content_type = "text/html; charset=UTF-8" if failure.body else None
                return Response(failure.status, failure.body, content_type, headers)
        return None

    def slow(self, prefix: str, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        if seconds == 0:
            self._delays.pop(prefix, None)
        else:
            self._delays[prefix] = seconds

    def delay(self, path: str) -> float:
        """The delay of the longest matching prefix, 0 if none matches."""
        matching = [p for p in self._delays if path.startswith(p)]
        return self._delays[max(matching, key=len)] if matching else 0.0

    def disallow(self, prefix: str) -> None:
        if not prefix.startswith("/"):
            raise ValueError(f"a robots.txt path must start with '/', not {prefix!r}")
        if prefix not in self._disallowed:
            self._disallowed.append(prefix)

    @property
    def disallowed(self) -> tuple[str, ...]:
        return tuple(self._disallowed)

"""Bounded decompression of HTTP bodies (pure).

httpx would decompress a gzip or brotli body for us, but without an output limit per chunk:
one 64 KB chunk of a gzip bomb expands to 64 MB before any size check can run. Here every
step asks the decompressor for at most the bytes still allowed, so memory stays bounded by
the body cap however the body was compressed.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

from syndicator.errors import FetchError

SUPPORTED = "gzip, deflate, br"


class Decoder(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Budget:
    def __init__(self, limit: int, url: str) -> None:
        self.limit = limit
        self.used = 0
        self.url = url

    @property
    def left(self) -> int:
        return self.limit - self.used

    def spend(self, piece: bytes) -> bytes:
        self.used += len(piece)
        if self.used > self.limit:
            raise FetchError(f"{self.url}: body is over {self.limit} bytes (decompressed)")
        return piece


class _Identity:
    def __init__(self, budget: _Budget) -> None:
        self._budget = budget

    def feed(self, data: bytes) -> bytes:
        return self._budget.spend(data)

    def finish(self) -> bytes:
        return b""


class _Zlib:
    def __init__(self, budget: _Budget, wbits: int) -> None:
        self._budget = budget
        self._wbits = wbits
        self._z = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        pending = data
        while pending:
            try:
                piece = self._z.decompress(pending, self._budget.left + 1)
            except zlib.error as exc:
                if not self._started and self._wbits == zlib.MAX_WBITS:
                    # "deflate" is sometimes sent raw, without the zlib header.
                    self._wbits = -zlib.MAX_WBITS
                    self._z = zlib.decompressobj(self._wbits)
                    continue
                raise FetchError(f"{self._budget.url}: corrupt compressed body: {exc}") from None
            self._started = True
            out += self._budget.spend(piece)
            pending = self._z.unconsumed_tail
        return bytes(out)

    def finish(self) -> bytes:
        return self._budget.spend(self._z.flush())


class _Brotli:
    def __init__(self, budget: _Budget) -> None:
        self._budget = budget
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        try:
            out += self._budget.spend(
                self._d.process(data, output_buffer_limit=self._budget.left + 1)
            )
            while not self._d.can_accept_more_data():
                out += self._budget.spend(
                    self._d.process(b"", output_buffer_limit=self._budget.left + 1)
                )
        except brotli.error as exc:
            raise FetchError(f"{self._budget.url}: corrupt compressed body: {exc}") from None
        return bytes(out)

    def finish(self) -> bytes:
        return b""


def decoder(content_encoding: str, limit: int, url: str) -> Decoder:
    """A decoder for one body; it raises `FetchError` once output passes `limit` bytes."""
    budget = _Budget(limit, url)
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Identity(budget)
    if len(codings) > 1:
        raise FetchError(f"{url}: stacked Content-Encoding '{content_encoding}' is not supported")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _Zlib(budget, zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _Zlib(budget, zlib.MAX_WBITS)
    if coding == "br":
        return _Brotli(budget)
    raise FetchError(f"{url}: unsupported Content-Encoding '{content_encoding}'")

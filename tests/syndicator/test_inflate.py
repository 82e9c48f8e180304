"""Bounded decompression: every coding round-trips; no bomb gets past the cap."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from syndicator.errors import FetchError
from syndicator.inflate import decoder

TEXT = "قال وزير الخارجية الروسي سيرغي لافروف إن العملية السياسية تتقدم. ".encode() * 500
CODINGS = {
    "gzip": gzip.compress(TEXT),
    "x-gzip": gzip.compress(TEXT),
    "deflate": zlib.compress(TEXT),
    "br": brotli.compress(TEXT),
    "": TEXT,
    "identity": TEXT,
}


def run(coding: str, body: bytes, limit: int, chunk: int = 997) -> bytes:
    d = decoder(coding, limit, "http://127.0.0.1/feed")
    parts = [d.feed(body[i : i + chunk]) for i in range(0, len(body), chunk)]
    return b"".join(parts) + d.finish()


@pytest.mark.parametrize("coding", list(CODINGS))
def test_round_trip(coding: str) -> None:
    assert run(coding, CODINGS[coding], len(TEXT)) == TEXT


def test_raw_deflate_without_zlib_header() -> None:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = raw.compress(TEXT) + raw.flush()
    assert run("deflate", body, len(TEXT)) == TEXT


@pytest.mark.parametrize("coding", list(CODINGS))
def test_one_byte_over_the_cap_is_refused(coding: str) -> None:
    limit = len(TEXT) - 1
    with pytest.raises(FetchError, match=f"over {limit} bytes"):
        run(coding, CODINGS[coding], limit)


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_bombs_stop_at_the_cap_in_one_chunk(coding: str) -> None:
    zeros = b"\0" * 50_000_000
    bomb = gzip.compress(zeros, 9) if coding == "gzip" else brotli.compress(zeros)
    d = decoder(coding, 1_000_000, "http://127.0.0.1/bomb")
    with pytest.raises(FetchError, match="decompressed"):
        d.feed(bomb)  # the whole bomb at once: still never more than the cap in memory


@pytest.mark.parametrize(
    ("coding", "message"),
    [("compress", "unsupported"), ("gzip, br", "stacked"), ("zstd", "unsupported")],
)
def test_unsupported_codings(coding: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        decoder(coding, 100, "http://127.0.0.1/x")


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_corrupt_bodies_are_fetch_errors(coding: str) -> None:
    with pytest.raises(FetchError, match="corrupt"):
        run(coding, b"this is not compressed at all" * 10, 10_000)

"""The hostile server answers as documented, and stops at once whatever its clients do.

Only small reads: the 100 MB bodies are streamed and abandoned early; the bombs are checked by
decompressing them piecewise and counting, never by holding the expansion.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import zlib
from collections.abc import Iterator

import brotli
import feedparser
import httpx
import pytest

from tests.fakes.hostile import (
    BROTLI_BOMB,
    HUGE_SIZE,
    LONG_TITLE,
    MARKUP,
    RETRY_AFTER,
    SECRET,
    HostileServer,
    gzip_bomb,
)

RSS = "application/rss+xml; charset=UTF-8"


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def get(server: HostileServer, path: str) -> httpx.Response:
    return httpx.get(server.url(path), timeout=5)


def test_valid_feed_is_the_control(hostile: HostileServer) -> None:
    response = get(hostile, "/valid.xml")
    assert response.headers["content-type"] == RSS
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.feed.language == "ar"
    assert [e.link for e in feed.entries] == [hostile.url("/news/1"), hostile.url("/news/2")]
    assert all(re.search("[\u0600-\u06ff]", e.title) for e in feed.entries)
    assert all(e.published_parsed for e in feed.entries)


def test_entity_bombs_are_small_on_the_wire(hostile: HostileServer) -> None:
    laughs = get(hostile, "/billion-laughs.xml").text
    assert len(laughs) < 2000
    assert '<!ENTITY lol "lol">' in laughs
    assert '<!ENTITY lol9 "' + "&lol8;" * 10 + '">' in laughs
    assert "<title>&lol9;</title>" in laughs
    blowup = get(hostile, "/quadratic-blowup.xml").text
    assert len(blowup) < 200_000
    assert f'<!ENTITY a "{"x" * 100_000}">' in blowup
    assert blowup.count("&a;") == 20_000  # 2 GB once expanded


def test_external_entities_point_at_a_file_and_at_the_secret(hostile: HostileServer) -> None:
    assert '<!ENTITY xxe SYSTEM "file:///etc/passwd">' in get(hostile, "/xxe-file.xml").text
    body = get(hostile, "/xxe-http.xml").content
    assert f'<!ENTITY xxe SYSTEM "{hostile.url("/secret")}">'.encode() in body
    parsed = feedparser.parse(body)  # feedparser never resolves external entities
    assert SECRET not in str(parsed)
    assert not hostile.secret_requested
    assert get(hostile, "/secret").text == SECRET
    assert hostile.secret_requested
    assert hostile.requests == ["/xxe-file.xml", "/xxe-http.xml", "/secret"]


def _expanded_size(chunks: Iterator[bytes]) -> int:
    total = 0
    for chunk in chunks:
        total += len(chunk)
    return total


def test_gzip_bomb_is_small_and_expands_past_100_mb(hostile: HostileServer) -> None:
    with httpx.stream("GET", hostile.url("/gzip-bomb.xml"), timeout=5) as response:
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["content-type"] == RSS
        wire = b"".join(response.iter_raw())
    assert 50_000 < len(wire) < 200_000
    assert wire == gzip_bomb()

    def pieces() -> Iterator[bytes]:
        inflater = zlib.decompressobj(31)
        data = wire
        while data:
            yield inflater.decompress(data, 2**20)
            data = inflater.unconsumed_tail
        yield inflater.flush()

    assert _expanded_size(pieces()) >= HUGE_SIZE
    with httpx.stream("GET", hostile.url("/gzip-bomb.xml"), timeout=5) as response:
        first = next(response.iter_bytes())  # httpx would inflate it all: read one piece
    assert first.startswith(b'<?xml version="1.0"')


def test_brotli_bomb_is_tiny_and_expands_past_100_mb(hostile: HostileServer) -> None:
    with httpx.stream("GET", hostile.url("/brotli-bomb.xml"), timeout=5) as response:
        assert response.headers["content-encoding"] == "br"
        wire = b"".join(response.iter_raw())
    assert wire == BROTLI_BOMB
    assert len(wire) < 1000

    def pieces() -> Iterator[bytes]:
        decompressor = brotli.Decompressor()
        yield decompressor.process(wire, output_buffer_limit=2**20)
        while not decompressor.is_finished():
            yield decompressor.process(b"", output_buffer_limit=2**20)

    assert _expanded_size(pieces()) >= HUGE_SIZE


@pytest.mark.parametrize("path", ["/huge", "/huge-chunked"])
def test_huge_bodies_stream_without_end_in_sight(hostile: HostileServer, path: str) -> None:
    with httpx.stream("GET", hostile.url(path), timeout=5) as response:
        if path == "/huge":
            assert response.headers["content-length"] == str(HUGE_SIZE)
        else:
            assert "content-length" not in response.headers
            assert response.headers["transfer-encoding"] == "chunked"
        read = 0
        for chunk in response.iter_raw():
            read += len(chunk)
            if read >= 2**20:
                break
    assert read >= 2**20
    assert get(hostile, "/valid.xml").status_code == 200  # the abandoned stream holds nothing up


def test_slowloris_trickles_one_byte_every_half_second(hostile: HostileServer) -> None:
    with httpx.stream("GET", hostile.url("/slowloris"), timeout=5) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        start = time.monotonic()
        received = b""
        for chunk in response.iter_raw():
            received += chunk
            if len(received) >= 2:
                break
        elapsed = time.monotonic() - start
    assert received == b"<?"
    assert 0.8 <= elapsed < 2.5


def test_slow_headers_time_out_a_patient_client(hostile: HostileServer) -> None:
    start = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(hostile.url("/slow-headers"), timeout=0.3)
    assert time.monotonic() - start < 2


def test_redirects_loop_or_chain_to_a_feed(hostile: HostileServer) -> None:
    loop = get(hostile, "/redirect-loop")
    assert loop.status_code == 302
    assert loop.headers["location"] == hostile.url("/redirect-loop")
    with (
        httpx.Client(follow_redirects=True, max_redirects=5, timeout=5) as client,
        pytest.raises(httpx.TooManyRedirects),
    ):
        client.get(hostile.url("/redirect-loop"))
    assert hostile.requests.count("/redirect-loop") == 7  # the first look, then 1 + 5 hops
    chain = httpx.get(hostile.url("/redirect-chain/3"), follow_redirects=True, timeout=5)
    assert len(chain.history) == 3
    assert str(chain.url) == hostile.url("/valid.xml")
    assert len(feedparser.parse(chain.content).entries) == 2
    assert get(hostile, "/redirect-chain/0").headers["content-type"] == RSS


def test_not_a_feed_answers(hostile: HostileServer) -> None:
    page = get(hostile, "/html-as-feed")
    assert page.headers["content-type"] == RSS
    assert page.text.startswith("<!DOCTYPE html>")
    assert not feedparser.parse(page.content).entries
    empty = get(hostile, "/empty")
    assert (empty.status_code, empty.content, empty.headers["content-length"]) == (200, b"", "0")
    junk = get(hostile, "/not-xml")
    assert junk.headers["content-type"] == "text/xml"
    assert len(junk.content) == 4096
    assert junk.content == get(hostile, "/not-xml").content  # deterministic junk
    with pytest.raises(UnicodeDecodeError):
        junk.content.decode("utf-8")


def test_malformed_feed_still_has_two_readable_items(hostile: HostileServer) -> None:
    body = get(hostile, "/malformed.xml").content
    assert not body.rstrip().endswith(b"</rss>")
    feed = feedparser.parse(body)
    assert feed.bozo
    titles = [e.get("title") for e in feed.entries]
    assert titles[:2] == ["الخبر الأول السليم", "الخبر الثاني السليم"]


def test_impossible_dates(hostile: HostileServer) -> None:
    text = get(hostile, "/impossible-dates.xml").text
    dates = re.findall(r"<pubDate>(.*?)</pubDate>", text)
    assert len(dates) == 5
    for marker in ("9999", "0000", "32 Foo 2020", "1901", "2125"):
        assert any(marker in d for d in dates), marker


def test_control_characters_and_a_huge_title(hostile: HostileServer) -> None:
    body = get(hostile, "/control-chars.xml").content
    text = body.decode("utf-8")
    titles = re.findall(r"<title>(.*?)</title>", text, re.DOTALL)
    for char in ("\x00", "\x0b", "\x1b", "\x85", "\x9b", "\u202e"):
        assert any(char in t for t in titles), repr(char)
    assert "\x00" in re.findall(r"<description>(.*?)</description>", text)[1]
    assert max(len(t) for t in titles) == 100_000


def test_broken_encodings(hostile: HostileServer) -> None:
    invalid = get(hostile, "/invalid-utf8.xml").content
    assert invalid.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    with pytest.raises(UnicodeDecodeError):
        invalid.decode("utf-8")
    assert "خبر سليم" in invalid.decode("utf-8", "replace")
    mixed = get(hostile, "/mixed-encoding.xml").content
    with pytest.raises(UnicodeDecodeError):
        mixed.decode("utf-8")
    assert "خبر بترميز UTF-8".encode() in mixed
    assert "خبر بترميز ويندوز العربي".encode("windows-1256") in mixed


def test_script_injection_payloads(hostile: HostileServer) -> None:
    body = get(hostile, "/script.xml").text
    for payload in ("<script>", "onerror=", "javascript:", "<iframe", "<style>"):
        assert payload in body, payload
    feed = feedparser.parse(body.encode())
    assert len(feed.entries) == 3
    assert "<script>" in feed.entries[0].title  # a title that must be escaped, never rendered
    assert "&lt;script&gt;" in feed.entries[2].title  # escaped twice: markup once decoded


def test_long_titles_in_a_feed_and_on_a_page(hostile: HostileServer) -> None:
    feed = feedparser.parse(get(hostile, "/long-title.xml").content)
    assert [len(e.get("title", "")) for e in feed.entries] == [LONG_TITLE, 0]
    page = get(hostile, "/long-title/page").text
    titles = re.findall(r"<title>(.*?)</title>|<h1>(.*?)</h1>", page)
    assert [len(t or h) for t, h in titles] == [LONG_TITLE, LONG_TITLE]


def test_markup_feeds_are_well_formed_and_full_of_markup(hostile: HostileServer) -> None:
    for path, count in (("/markup.xml", 9), ("/markup.atom", 3)):
        body = get(hostile, path).content
        feed = feedparser.parse(body)
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        assert len(feed.entries) == count, path
        assert b"&lt;script&gt;" in body, path
    items = get(hostile, "/markup.json").json()["items"]
    assert len(items) == 4
    assert all(MARKUP in item["content_html"] for item in items)
    assert "<script>" in get(hostile, "/markup/page").text


@pytest.mark.parametrize("code", [200, 204, 301, 404, 410, 429, 500, 502, 503])
def test_any_status(hostile: HostileServer, code: int) -> None:
    response = get(hostile, f"/status/{code}")
    assert response.status_code == code
    expected = str(RETRY_AFTER) if code in (429, 503) else None
    assert response.headers.get("retry-after") == expected


def test_unknown_paths_are_404(hostile: HostileServer) -> None:
    for path in ("/nope", "/status/999", "/status/abc", "/redirect-chain/x"):
        assert get(hostile, path).status_code == 404, path


def test_stop_is_quick_with_clients_hanging_on() -> None:
    server = HostileServer().start()
    trickled = threading.Event()

    def slowloris() -> None:
        try:
            with httpx.stream("GET", server.url("/slowloris"), timeout=10) as response:
                for _ in response.iter_raw():
                    trickled.set()
        except httpx.HTTPError:
            pass

    client = threading.Thread(target=slowloris, daemon=True)
    client.start()
    assert trickled.wait(3)
    port = int(server.url().split(":")[2].rstrip("/"))
    stalled = socket.create_connection(("127.0.0.1", port))
    stalled.sendall(b"GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")  # never read: the writer blocks
    waiting = socket.create_connection(("127.0.0.1", port))
    waiting.sendall(b"GET /slow-headers HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)
    url = server.url("/valid.xml")
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 2
    client.join(3)
    assert not client.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)
    stalled.close()
    waiting.close()
    server.stop()  # idempotent

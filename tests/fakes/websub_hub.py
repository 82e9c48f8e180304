"""A fake WebSub hub, over real HTTP on loopback, for tests.

It accepts publish pings the way hubs do (``POST /`` with a form-encoded body:
``hub.mode=publish`` and ``hub.url=<topic>``), answers 204, and records every request
(method, content type, decoded form). With :attr:`status` set it answers that instead
(a hub that is down or refuses). One lock guards the state.

Usage::

    with FakeHub() as hub:
        websub = WebSub(client, hub.url)
        ...
        hub.wait_for_topics({"http://feeds.test/feeds/all.rss"})
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from syndicator.demo.loopback import Loopback


@dataclass(frozen=True)
class Ping:
    method: str
    content_type: str
    form: dict[str, list[str]]

    @property
    def topic(self) -> str:
        return self.form.get("hub.url", [""])[0]


class FakeHub(Loopback):
    def __init__(self) -> None:
        self.pings: list[Ping] = []
        self.status = 204
        self._lock = threading.Lock()
        super().__init__()

    def _bind(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return ThreadingHTTPServer(address, self._handler())

    @property
    def url(self) -> str:
        return f"{self.origin}/"

    def topics(self) -> list[str]:
        with self._lock:
            return [p.topic for p in self.pings]

    def wait_for_topics(self, wanted: set[str], within: float = 20.0) -> list[str]:
        """Every topic pinged so far, once all of `wanted` were (or the deadline passed)."""
        deadline = time.monotonic() + within
        while not wanted <= set(self.topics()) and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.topics()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8")
                ping = Ping("POST", self.headers.get("Content-Type", ""), parse_qs(body))
                with hub._lock:
                    hub.pings.append(ping)
                    status = hub.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

"""A fake OpenAI-compatible chat-completions server, over real HTTP on loopback, for tests.

It answers ``POST /v1/chat/completions`` the way llama.cpp's server, Ollama and vLLM do, and
misbehaves the ways they do when the test sets :attr:`FakeLlmAPI.mode`:

- ``good``: a well-formed answer: :attr:`answer` when set, else the first sentence of the
  article in the request (the text after the prompt's «النص:» label);
- ``slow``: the good answer after :attr:`slow_seconds` (longer than any client timeout);
- ``garbage``: status 200 with an HTML body; ``error``: status 500;
- ``invented``: the good answer plus a number and a Latin word the article does not have;
- ``long``: an answer over every budget; ``english``: no Arabic at all;
- ``empty``: ``"choices": []``.

Every request is recorded (:attr:`requests`, with headers and JSON body), and the highest
number of requests in flight at once is kept (:attr:`max_in_flight`); :attr:`delay` holds
each good answer that long, so a concurrency bound can be seen. One lock guards the state.

Usage::

    with FakeLlmAPI() as fake:
        summarizer = LlmSummarizer(client, fake.base_url, "test-model")
        fake.mode = Mode.ERROR
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from syndicator import arabic
from syndicator.demo.loopback import Loopback
from syndicator.summarize.llm import TEXT_LABEL

PATH = "/v1/chat/completions"
ENGLISH = "The foreign minister said that the political process is moving forward."
INVENTED = " بحسب Reuters التي أحصت 987654 ضحية."


class Mode(StrEnum):
    GOOD = "good"
    SLOW = "slow"
    GARBAGE = "garbage"
    ERROR = "error"
    INVENTED = "invented"
    LONG = "long"
    ENGLISH = "english"
    EMPTY = "empty"


@dataclass(frozen=True)
class LlmRequest:
    """One request as received: path, headers (names lowercased) and decoded JSON body."""

    path: str
    headers: dict[str, str]
    body: Any

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def article(self) -> str:
        """The article text the prompt carries (after «النص:»), or "" without one."""
        for message in reversed(self.messages):
            if message.get("role") == "user" and TEXT_LABEL in message.get("content", ""):
                return message["content"].split(TEXT_LABEL, 1)[1].strip()
        return ""


class FakeLlmAPI(Loopback):
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.mode = Mode.GOOD
        self.answer: str | None = None
        self.delay = 0.0
        self.slow_seconds = 5.0
        self._lock = threading.Lock()
        self._requests: list[LlmRequest] = []
        self._in_flight = 0
        self._max_in_flight = 0

    # -- lifecycle ------------------------------------------------------------------------

    poll_interval = 0.01

    def _bind(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _Server(address, self)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.origin

    @property
    def base_url(self) -> str:
        """The API base a client is configured with: ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    # -- inspecting -----------------------------------------------------------------------

    @property
    def requests(self) -> list[LlmRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    # -- answering ------------------------------------------------------------------------

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request."""
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = None
        request = LlmRequest(path, headers, body)
        with self._lock:
            self._requests.append(request)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            mode, delay = self.mode, self.delay
        try:
            if path != PATH:
                return _json(404, {"error": {"message": f"no route {path}"}})
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                return _json(400, {"error": {"message": "'messages' is required"}})
            if mode is Mode.SLOW:
                delay = self.slow_seconds
            if delay:
                self._stopping.wait(delay)
            if mode is Mode.GARBAGE:
                return 200, "text/html", b"<html><body>502 Bad Gateway</body></html>"
            if mode is Mode.ERROR:
                return _json(500, {"error": {"message": "the model crashed"}})
            if mode is Mode.EMPTY:
                return _json(200, _completion(body, None))
            return _json(200, _completion(body, self._answer(request, mode)))
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, request: LlmRequest, mode: Mode) -> str:
        first = next(iter(arabic.sentences(request.article)), "")
        good = self.answer if self.answer is not None else first
        if mode is Mode.INVENTED:
            return good.rstrip(" .") + INVENTED
        if mode is Mode.LONG:
            return " ".join([good or "جملة طويلة."] * (700 // max(len(good), 1) + 2))
        if mode is Mode.ENGLISH:
            return ENGLISH
        return good


def _completion(body: dict[str, Any], content: str | None) -> dict[str, Any]:
    choices = [] if content is None else [
        {
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop",
        }
    ]  # fmt: skip
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", ""),
        "choices": choices,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _json(status: int, payload: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(payload, ensure_ascii=False).encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() joins the request threads
    block_on_close = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], fake: FakeLlmAPI) -> None:
        super().__init__(address, _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # seconds a silent client may hold a request thread

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, content_type, data = self.server.fake.handle(self.path, headers, raw)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up waiting (a slow answer): nobody to answer
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the test output is for the test."""

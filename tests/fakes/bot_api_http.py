"""HTTP plumbing of the fake Bot API (see :mod:`tests.fakes.bot_api`), and its faults.

A threading HTTP server reads each request the way Telegram does (query string, url-encoded
form, multipart form, JSON body) and hands it to the fake. Faults queued with
:meth:`FakeBotAPI.slow` and :meth:`FakeBotAPI.drop` act here, around the fake's answer:

* ``slow``: the answer comes ``seconds`` late, after the request was processed (the message
  is posted; a client that times out cannot know it) or, with ``processed=False``, before;
* ``drop``: the connection is closed without an answer, after the request was processed (the
  message is posted) or, with ``processed=False``, before it was even looked at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlsplit

from .bot_api_checks import ApiError, bad


@dataclass(frozen=True)
class Fault:
    """What goes wrong with one request: a late answer, or no answer at all."""

    kind: Literal["slow", "drop"]
    seconds: float = 0.0
    processed: bool = True  # the fake handles the request before the fault strikes


class Answering(Protocol):
    """What the server needs from the fake."""

    def handle(
        self, path: str, values: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, dict[str, Any]]: ...

    def take_fault(self, path: str) -> Fault | None: ...

    def hold(self, seconds: float) -> None: ...


class Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() joins the request threads
    block_on_close = True
    request_queue_size = 128  # the default 5 resets connections under concurrent sends

    def __init__(self, address: tuple[str, int], fake: Answering) -> None:
        super().__init__(address, Handler)
        self.fake = fake


class Handler(BaseHTTPRequestHandler):
    server: Server
    timeout = 10  # seconds a silent client may hold a request thread

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines carry the token."""

    def _serve(self) -> None:
        url = urlsplit(self.path)
        fake = self.server.fake
        fault: Fault | None = None
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = fake.take_fault(url.path)
            if fault is not None and not fault.processed:
                self._strike(fault)
                if fault.kind == "drop":
                    return
            values, files = read_params(self.headers.get("Content-Type", ""), body, url.query)
            status, payload = fake.handle(url.path, values, files)
        except ApiError as error:
            status, payload = error.status, error.payload()
        except Exception as error:  # a bug in the fake: make it visible to the client
            status = 500
            payload = {"ok": False, "error_code": 500, "description": f"fake bug: {error!r}"}
        if fault is not None and fault.processed:
            self._strike(fault)
            if fault.kind == "drop":
                return
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a cancelled long poll)

    def _strike(self, fault: Fault) -> None:
        if fault.kind == "slow":
            self.server.fake.hold(fault.seconds)
        else:
            self.close_connection = True


def read_params(
    content_type: str, body: bytes, query: str
) -> tuple[dict[str, Any], dict[str, bytes]]:
    values: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, bytes] = {}
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json" and body:
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad("can't parse JSON body") from None
        if not isinstance(decoded, dict):
            raise bad("can't parse JSON body")
        values.update(decoded)
    elif mime == "application/x-www-form-urlencoded":
        values.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif mime == "multipart/form-data":
        fields, files = read_multipart(content_type, body)
        values.update(fields)
    return values, files


def read_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if boundary is None:
        raise bad("can't parse multipart body")
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in body.split(b"--" + boundary.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        name = re.search(rb'\bname="([^"]*)"', head)
        if name is None:
            continue
        key = name.group(1).decode("utf-8")
        if re.search(rb"\bfilename\*?=", head):
            files[key] = content
        else:
            fields[key] = content.decode("utf-8")
    return fields, files

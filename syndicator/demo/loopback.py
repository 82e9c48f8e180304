"""The lifecycle every loopback HTTP server here shares: the demo's sample sites and the fakes
the tests talk to (Telegram Bot API, LLM endpoint, WebSub hub, hostile server).

Each is a `ThreadingHTTPServer` served from a daemon thread on 127.0.0.1, started and stopped
by its owner or used as a context manager. What differs is only how the server is built
(`_bind`) and what must be cut after it stops (`_after_stop`, e.g. connections a hostile
handler keeps open); handlers blocked on a slow answer watch `_stopping` to give up.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Self


class Loopback:
    """Start and stop one HTTP server in a thread; `with` starts it if needed and stops it."""

    poll_interval = 0.05  # how soon serve_forever notices a shutdown request

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host, self._port = host, port
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _bind(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        raise NotImplementedError

    def _after_stop(self) -> None:
        """Called once the server is closed: cut what outlives it."""

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash); only while running."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._stopping.clear()
        server = self._bind((self._host, self._port))
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            name=type(self).__name__,
            daemon=True,
        )
        self._server = server
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake slow handlers, stop serving, free the port and join; idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()  # joins request threads unless the server opts out
        if thread is not None:
            thread.join()
        self._server = self._thread = None
        self._after_stop()

    def __enter__(self) -> Self:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

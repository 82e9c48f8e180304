"""A loopback TCP proxy that a test can cut and restore: a database outage without mocks.

    with TcpProxy("127.0.0.1", 5432) as proxy:   # the service connects to proxy.port
        proxy.cut()       # every open connection is reset, new ones are refused
        proxy.restore()   # listening again on the same port

It forwards bytes both ways and knows nothing of the protocol, so the client sees what a
real outage looks like: its connections drop mid-query (`server closed the connection
unexpectedly`) and reconnecting fails (`Connection refused`), since while cut nothing
listens on the port. It runs its own event loop in a daemon thread, so both async tests
and tests driving a subprocess can use it; `cut` and `restore` return once done.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType

CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = 0
        self.accepted = 0  # connections taken since start
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.WriteTransport] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def is_cut(self) -> bool:
        return self._server is None

    def cut(self) -> None:
        """Stop listening and reset every connection in both directions."""
        self._call(self._close())

    def restore(self) -> None:
        """Listen again on the same port."""
        self._call(self._listen())

    # -- in the proxy's loop ---------------------------------------------------------------

    def _call(self, work: object) -> None:
        assert asyncio.iscoroutine(work)
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._forward, sock=sock)

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for transport in list(self._open):
            transport.abort()  # RST: the peer's next read or write fails at once
        self._open.clear()

    async def _shutdown(self) -> None:
        await self._close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _forward(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        self.accepted += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        mine = to_client.transport
        if self._server is None:
            mine.abort()
            return
        try:
            upstream, to_upstream = await asyncio.open_connection(*self.upstream)
        except OSError:
            mine.abort()
            return
        theirs = to_upstream.transport
        if self._server is None:  # cut while connecting
            mine.abort()
            theirs.abort()
            return
        self._open |= {mine, theirs}
        try:
            await asyncio.gather(_pipe(client, to_upstream), _pipe(upstream, to_client))
        finally:
            for transport in (mine, theirs):
                self._open.discard(transport)
                transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side closes; then the other side is closed too (by the caller)."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()

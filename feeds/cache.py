"""Rendered-document cache (in memory, one per service, built by the composition root).

Documents are kept until what they show changes, not for a fixed time: each one carries
tags naming the feeds it depends on (`all`, `category:syria`, `source:sham`), and the
ingest path reports which sources and categories its writes touched
(`Articles.on_change`), which the composition root turns into `invalidate(tags)`. A
document of an untouched feed stays cached however much else is collected.

- A document being built while its feed changes is returned but not kept (the change may
  have been read half-way): every invalidation bumps a counter, and a build that started
  before the last invalidation of one of its tags is not stored.
- Concurrent requests for a document that is not cached wait for one build (single flight).
- The cache holds at most `max_bytes` (least recently used documents go first); a cache of
  0 bytes keeps nothing, which is how a server without a cache works.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, Protocol, TypeVar

DEFAULT_MAX_BYTES = 256 * 2**20


class Cacheable(Protocol):
    @property
    def tags(self) -> frozenset[str]: ...

    @property
    def size(self) -> int: ...


T = TypeVar("T", bound=Cacheable)


class DocumentCache(Generic[T]):
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, T] = OrderedDict()
        self._bytes = 0
        self._clock = 0  # bumped by every invalidation
        self._invalidated: dict[str, int] = {}  # tag -> clock of its last invalidation
        self._cleared = 0  # clock of the last clear()
        self._building: dict[str, asyncio.Future[T | None]] = {}
        self.builds = 0  # how many documents were built (hits are the other requests)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._bytes

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    async def get_or_build(self, key: str, build: Callable[[], Awaitable[T | None]]) -> T | None:
        """The cached entry, else the one `build` makes (None: nothing at `key`)."""
        entry = self.get(key)
        if entry is not None:
            return entry
        pending = self._building.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not pending.cancelled() or (task is not None and task.cancelling()):
                    raise
                return await self.get_or_build(key, build)  # its builder was cancelled
        future: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        started = self._clock
        try:
            self.builds += 1
            entry = await build()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked retrieved: the waiters re-raise it
            raise
        finally:
            del self._building[key]
        if entry is not None and self._fresh(entry, started):
            self._put(key, entry)
        future.set_result(entry)
        return entry

    def invalidate(self, tags: Iterable[str]) -> None:
        """Drop every document that depends on one of `tags`."""
        self._clock += 1
        dropped = set(tags)
        for tag in dropped:
            self._invalidated[tag] = self._clock
        for key in [k for k, e in self._entries.items() if e.tags & dropped]:
            self._drop(key)

    def clear(self) -> None:
        """Drop everything (the configuration changed: names, sources, categories)."""
        self._clock += 1
        self._cleared = self._clock
        self._entries.clear()
        self._bytes = 0

    def _fresh(self, entry: T, started: int) -> bool:
        if self._cleared > started:
            return False
        return all(self._invalidated.get(tag, 0) <= started for tag in entry.tags)

    def _put(self, key: str, entry: T) -> None:
        if entry.size > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._bytes += entry.size
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        self._bytes -= self._entries.pop(key).size

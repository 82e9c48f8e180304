"""The rendered-document cache: kept until its feed changes, never kept stale."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from feeds.cache import DocumentCache


@dataclass(frozen=True)
class Doc:
    body: str
    tags: frozenset[str]

    @property
    def size(self) -> int:
        return len(self.body)


def doc(body: str, *tags: str) -> Doc:
    return Doc(body, frozenset(tags))


async def test_built_once_then_served_from_memory() -> None:
    cache: DocumentCache[Doc] = DocumentCache()
    calls = 0

    async def build() -> Doc:
        nonlocal calls
        calls += 1
        return doc(f"v{calls}", "category:syria")

    assert await cache.get_or_build("/feeds/syria.rss", build) == doc("v1", "category:syria")
    assert await cache.get_or_build("/feeds/syria.rss", build) == doc("v1", "category:syria")
    assert calls == 1
    assert cache.builds == 1


async def test_invalidation_drops_only_documents_of_the_changed_feeds() -> None:
    cache: DocumentCache[Doc] = DocumentCache()
    for key, tag in (("syria", "category:syria"), ("economy", "category:economy"), ("all", "all")):
        await cache.get_or_build(key, lambda tag=tag: _ready(doc("x", tag)))  # type: ignore[misc]
    cache.invalidate({"category:syria", "all", "source:sham"})
    assert cache.get("syria") is None
    assert cache.get("all") is None
    assert cache.get("economy") == doc("x", "category:economy")


async def test_nothing_is_cached_for_a_missing_document() -> None:
    cache: DocumentCache[Doc] = DocumentCache()
    assert await cache.get_or_build("/feeds/nope.rss", lambda: _ready(None)) is None
    assert len(cache) == 0


async def test_a_build_that_overlaps_a_change_is_not_kept() -> None:
    """The build may have read the feed before the change: serve it once, do not keep it."""
    cache: DocumentCache[Doc] = DocumentCache()
    reading, changed = asyncio.Event(), asyncio.Event()

    async def slow_build() -> Doc:
        reading.set()
        await changed.wait()
        return doc("old", "category:syria")

    task = asyncio.create_task(cache.get_or_build("syria", slow_build))
    await reading.wait()
    cache.invalidate({"category:syria"})
    changed.set()
    assert await task == doc("old", "category:syria")
    assert cache.get("syria") is None
    # A change of another feed meanwhile does not prevent keeping it.
    reading.clear()
    changed.clear()
    task = asyncio.create_task(cache.get_or_build("syria", slow_build))
    await reading.wait()
    cache.invalidate({"category:economy"})
    changed.set()
    await task
    assert cache.get("syria") == doc("old", "category:syria")


async def test_concurrent_requests_wait_for_one_build() -> None:
    cache: DocumentCache[Doc] = DocumentCache()
    release = asyncio.Event()
    calls = 0

    async def build() -> Doc:
        nonlocal calls
        calls += 1
        await release.wait()
        return doc("v", "all")

    tasks = [asyncio.create_task(cache.get_or_build("all", build)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*tasks) == [doc("v", "all")] * 5
    assert calls == 1


async def test_a_failed_build_fails_its_waiters_and_is_retried_next_time() -> None:
    cache: DocumentCache[Doc] = DocumentCache()
    release = asyncio.Event()

    async def failing() -> Doc:
        await release.wait()
        raise RuntimeError("database down")

    first = asyncio.create_task(cache.get_or_build("all", failing))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get_or_build("all", failing))
    await asyncio.sleep(0)
    release.set()
    for task in (first, second):
        with pytest.raises(RuntimeError, match="database down"):
            await task
    assert await cache.get_or_build("all", lambda: _ready(doc("v", "all"))) == doc("v", "all")


async def test_a_cancelled_build_lets_a_waiter_build_instead() -> None:
    cache: DocumentCache[Doc] = DocumentCache()
    started = asyncio.Event()

    async def hanging() -> Doc:
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    first = asyncio.create_task(cache.get_or_build("all", hanging))
    await started.wait()
    second = asyncio.create_task(cache.get_or_build("all", lambda: _ready(doc("v", "all"))))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == doc("v", "all")


async def test_least_recently_used_documents_go_first_beyond_the_byte_budget() -> None:
    cache: DocumentCache[Doc] = DocumentCache(max_bytes=10)
    for key in ("a", "b", "c"):
        await cache.get_or_build(key, lambda: _ready(doc("1234", "all")))
    assert cache.get("a") is None  # 12 bytes > 10: the oldest went
    assert cache.size == 8
    cache.get("b")  # used: now c is the oldest
    await cache.get_or_build("d", lambda: _ready(doc("1234", "all")))
    assert cache.get("c") is None
    assert cache.get("b") is not None
    await cache.get_or_build("huge", lambda: _ready(doc("x" * 11, "all")))
    assert cache.get("huge") is None  # larger than the whole budget: served, not kept


async def test_clear_and_zero_budget() -> None:
    cache: DocumentCache[Doc] = DocumentCache()
    await cache.get_or_build("a", lambda: _ready(doc("1", "all")))
    cache.clear()
    assert len(cache) == 0
    assert cache.size == 0
    nothing: DocumentCache[Doc] = DocumentCache(max_bytes=0)
    await nothing.get_or_build("a", lambda: _ready(doc("1", "all")))
    assert len(nothing) == 0


async def _ready(value: Doc | None) -> Doc | None:
    return value

"""The scheduler tick and the local job backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from syndicator.jobs import LocalJobs, Room
from syndicator.model import Category, Source, SourceState
from syndicator.schedule import Scheduler
from syndicator.store import Store
from syndicator.store.registry import poll_succeeded
from tests.fakes.clock import FakeClock

SOURCES = [Source(f"s{n}", f"مصدر {n}", f"http://127.0.0.1:1/{n}/", interval=60) for n in range(3)]


@pytest.fixture
async def store(sqlite_store: Store) -> Store:
    await sqlite_store.registry.apply([Category("syria", "الشأن السوري")], SOURCES, [])
    return sqlite_store


async def test_tick_polls_only_due_sources_once_at_a_time(store: Store) -> None:
    clock = FakeClock()
    polled: list[str] = []
    release = asyncio.Event()

    async def poll(source: Source, state: SourceState) -> None:
        polled.append(source.id)
        await release.wait()

    # s1 was polled recently: not due for another minute.
    state = await store.registry.state("s1")
    await store.registry.record_poll(
        poll_succeeded(state, clock(), clock() + timedelta(seconds=60), None, None)
    )
    jobs = LocalJobs()
    scheduler = Scheduler(store, jobs, poll, clock)
    assert await scheduler.tick() == 2
    await asyncio.sleep(0)
    assert sorted(polled) == ["s0", "s2"]
    assert await scheduler.tick() == 0  # still running: never two polls of one source
    release.set()
    await jobs.drain(5)
    clock.advance(61)
    assert await scheduler.tick() == 3


async def test_a_crashing_job_does_not_stop_the_backend() -> None:
    jobs = LocalJobs(concurrency=1)
    done: list[str] = []

    async def crash() -> None:
        raise RuntimeError("bug in one job")

    async def fine() -> None:
        done.append("fine")

    assert await jobs.submit("a", crash)
    assert await jobs.submit("b", fine)
    await jobs.drain(5)
    assert done == ["fine"]
    assert jobs.running == frozenset()


async def test_drain_cancels_jobs_that_overrun() -> None:
    jobs = LocalJobs()
    await jobs.submit("slow", lambda: asyncio.sleep(60))
    await asyncio.sleep(0)
    await jobs.drain(0.05)
    assert jobs.running == frozenset()


async def test_scheduler_runs_ticks_in_the_event_loop(store: Store) -> None:
    polled = asyncio.Event()

    async def poll(source: Source, state: SourceState) -> None:
        polled.set()

    scheduler = Scheduler(store, LocalJobs(), poll, FakeClock(), tick=0.05)
    scheduler.start()
    try:
        await asyncio.wait_for(polled.wait(), 5)
        assert scheduler.running
    finally:
        scheduler.shutdown()


async def test_a_tick_takes_only_what_the_backend_has_room_for(store: Store) -> None:
    """A backlog stays in the store: with room for two polls (one running, one waiting), a
    tick submits two, the longest overdue first, and the next tick after they end takes
    the third."""
    clock = FakeClock()
    for n, overdue in ((0, 10), (1, 30), (2, 20)):
        state = await store.registry.state(f"s{n}")
        due_at = clock() - timedelta(seconds=overdue)
        await store.registry.record_poll(poll_succeeded(state, due_at, due_at, None, None))
    polled: list[str] = []

    async def poll(source: Source, state: SourceState) -> None:
        polled.append(source.id)
        await store.registry.record_poll(
            poll_succeeded(state, clock(), clock() + timedelta(seconds=60), None, None)
        )

    jobs = LocalJobs(concurrency=1, backlog=2)
    scheduler = Scheduler(store, jobs, poll, clock)
    assert (await jobs.room()).polls == 2
    assert await scheduler.tick() == 2
    assert await jobs.room() == Room(0, frozenset({"s1", "s2"}))
    assert await scheduler.tick() == 0  # full: the store is not even asked
    await jobs.drain(5)
    assert polled == ["s1", "s2"]
    assert await scheduler.tick() == 1
    await jobs.drain(5)
    assert polled == ["s1", "s2", "s0"]


async def test_due_leaves_out_busy_sources_and_keeps_to_the_limit(store: Store) -> None:
    clock = FakeClock()
    assert [s.id for s, _ in await store.registry.due(clock())] == ["s0", "s1", "s2"]
    assert [s.id for s, _ in await store.registry.due(clock(), busy={"s1"})] == ["s0", "s2"]
    assert len(await store.registry.due(clock(), limit=1, busy={"s0"})) == 1
    assert await store.registry.due(clock(), limit=0) == []

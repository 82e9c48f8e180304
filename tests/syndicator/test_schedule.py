"""The scheduler tick and the local job backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from syndicator.jobs import LocalJobs
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

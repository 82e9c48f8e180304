"""The Telegram send budget that scale-out replicas share, on a real PostgreSQL: two
engines stand for two replicas. Nothing sleeps: bookings return how long to wait, and the
intervals are long enough (seconds) that the test's own latency cannot blur them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.budget import SharedPacer
from syndicator.store import migrate
from syndicator.store.budget import GLOBAL, SendBudget
from syndicator.store.engine import create_engine
from tests.conftest import _postgres_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _postgres_database()


@pytest.fixture
async def engines(pg_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    migrate.upgrade(pg_url)
    first, second = create_engine(pg_url), create_engine(pg_url)
    yield first, second
    await first.dispose()
    await second.dispose()


async def test_replicas_share_the_global_spacing(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    budgets = [SendBudget(engine) for engine in engines]
    bookings = [
        budgets[n % 2].book(f"-100{n}", chat_interval=0, global_interval=10) for n in range(6)
    ]
    slots = await asyncio.gather(*bookings)
    assert all(slot.booked for slot in slots)
    waits = sorted(slot.wait for slot in slots)
    for n, wait in enumerate(waits):  # one message every 10 s over both replicas
        assert 10 * n - 5 < wait <= 10 * n


async def test_each_chat_has_its_own_spacing(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    one, two = (SendBudget(engine) for engine in engines)
    first = await one.book("-1001", chat_interval=30, global_interval=1)
    assert first.booked
    assert first.wait < 5
    again = await two.book("-1001", chat_interval=30, global_interval=1)
    assert not again.booked  # nothing booked: the chat is not free for 30 s ...
    assert 25 < again.wait <= 30
    other = await two.book("-1002", chat_interval=30, global_interval=1)
    assert other.booked  # ... so another chat takes the next global slot
    assert other.wait <= 1


async def test_a_hold_reaches_every_replica_and_never_shortens(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    one, two = (SendBudget(engine) for engine in engines)
    await one.hold(GLOBAL, 60)
    await one.hold(GLOBAL, 1)  # a shorter hold keeps the longer one
    held = await two.book("-1001", chat_interval=0, global_interval=0)
    assert held.booked
    assert 55 < held.wait <= 60
    await two.hold("-1002", 120)
    chat = await one.book("-1002", chat_interval=0, global_interval=0)
    assert not chat.booked
    assert 115 < chat.wait <= 120


async def test_shared_pacer_books_in_the_budget_and_shares_its_holds(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacers = [
        SharedPacer(SendBudget(engine), global_rate=0.1, per_chat_interval=0, sleep=sleep)
        for engine in engines
    ]
    await pacers[0].acquire("-1001")
    await pacers[1].acquire("-1002")  # the other replica waits for the global slot
    assert len(slept) == 1
    assert 5 < slept[0] <= 10
    pacers[1].pause_all(100)  # Telegram unreachable, as seen by the second replica
    await pacers[1].settle()
    await pacers[0].acquire("-1003")
    assert 95 < slept[-1] <= 100

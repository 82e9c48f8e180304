"""Pacing: per-chat and global spacing of sends (channels and groups 3 s, private chats 1 s),
and pauses after a 429, on a fake clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.limits import MARGIN as M
from bot.limits import Pacer

CHANNEL, GROUP, PRIVATE = "@syria_news", "-1001234567890", "42"


class FakeTime:
    """A monotonic clock that only moves when the pacer sleeps (or the test advances it)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def pacer(
    fake: FakeTime, *, global_rate: float = 10.0, per_chat: float = 3.0, private: float = 1.0
) -> Pacer:
    return Pacer(
        global_rate=global_rate,
        per_chat_interval=per_chat,
        private_interval=private,
        clock=fake.clock,
        sleep=fake.sleep,
    )


async def send_times(p: Pacer, fake: FakeTime, chats: list[str]) -> list[float]:
    """The (relative) moment each send was allowed to go out."""
    start = fake.now
    times = []
    for chat in chats:
        await p.acquire(chat)
        times.append(round(fake.now - start, 6))
    return times


@pytest.mark.parametrize(
    ("chats", "expected"),
    [
        pytest.param([CHANNEL], [0.0], id="first-send-immediate"),
        pytest.param([CHANNEL, CHANNEL, CHANNEL], [0.0, 3 + M, 6 + 2 * M], id="per-chat-spacing"),
        pytest.param([CHANNEL, GROUP, PRIVATE], [0.0, 0.1, 0.2], id="global-spacing-across-chats"),
        pytest.param(
            [CHANNEL, GROUP, CHANNEL, GROUP], [0.0, 0.1, 3 + M, 3.1 + M], id="interleaved-chats"
        ),
    ],
)
async def test_spacing(fake: FakeTime, chats: list[str], expected: list[float]) -> None:
    assert await send_times(pacer(fake), fake, chats) == pytest.approx(expected)


async def test_global_rate_dominates_when_per_chat_is_shorter(fake: FakeTime) -> None:
    p = pacer(fake, global_rate=2.0, per_chat=0.1, private=0.1)
    assert await send_times(p, fake, [PRIVATE, PRIVATE, GROUP]) == [0.0, 0.5, 1.0]


async def test_private_chats_get_one_message_a_second(fake: FakeTime) -> None:
    p = pacer(fake)
    assert await send_times(p, fake, [PRIVATE, PRIVATE, CHANNEL, PRIVATE]) == pytest.approx(
        [0.0, 1 + M, 1.1 + M, 2 + 2 * M]
    )
    assert p.interval(PRIVATE) == 1 + M
    assert p.interval(GROUP) == p.interval(CHANNEL) == 3 + M


async def test_pause_all_holds_every_chat(fake: FakeTime) -> None:
    p = pacer(fake)
    p.pause_all(60.0)  # Telegram unreachable, or a storm of 429s
    p.pause_all(1.0)  # a shorter hold never shortens a longer one
    assert p.ready_in(CHANNEL) == p.ready_in(PRIVATE) == pytest.approx(60.0)
    assert await send_times(p, fake, [GROUP, PRIVATE]) == [60.0, 60.1]


async def test_no_sleep_when_the_slot_has_passed(fake: FakeTime) -> None:
    p = pacer(fake)
    await p.acquire(CHANNEL)
    fake.advance(10.0)
    await p.acquire(CHANNEL)
    assert fake.sleeps == []


async def test_partial_wait_after_time_passed(fake: FakeTime) -> None:
    p = pacer(fake)
    await p.acquire(CHANNEL)
    fake.advance(1.0)
    await p.acquire(CHANNEL)
    assert fake.sleeps == [pytest.approx(2 + M)]


async def test_ready_in(fake: FakeTime) -> None:
    p = pacer(fake)
    assert p.ready_in(CHANNEL) == 0.0
    await p.acquire(CHANNEL)
    assert p.ready_in(CHANNEL) == pytest.approx(3 + M)
    assert p.ready_in(GROUP) == 0.0
    fake.advance(2.5)
    assert p.ready_in(CHANNEL) == pytest.approx(0.5 + M)
    fake.advance(5.0)
    assert p.ready_in(CHANNEL) == 0.0


async def test_pause_after_429_delays_only_that_chat(fake: FakeTime) -> None:
    p = pacer(fake)
    await p.acquire(CHANNEL)
    p.pause(CHANNEL, 30.0)  # Telegram answered 429 with retry_after=30
    assert p.ready_in(CHANNEL) == pytest.approx(30.0)
    assert p.ready_in(GROUP) == 0.0

    start = fake.now
    await p.acquire(GROUP)
    assert fake.now - start == pytest.approx(0.1)  # only the global spacing
    await p.acquire(CHANNEL)
    assert fake.now - start == pytest.approx(30.0)  # held for retry_after
    await p.acquire(GROUP)
    assert fake.now - start == pytest.approx(30.1)  # the pause did not carry over


async def test_pause_never_shortens_a_longer_wait(fake: FakeTime) -> None:
    p = pacer(fake, per_chat=60.0)
    await p.acquire(CHANNEL)
    p.pause(CHANNEL, 5.0)
    assert p.ready_in(CHANNEL) == pytest.approx(60 + M)


async def test_concurrent_acquires_keep_both_spacings(fake: FakeTime) -> None:
    p = pacer(fake)
    moments: list[tuple[str, float]] = []

    async def send(chat: str) -> None:
        await p.acquire(chat)
        moments.append((chat, fake.now))

    await asyncio.gather(*(send(chat) for chat in [CHANNEL, CHANNEL, GROUP, PRIVATE, CHANNEL]))
    assert len(moments) == 5
    times = sorted(t for _, t in moments)
    assert all(b - a >= 0.1 - 1e-9 for a, b in itertools.pairwise(times))
    channel = [t for chat, t in moments if chat == CHANNEL]
    assert all(b - a >= 3.0 - 1e-9 for a, b in itertools.pairwise(channel))

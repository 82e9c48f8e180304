"""Virtual time for delivery tests: sleeping advances the clock instead of waiting.

One `VirtualTime` drives the dispatcher (`now`, aware UTC datetimes), its pacer
(`monotonic` and `sleep`) and the fake Bot API's rate windows (`monotonic`), so an hour of
paced sending runs in the seconds its HTTP round trips take, and the limits are judged on
the same clock the dispatcher paces by. `sleep(s)` moves the clock `s` ahead at once and
yields; the pacer books each slot before sleeping, so sleepers wake in booking order.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from tests.fakes.clock import NOW

EPOCH = 1000.0


class VirtualTime:
    def __init__(self, start: datetime = NOW) -> None:
        self.start = start
        self.elapsed = 0.0
        self.slept = 0.0  # total of all sleeps asked for

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return EPOCH + self.elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds
            self.elapsed += seconds
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> datetime:
        self.elapsed += seconds
        return self.now()

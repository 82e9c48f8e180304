"""Waiting in tests for something that happens in another task, thread or process."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

WITHIN = 30.0  # seconds; only how long a broken run takes to fail, never reached when green


async def eventually(
    check: Callable[[], bool | Awaitable[bool]],
    what: str = "the condition",
    within: float = WITHIN,
) -> None:
    """Wait until `check` (plain or async) is true, looking every 50 ms; fail naming `what`
    after `within` seconds. Not a timing assertion: the bound only ends a broken run."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        assert time.monotonic() < deadline, f"still not {what} after {within:g} s"
        await asyncio.sleep(0.05)

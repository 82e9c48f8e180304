"""Waiting between two rounds of a long-running loop (I/O: it sleeps).

The start-up wait for the database, the sweeper, the replicas' turn for bot commands and the
demo's publisher all rest between rounds; a stop request (SIGTERM) must end the rest at once
rather than after a backoff or an interval, so they rest on the stop event.
"""

from __future__ import annotations

import asyncio
import contextlib


async def pause(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`, or until `stop` is set if that comes first; whether it is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()

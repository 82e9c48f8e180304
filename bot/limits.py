"""Pacing (I/O: it sleeps): keep sends under Telegram's flood limits.

Two spacings are enforced for every send: a global one (messages per second per token) and
one per chat (Telegram allows about 20 messages a minute in a channel or group). The clock
and sleep are injected so tests can run the same logic without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(
        self,
        *,
        global_rate: float,
        per_chat_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._global_interval = 1.0 / global_rate
        self._per_chat = per_chat_interval
        self._clock = clock
        self._sleep = sleep
        self._next_global = 0.0
        self._next_chat: dict[str, float] = {}
        self._lock = asyncio.Lock()

    def ready_in(self, chat_id: str) -> float:
        """Seconds until `chat_id` may receive its next message (0 when it may now)."""
        return max(0.0, self._next_chat.get(chat_id, 0.0) - self._clock())

    async def acquire(self, chat_id: str) -> None:
        """Wait for a slot for `chat_id`, then book it."""
        async with self._lock:
            now = self._clock()
            start = max(now, self._next_global, self._next_chat.get(chat_id, 0.0))
            if start > now:
                await self._sleep(start - now)
            self._next_global = start + self._global_interval
            self._next_chat[chat_id] = start + self._per_chat

    def pause(self, chat_id: str, seconds: float) -> None:
        """Hold a chat after a 429, for the `retry_after` Telegram asked for."""
        until = self._clock() + seconds
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), until)

"""Pacing (I/O: it sleeps): keep sends under Telegram's flood limits.

Every send books two slots: one in the bot's global spacing (`global_rate` messages a second
over all chats; Telegram allows about 30) and one in its chat's spacing: `per_chat_interval`
seconds in a channel or group (Telegram allows 20 a minute: 3 s) and `private_interval` in a
private chat (1 a second). Private chats are the positive numeric ids; groups and channels
are negative or `@names`. A slot is booked before sleeping, outside the lock, so concurrent
sends to different chats queue in order without holding each other up.

`pause` holds one chat after a 429 for the `retry_after` Telegram asked for; `pause_all`
holds every chat (a storm of 429s across chats, or Telegram unreachable). The clock and
sleep are injected so tests run the same logic on a fake clock without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Seconds added to each chat's interval. Telegram measures the spacing where requests
# arrive, and a request can arrive sooner after the one before than it left (the earlier
# one was slower on the wire): sends booked exactly 1 s apart were seen arriving 0.9991 s
# apart. 50 ms costs a channel under 2% of its rate.
MARGIN = 0.05


def is_private(chat_id: str) -> bool:
    """Private chats have positive numeric ids; groups, supergroups and channels do not."""
    return chat_id.isdigit()


class Pacer:
    def __init__(
        self,
        *,
        global_rate: float,
        per_chat_interval: float,
        private_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._global_interval = 1.0 / global_rate
        self._per_chat = per_chat_interval
        self._private = private_interval
        self.clock = clock
        self.sleep = sleep
        self._next_global = 0.0
        self._held_all = 0.0
        self._next_chat: dict[str, float] = {}
        self._lock = asyncio.Lock()

    def interval(self, chat_id: str) -> float:
        """Seconds between two messages to `chat_id` (with the `MARGIN`, when paced)."""
        interval = self._private if is_private(chat_id) else self._per_chat
        return interval + MARGIN if interval else 0.0

    def ready_in(self, chat_id: str) -> float:
        """Seconds until `chat_id` may receive its next message (0 when it may now)."""
        now = self.clock()
        return max(0.0, self._next_chat.get(chat_id, 0.0) - now, self._held_all - now)

    async def acquire(self, chat_id: str) -> None:
        """Book the next slot for `chat_id`, then wait for it."""
        async with self._lock:
            now = self.clock()
            start = max(now, self._next_global, self._next_chat.get(chat_id, 0.0))
            self._next_global = start + self._global_interval
            self._next_chat[chat_id] = start + self.interval(chat_id)
        if start > now:
            await self.sleep(start - now)

    def pause(self, chat_id: str, seconds: float) -> None:
        """Hold a chat after a 429, for the `retry_after` Telegram asked for."""
        until = self.clock() + seconds
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), until)

    def pause_all(self, seconds: float) -> None:
        """Hold every chat for `seconds` (never shortens a longer hold)."""
        until = self.clock() + seconds
        self._held_all = max(self._held_all, until)
        self._next_global = max(self._next_global, until)

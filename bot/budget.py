"""Pacing across replicas (I/O: it sleeps and books slots in PostgreSQL): scale-out.

`SharedPacer` is the `Pacer` of `bot.limits` with its slots booked in the store's shared
send budget (`syndicator.store.budget`) instead of this process's memory, so the bot's
global rate and each chat's spacing hold for all replicas together: three replicas at
`global_rate = 25` send 25 messages a second between them, not 75.

What this replica learns stays known locally too: a 429's hold on a chat and a hold on
every chat (Telegram unreachable, a storm of 429s) are kept here and also written to the
budget (in the background: `pause` is called from synchronous code), and `ready_in`
answers from what this replica booked and learnt (the dispatcher only uses it to choose
which chat to serve first; `acquire` always waits for the booked slot). When the database
cannot be reached for a booking, the replica falls back to pacing on its own, with a
warning: sends go on at this replica's rate rather than stop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.limits import Pacer
from syndicator.store.budget import GLOBAL, SendBudget

log = logging.getLogger(__name__)


class SharedPacer(Pacer):
    def __init__(
        self,
        budget: SendBudget,
        *,
        global_rate: float,
        per_chat_interval: float,
        private_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            global_rate=global_rate,
            per_chat_interval=per_chat_interval,
            private_interval=private_interval,
            clock=clock,
            sleep=sleep,
        )
        self._budget = budget
        self._writes: set[asyncio.Task[None]] = set()

    @classmethod
    def like(cls, pacer: Pacer, budget: SendBudget) -> SharedPacer:
        """A shared pacer with the rates of `pacer`."""
        return cls(
            budget,
            global_rate=1.0 / pacer._global_interval,
            per_chat_interval=pacer._per_chat,
            private_interval=pacer._private,
            clock=pacer.clock,
            sleep=pacer.sleep,
        )

    async def acquire(self, chat_id: str) -> None:
        """Book the next slot for `chat_id` in the shared budget, then wait for it (while
        the chat is spaced or held, wait until it is free and book then)."""
        interval = self.interval(chat_id)
        while True:
            now = self.clock()
            known = max(0.0, self._held_all - now, self._next_chat.get(chat_id, 0.0) - now)
            try:
                slot = await self._budget.book(
                    chat_id,
                    chat_interval=interval,
                    global_interval=self._global_interval,
                    not_before=known,
                )
            except Exception as exc:
                log.warning("shared send budget unavailable (%s): pacing this replica alone", exc)
                await super().acquire(chat_id)
                return
            now = self.clock()
            free = now + slot.wait + (interval if slot.booked else 0.0)
            self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), free)
            if slot.wait > 0:
                await self.sleep(slot.wait)
            if slot.booked:
                return

    def pause(self, chat_id: str, seconds: float) -> None:
        super().pause(chat_id, seconds)
        self._write(chat_id, seconds)

    def pause_all(self, seconds: float) -> None:
        super().pause_all(seconds)
        self._write(GLOBAL, seconds)

    def _write(self, key: str, seconds: float) -> None:
        task = asyncio.get_running_loop().create_task(self._hold(key, seconds))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _hold(self, key: str, seconds: float) -> None:
        try:
            await self._budget.hold(key, seconds)
        except Exception as exc:  # this replica still holds; the others learn on their own
            log.warning("could not share a hold of %s for %.0f s: %s", key, seconds, exc)

    async def settle(self) -> None:
        """Wait for the holds still being written (before the engine closes)."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

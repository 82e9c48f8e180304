"""Outbox dispatcher: claim due deliveries, pace them fairly, send, record the outcome.

Each pass, in order:
1. corrections of sent articles become edit deliveries (`syndicator.store.corrections`);
2. digest-mode channels whose slot has come get their digest (`bot.digests`);
3. instant channels with more than K posts due fold the rest into one digest (backlog);
4. the due deliveries of every channel are sent, fairly: the next send always goes to the
   channel whose chat can take a message soonest, ties going to the channel served least
   recently, so a busy channel gets one message per pacing interval and never starves the
   others. Up to `concurrency` sends are in flight, never two to one chat.

Every delivery is claimed (fencing attempt) just before its send and its outcome recorded
right after, so the process may be stopped or killed at any moment: what was claimed but
not sent is handed back, and what was in flight ends `unknown` at the next start
(`recover`). A stop request is honoured between sends, never in the middle of one: sends
in flight finish, unless the task is cancelled (the composition root does that when its
shutdown grace runs out).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import Counter, deque
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import ColumnElement

from bot.deliver import Deliverer
from bot.digests import Digests
from bot.limits import Pacer
from bot.metrics import DeliveryMetrics
from bot.policy import Names, Options
from bot.summaries import ChannelSummaries
from bot.telegram import Sender
from syndicator.errors import StoreError
from syndicator.store import Store
from syndicator.store.chats import ChatState
from syndicator.store.outbox import Due, Interrupted, Queue

log = logging.getLogger(__name__)

IDLE_WAIT = 5.0
PER_CHANNEL = 20  # deliveries of one channel taken into a pass at a time
# A chat that cannot take a message for longer than this is left for a later pass, not
# waited for, so the loop can look at new work and stop requests meanwhile.
MAX_INLINE_WAIT = 1.0
SLACK = 0.05  # a send starts when its chat is free within this many seconds


class Dispatcher:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        pacer: Pacer,
        clock: Callable[[], datetime],
        summaries: ChannelSummaries | None = None,
        *,
        options: Options | None = None,
        metrics: DeliveryMetrics | None = None,
        pace_first: bool = False,
    ) -> None:
        self._store = store
        self._pacer = pacer
        # Scale-out: wait for the send's slot before claiming, so that a row in `sending`
        # is a call on the wire (a killed replica leaves at most those `unknown`).
        self._pace_first = pace_first
        self._clock = clock
        self._options = options = options or Options()
        self.metrics = metrics or DeliveryMetrics()
        self._deliverer = Deliverer(store, sender, pacer, clock, options, self.metrics, summaries)
        self._digests = Digests(store, self._deliverer, clock, options)
        self._next_ready: float | None = None
        # Source and category names for messages: read once, again after `configure`
        # (every change to the registry reaches the dispatcher through it), not per pass.
        self._names_cache: Names | None = None
        self.wake = asyncio.Event()

    def configure(self, options: Options, summaries: ChannelSummaries | None = None) -> None:
        """Use new channel policies and summary choices from the next pass on (operators
        changed channels or subscriptions; the composition root reloads them)."""
        self._options = options
        self._names_cache = None
        self._deliverer.configure(options, summaries)
        self._digests.configure(options)

    async def recover(self, where: ColumnElement[bool] | None = None) -> list[Interrupted]:
        """Deliveries interrupted mid-send by a previous process become `unknown` (only
        those `where` accepts, when given: scale-out recovers only a dead replica's)."""
        resend = [c for c, p in self._options.channels.items() if p.at_least_once]
        interrupted = await self._store.outbox.recover(self._clock(), resend=resend, where=where)
        for item in interrupted:
            self.metrics.count(item.channel_id, "unknown")
            log.warning(
                "delivery %d (%s of article %d to %s) was interrupted while sending: "
                "outcome unknown, not sent again",
                item.id, item.kind.value, item.article_id, item.channel_id,
            )  # fmt: skip
        return interrupted

    async def run_once(
        self,
        stop: asyncio.Event | None = None,
        *,
        max_wait: float = MAX_INLINE_WAIT,
        channels: Collection[str] | None = None,
    ) -> Counter[str]:
        """Deliver everything that is due now; returns the outcomes by kind.

        A chat with no free slot within `max_wait` seconds is left for a later pass;
        `max_wait=math.inf` waits for every slot instead. `channels` limits the pass to
        those channels (scale-out: one job per channel).
        """
        outcomes: Counter[str] = Counter()
        await self._deliverer.catch_up()  # outcomes the database did not take before
        names = await self._names()
        states = await self._states(channels)
        edits = [c for c in states if self._options.policy(c).edits]
        await self._store.corrections.enqueue(self._clock(), edits, self._options.edit_window)
        self._deliverer.unreachable = False
        outcomes += await self._digests.scheduled(states, names, stop)
        self._next_ready = None
        while not (stop and stop.is_set()) and not self._deliverer.unreachable:
            states = await self._states(channels)
            waiting = self._digests.channels(states)
            queues = await self._store.outbox.queues(
                self._clock(), per_channel=PER_CHANNEL, exclude=waiting, only=channels
            )
            folded = False
            for queue in queues.values():
                policy = self._options.policy(queue.channel_id)
                if policy.is_backlog(queue.posts):
                    outcomes += await self._digests.backlog(queue.channel_id, policy, names)
                    folded = True
            if folded:
                queues = await self._store.outbox.queues(
                    self._clock(), per_channel=PER_CHANNEL, exclude=waiting, only=channels
                )
            self._queue_ages(queues)
            if not queues or not await self._drain(queues, states, names, stop, max_wait, outcomes):
                break
        outcomes.pop("", None)
        return outcomes

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, waking when new deliveries are stored or come due."""
        try:
            await self._run(stop)
        finally:
            await self._last_catch_up()

    async def _last_catch_up(self) -> None:
        """At the end, one more try to store outcomes kept during an outage; those left
        stay `sending` and the next start reports them `unknown`."""
        try:
            await self._deliverer.catch_up()
        except StoreError as exc:
            owed = self._deliverer.owed
            log.error("%d delivery outcomes could not be stored (%s): reported at start", owed, exc)

    async def _run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once(stop)
            except StoreError as exc:  # the database does not answer: one line, no traceback
                log.warning("dispatch pass: %s; retrying", exc)
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("dispatch pass failed; retrying")
            self.wake.clear()
            timeout = await self._idle_timeout()
            waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _idle_timeout(self) -> float:
        """Seconds until something may be due: a paced chat, a retry, a digest slot."""
        timeout = IDLE_WAIT
        if self._next_ready is not None:
            timeout = min(timeout, self._next_ready)
        try:
            due = await self.due_in()
        except StoreError:
            pass  # said by the pass that just failed
        except Exception:
            log.exception("could not read the outbox")
        else:
            timeout = timeout if due is None else min(timeout, due)
        return max(0.05, timeout)

    async def due_in(self, channels: Collection[str] | None = None) -> float | None:
        """Seconds until something of `channels` (all when None) may be due: a chat paced
        in the last pass, a retry, a flood-control hold, a digest slot; None: nothing."""
        states = await self._states(channels)
        now = self._clock()
        waits = [] if self._next_ready is None else [self._next_ready]
        for due in (
            await self._store.outbox.next_due(self._digests.channels(states), only=channels),
            self._digests.next_slot(states, now),
        ):
            if due is not None:
                waits.append((due - now).total_seconds())
        return max(0.0, min(waits)) if waits else None

    async def _states(self, channels: Collection[str] | None) -> dict[str, ChatState]:
        states = await self._store.chats.states()
        return states if channels is None else {c: states[c] for c in states if c in channels}

    async def _names(self) -> Names:
        if self._names_cache is None:
            registry = self._store.registry
            sources = {s.id: s.name for s in await registry.sources(enabled_only=False)}
            categories = {c.slug: c.name for c in await registry.categories()}
            self._names_cache = Names(sources, categories)
        return self._names_cache

    def _queue_ages(self, queues: dict[str, Queue]) -> None:
        now = self._clock()
        for channel_id, queue in queues.items():
            oldest = min(item.created for item in queue.items)
            self.metrics.queue_age(channel_id, (now - oldest).total_seconds())

    async def _drain(
        self,
        queues: dict[str, Queue],
        states: dict[str, ChatState],
        names: Names,
        stop: asyncio.Event | None,
        max_wait: float,
        outcomes: Counter[str],
    ) -> int:
        """Send the queued deliveries fairly; returns how many were started."""
        waiting = {c: deque(q.items) for c, q in queues.items()}
        chat = {c: states[c].chat_id if c in states else c for c in waiting}
        served: dict[str, int] = {}
        turns = itertools.count()
        running: dict[asyncio.Task[str], str] = {}
        started = 0
        self._deliverer.blocked.clear()
        try:
            while True:
                for channel in self._deliverer.blocked & waiting.keys():
                    del waiting[channel]
                if self._deliverer.unreachable:
                    waiting.clear()
                busy = set(running.values())
                idle = [c for c in waiting if c not in busy]
                stopping = stop is not None and stop.is_set()
                if idle and len(running) < self._options.concurrency and not stopping:
                    channel = min(
                        idle, key=lambda c: (self._pacer.ready_in(chat[c]), served.get(c, -1))
                    )
                    wait = self._pacer.ready_in(chat[channel])
                    if wait <= SLACK:
                        item = waiting[channel].popleft()
                        if not waiting[channel]:
                            del waiting[channel]
                        served[channel] = next(turns)
                        send = self._one(item, chat[channel], names)
                        running[asyncio.create_task(send)] = channel
                        started += 1
                        continue
                    if not running and wait <= max_wait:
                        # Nobody can send yet: wait here rather than in a send that would
                        # book a slot far ahead and hold up chats that become free first.
                        await self._pacer.sleep(wait)
                        continue
                if not running:
                    break
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del running[task]
                    outcomes[task.result()] += 1
        except asyncio.CancelledError:
            # The shutdown grace ran out: sends still in flight are abandoned, their rows
            # left `sending` (the next start records them `unknown`).
            for task in running:
                task.cancel()
            raise
        finally:
            if running:
                for result in await asyncio.gather(*running, return_exceptions=True):
                    if isinstance(result, str):
                        outcomes[result] += 1
        if stop is not None and stop.is_set():
            waiting.clear()
        ready = [self._pacer.ready_in(chat[c]) for c in waiting]
        self._next_ready = min(ready, default=None)
        return started

    async def _one(self, item: Due, chat: str, names: Names) -> str:
        """Claim one delivery and deliver it ("" when another worker took it first)."""
        if self._pace_first:
            await self._pacer.acquire(chat)
        claimed = await self._store.outbox.claim_items([item], self._clock())
        if not claimed:
            return ""
        return await self._deliverer.deliver(claimed[0], names, paced=self._pace_first)

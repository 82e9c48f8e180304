"""Outbox dispatcher: claim pending deliveries, pace, send, record the outcome.

Follows the delivery state machine in `syndicator.store.outbox`. A stop request is honoured
between sends, never in the middle of one, so a clean shutdown leaves nothing in `sending`.
A channel that asked for its own summaries (`bot.summaries`) gets them written just before
its message is formatted; the state machine is the same for every channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.format import format_article
from bot.limits import Pacer
from bot.summaries import ChannelSummaries
from bot.telegram import Sender
from syndicator.errors import OutcomeUnknown, PermanentFailure, RetryLater
from syndicator.store import Claimed, Store

log = logging.getLogger(__name__)

BATCH = 50
IDLE_WAIT = 5.0
# A chat that cannot take a message for longer than this is postponed, not waited for, so
# one busy or flood-controlled channel never holds up the others.
MAX_INLINE_WAIT = 1.0


class Dispatcher:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        pacer: Pacer,
        clock: Callable[[], datetime],
        summaries: ChannelSummaries | None = None,
    ) -> None:
        self._store = store
        self._summaries = summaries
        self._sender = sender
        self._pacer = pacer
        self._clock = clock
        self.wake = asyncio.Event()

    async def recover(self) -> int:
        """Deliveries interrupted mid-send by a previous process become `unknown`."""
        count = await self._store.outbox.recover(self._clock())
        if count:
            log.warning("%d deliveries were interrupted while sending: marked unknown", count)
        return count

    async def run_once(
        self, stop: asyncio.Event | None = None, *, max_wait: float = MAX_INLINE_WAIT
    ) -> Counter[str]:
        """Deliver everything that is due now; returns the outcomes by state.

        A delivery whose chat has no free slot within `max_wait` seconds is postponed until
        it has one (outcome "postponed"); `max_wait=math.inf` waits for every slot instead.
        """
        outcomes: Counter[str] = Counter()
        while not (stop and stop.is_set()):
            batch = await self._store.outbox.claim(self._clock(), BATCH)
            if not batch:
                break
            names = {s.id: s.name for s in await self._store.registry.sources(enabled_only=False)}
            for index, claimed in enumerate(batch):
                if stop and stop.is_set():
                    # Hand back what we claimed but did not start: it was surely not sent.
                    for rest in batch[index:]:
                        await self._store.outbox.retry(
                            rest.delivery, self._clock(), None, self._clock()
                        )
                    break
                source = names.get(claimed.article.source_id, "")
                outcomes[await self._deliver(claimed, source, max_wait)] += 1
        return outcomes

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, waking when new deliveries are stored or come due."""
        while not stop.is_set():
            try:
                await self.run_once(stop)
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("dispatch pass failed; retrying")
            self.wake.clear()
            timeout = IDLE_WAIT
            due = await self._next_due()
            if due is not None:
                timeout = min(timeout, max(0.05, (due - self._clock()).total_seconds()))
            waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _next_due(self) -> datetime | None:
        try:
            return await self._store.outbox.next_due()
        except Exception:
            log.exception("could not read the outbox")
            return None

    async def _deliver(self, claimed: Claimed, source_name: str, max_wait: float) -> str:
        delivery, outbox = claimed.delivery, self._store.outbox
        wait = self._pacer.ready_in(delivery.chat_id)
        if wait > max_wait:
            at = self._clock() + timedelta(seconds=wait)
            await outbox.retry(delivery, at, None, self._clock())
            return "postponed"
        article = claimed.article
        if self._summaries is not None:
            article = await self._summaries.for_channel(article, delivery.channel_id)
        try:
            message = format_article(article, source_name)
        except Exception as exc:  # never sent: safe to record as failed
            log.exception("could not format article %s", claimed.article.id)
            await outbox.failed(delivery, f"format error: {exc}", self._clock())
            return "failed"
        await self._pacer.acquire(delivery.chat_id)
        try:
            message_id = await self._sender.send(delivery.chat_id, message)
        except RetryLater as exc:
            self._pacer.pause(delivery.chat_id, exc.retry_after)
            at = self._clock() + timedelta(seconds=exc.retry_after)
            await outbox.retry(delivery, at, str(exc), self._clock())
            log.info("delivery %s to %s retried later: %s", delivery.id, delivery.chat_id, exc)
            return "pending"
        except PermanentFailure as exc:
            await outbox.failed(delivery, str(exc), self._clock())
            log.warning("delivery %s to %s failed: %s", delivery.id, delivery.chat_id, exc)
            return "failed"
        except (OutcomeUnknown, Exception) as exc:
            await outbox.unknown(delivery, str(exc), self._clock())
            log.warning("delivery %s to %s outcome unknown: %s", delivery.id, delivery.chat_id, exc)
            return "unknown"
        await outbox.sent(delivery, message_id, self._clock())
        return "sent"

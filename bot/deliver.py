"""Delivering claimed deliveries (I/O): format, pace, send or edit, record the outcome.

One claimed post becomes one message; one claimed edit edits the message its post became
(text or caption, as it was sent); a list of claimed posts becomes digest messages. What an
error means for the deliveries involved (`settle`) follows the state machine of
`syndicator.store.outbox`, plus what the chat or the whole bot must do next:

    FloodControl (429)     -> pending after retry_after; the chat is held (durably); 429s
                              from several chats within a second hold every chat
    ChatMoved              -> pending now; the new chat id is stored and used from now on
    RetryLater (network)   -> pending after a backoff that grows while Telegram stays away
    ChatUnavailable        -> pending; the channel is paused (durably) and operators told
    PermanentFailure       -> failed
    OutcomeUnknown, other  -> unknown (an edit, or an at-least-once channel: pending again)

An outcome the database does not take (`StoreError`: it does not answer) is kept in memory
and stored first thing in the next pass (`catch_up`), in order. Meanwhile the row stays
`sending`, so no pass claims it again; if the process ends before the database answers,
the next start reports it `unknown`. So a message sent during an outage is never sent
twice, and one that surely was not sent is sent later, not dropped.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from bot.digest import Headline, format_digest
from bot.format import format_article
from bot.limits import Pacer
from bot.metrics import DeliveryMetrics
from bot.operators import Operators
from bot.policy import Names, Options
from bot.summaries import ChannelSummaries
from bot.telegram import Sender
from syndicator.errors import (
    ChatMoved,
    ChatUnavailable,
    FloodControl,
    OutcomeUnknown,
    PermanentFailure,
    RetryLater,
    StoreError,
)
from syndicator.model import SUBSCRIBER_PREFIX, Actor, Delivery, DeliveryKind, MessageKind
from syndicator.store import Claimed, Store

log = logging.getLogger(__name__)

TELEGRAM = Actor("telegram", "bot")  # who unsubscribes a person who blocked the bot
EDIT_ATTEMPTS = 5  # an edit whose outcome stays unknown is retried this many times
MAX_BACKOFF = 60.0  # seconds, while Telegram cannot be reached
STORM_WINDOW = 1.0  # 429s from this many chats within this many seconds: hold every chat
STORM_CHATS = 3


def backoff(failures: int) -> float:
    return min(MAX_BACKOFF, 2.0 ** max(0, failures - 1))


class Deliverer:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        pacer: Pacer,
        clock: Callable[[], datetime],
        options: Options,
        metrics: DeliveryMetrics,
        summaries: ChannelSummaries | None = None,
    ) -> None:
        self._store = store
        self._sender = sender
        self._pacer = pacer
        self._clock = clock
        self._options = options
        self._metrics = metrics
        self._summaries = summaries
        self._operators = Operators(sender, pacer, options.operators)
        self._failures = 0  # consecutive sends that did not reach Telegram
        self._floods: deque[tuple[float, str]] = deque()
        self.blocked: set[str] = set()  # channels held or paused since the last `clear`
        self.unreachable = False  # Telegram could not be reached or failed: end the pass
        self._owed: deque[Callable[[], Awaitable[object]]] = deque()  # outcomes to store

    @property
    def owed(self) -> int:
        """Outcomes kept while the database did not answer, not stored yet."""
        return len(self._owed)

    async def catch_up(self) -> None:
        """Store the outcomes kept while the database did not answer, oldest first; raises
        `StoreError` (keeping the rest) while it still does not."""
        stored = 0
        while self._owed:
            await self._owed[0]()
            self._owed.popleft()
            stored += 1
        if stored:
            log.info("database answers again: %d delivery outcomes stored", stored)

    async def _record(self, write: Callable[[], Awaitable[object]]) -> object | None:
        """Store one outcome (`write`), or keep it for `catch_up` while the database does
        not answer, or while older outcomes wait (their order is kept); None when kept."""
        if not self._owed:
            try:
                return await write()
            except StoreError as exc:
                log.warning("delivery outcome kept until the database answers: %s", exc)
        self._owed.append(write)
        return None

    def configure(self, options: Options, summaries: ChannelSummaries | None) -> None:
        """New channel policies and summary choices (operators changed them)."""
        self._options = options
        self._summaries = summaries

    async def deliver(self, claimed: Claimed, names: Names, *, paced: bool = False) -> str:
        """Send (or edit) one claimed delivery; returns its outcome. `paced`: the caller
        already waited for the chat's slot."""
        delivery = claimed.delivery
        edit = delivery.kind is DeliveryKind.EDIT
        policy = self._options.policy(delivery.channel_id)
        article = claimed.article
        if self._summaries is not None:
            article = await self._summaries.for_channel(article, delivery.channel_id)
        outbox, now = self._store.outbox, self._clock()
        editable = delivery.message_id is not None and delivery.message_kind in (
            MessageKind.TEXT,
            MessageKind.PHOTO,
        )
        if edit and not editable:  # never post a correction as a new message
            await self._record(
                partial(outbox.failed, delivery, "nothing to edit", now, revision=article.revision)
            )
            return "failed"
        try:
            source, categories = names.of(article)
            kind = delivery.message_kind if edit else None
            message = format_article(article, source, categories, policy.style, kind=kind)
        except Exception as exc:  # never sent: safe to record as failed
            log.exception("could not format article %s", article.id)
            error = f"format error: {exc}"
            await self._record(
                partial(outbox.failed, delivery, error, now, revision=article.revision)
            )
            return "failed"
        if edit and message.fingerprint == claimed.shown_hash:  # the correction shows nothing new
            await self._record(
                partial(
                    outbox.sent, delivery, 0, now,
                    revision=article.revision, message_hash=message.fingerprint,
                )
            )  # fmt: skip
            return "unchanged"
        chat = delivery.chat_id
        if not paced:
            await self._pacer.acquire(chat)
        try:
            if edit and delivery.message_id is not None and delivery.message_kind is not None:
                await self._sender.edit(chat, delivery.message_id, delivery.message_kind, message)
                message_id, sent_kind = delivery.message_id, delivery.message_kind
            else:
                sent = await self._sender.send(chat, message)
                message_id, sent_kind = sent.message_id, sent.kind
                if sent_kind is not message.kind and message.fallback is not None:
                    message = message.fallback  # the photo could not be used
        except Exception as exc:
            return await self.settle([delivery], chat, exc, revision=article.revision)
        self._reached()
        await self._record(
            partial(
                outbox.sent,
                delivery,
                message_id,
                self._clock(),
                message_kind=sent_kind,
                revision=article.revision,
                message_hash=message.fingerprint,
            )
        )
        self._metrics.count(delivery.channel_id, "edits" if edit else "sent")
        return "edited" if edit else "sent"

    async def digest(
        self,
        channel_id: str,
        claimed: Sequence[Claimed],
        names: Names,
        title: str,
        when: str,
        *,
        single: bool = False,
    ) -> Counter[str]:
        """Send claimed posts of one channel as digest messages (one, if `single`)."""
        outcomes: Counter[str] = Counter()
        if not claimed:
            return outcomes
        policy, outbox = self._options.policy(channel_id), self._store.outbox
        by_id = {c.delivery.id: c for c in claimed}
        headlines = [
            Headline(c.delivery.id, c.article.title, c.article.url, names.of(c.article)[0])
            for c in claimed
        ]
        made = format_digest(title, when, headlines, policy.style, single=single)
        reason = "backlog: counted in a digest, not listed"
        for key in made.left_out:
            await self._record(partial(outbox.skipped, by_id[key].delivery, reason, self._clock()))
        self._metrics.count(channel_id, "skipped", len(made.left_out))
        outcomes["skipped"] += len(made.left_out)
        chat = claimed[0].delivery.chat_id
        for index, part in enumerate(made.parts):
            deliveries = [by_id[key].delivery for key in part.keys]
            await self._pacer.acquire(chat)
            try:
                sent = await self._sender.send(chat, part.message)
            except Exception as exc:
                outcomes[await self.settle(deliveries, chat, exc)] += len(deliveries)
                later = [by_id[k].delivery for p in made.parts[index + 1 :] for k in p.keys]
                await self._retry(later, self._clock(), None)  # never attempted: surely not sent
                outcomes["pending"] += len(later)
                break
            self._reached()
            now = self._clock()
            for delivery in deliveries:
                revision = by_id[delivery.id].article.revision
                await self._record(
                    partial(
                        outbox.sent, delivery, sent.message_id, now,
                        message_kind=MessageKind.DIGEST, revision=revision,
                    )
                )  # fmt: skip
            self._metrics.digest(channel_id)
            outcomes["digested"] += len(deliveries)
        return outcomes

    async def settle(
        self,
        deliveries: Sequence[Delivery],
        chat: str,
        exc: BaseException,
        *,
        revision: int | None = None,
    ) -> str:
        """Record what a failed call means for `deliveries` (all of one channel)."""
        outbox, now = self._store.outbox, self._clock()
        channel = deliveries[0].channel_id
        if isinstance(exc, ChatMoved):
            await self._record(partial(self._store.chats.move, channel, exc.new_chat_id))
            log.warning("channel %s: Telegram moved chat %s to %s", channel, chat, exc.new_chat_id)
            await self._retry(deliveries, now, str(exc))
            self.blocked.add(channel)
            return "pending"
        if isinstance(exc, FloodControl):
            wait = max(1.0, exc.retry_after)
            self._pacer.pause(chat, wait)
            await self._record(
                partial(self._store.chats.hold, channel, now + timedelta(seconds=wait))
            )
            self._metrics.flood(channel, wait)
            self._storm(chat, wait)
            log.info("channel %s: flood control, waiting %.0f s", channel, wait)
            await self._retry(deliveries, now + timedelta(seconds=wait), str(exc))
            self.blocked.add(channel)
            return "pending"
        if isinstance(exc, RetryLater):
            self._failures += 1
            self.unreachable = True
            wait = max(exc.retry_after, backoff(self._failures))
            self._pacer.pause_all(wait)
            log.warning("Telegram not reached (%s): retrying in %.0f s", exc, wait)
            await self._retry(deliveries, now + timedelta(seconds=wait), str(exc))
            return "pending"
        if isinstance(exc, ChatUnavailable):
            await self._retry(deliveries, now, str(exc))  # kept for when it is resumed
            self.blocked.add(channel)
            # None: kept for later, and then most likely the first pause: tell them now.
            paused = await self._record(
                partial(self._store.chats.pause, channel, chat, str(exc), now)
            )
            if paused is not False:
                if channel.startswith(SUBSCRIBER_PREFIX):  # the person blocked the bot
                    log.info("subscriber %s unavailable (%s): unsubscribed", chat, exc)
                    unsubscribe = partial(self._store.subscribers.stop, int(chat), TELEGRAM, now)
                    await self._record(unsubscribe)
                else:
                    await self._operators.paused(channel, chat, str(exc))
            return "paused"
        if isinstance(exc, PermanentFailure):
            for delivery in deliveries:
                await self._record(
                    partial(outbox.failed, delivery, str(exc), now, revision=revision)
                )
            self._metrics.count(channel, "failed", len(deliveries))
            log.warning("channel %s: %d deliveries failed: %s", channel, len(deliveries), exc)
            return "failed"
        # OutcomeUnknown, or a bug: the request may have been posted. Telegram is in trouble
        # (5xx, timeouts): this pass ends, and the next waits a growing backoff.
        self._failures += 1
        self.unreachable = True
        self._pacer.pause_all(backoff(self._failures))
        error = str(exc) if isinstance(exc, OutcomeUnknown) else f"{type(exc).__name__}: {exc}"
        policy = self._options.policy(channel)
        again = [
            d
            for d in deliveries
            if policy.at_least_once or (d.kind is DeliveryKind.EDIT and d.attempt < EDIT_ATTEMPTS)
        ]
        await self._retry(again, now + timedelta(seconds=backoff(self._failures)), error)
        lost = [d for d in deliveries if d not in again]
        for delivery in lost:
            await self._record(partial(outbox.unknown, delivery, error, now, revision=revision))
        self._metrics.count(channel, "unknown", len(lost))
        if lost:
            log.warning(
                "channel %s: outcome unknown for deliveries %s (%s); not sent again",
                channel, ", ".join(str(d.id) for d in lost), error,
            )  # fmt: skip
            return "unknown"
        return "pending"

    def count_skipped(self, channel_id: str, n: int) -> None:
        self._metrics.count(channel_id, "skipped", n)

    async def _retry(self, deliveries: Sequence[Delivery], at: datetime, error: str | None) -> None:
        for delivery in deliveries:
            await self._record(
                partial(self._store.outbox.retry, delivery, at, error, self._clock())
            )

    def _reached(self) -> None:
        self._failures = 0
        self.unreachable = False

    def _storm(self, chat: str, wait: float) -> None:
        """429s from several chats at once mean the whole bot is over its limit."""
        now = self._pacer.clock()
        self._floods.append((now, chat))
        while self._floods and self._floods[0][0] < now - STORM_WINDOW:
            self._floods.popleft()
        if len({c for _, c in self._floods}) >= STORM_CHATS:
            log.warning("429s from %d chats at once: holding every chat", STORM_CHATS)
            self._pacer.pause_all(wait)

"""Digests (I/O): scheduled digests of digest-mode channels, and backlog folding.

A digest-mode channel's posts wait in the outbox until its next slot (times of day in its
zone). When a slot has begun and the channel has not had it (`channel_state.last_digest_at`
is older), every due post is claimed and sent as digest messages, and the slot is recorded
as done. A slot is recorded only once its digest went out (or had nothing to list), so a
restart in between sends it then; a flood-control hold postpones it the same way. A new
digest channel starts at the current slot: its first digest is the next one.

Backlog (instant channels): when more than K posts are due at once, the newest K stay for
the dispatcher to post one by one and the rest become one digest message (or are skipped),
before any of the K goes out, so the chat reads oldest to newest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.dates import arabic_time, last_slot, next_slot
from bot.deliver import Deliverer
from bot.digest import BACKLOG_TITLE, DIGEST_TITLE
from bot.policy import ChannelPolicy, Names, Options, split_backlog
from syndicator.store import Store
from syndicator.store.chats import ChatState

log = logging.getLogger(__name__)


class Digests:
    def __init__(
        self,
        store: Store,
        deliverer: Deliverer,
        clock: Callable[[], datetime],
        options: Options,
    ) -> None:
        self._store = store
        self._deliverer = deliverer
        self._clock = clock
        self._options = options

    def configure(self, options: Options) -> None:
        """New channel policies (operators changed them)."""
        self._options = options

    def channels(self, states: Mapping[str, ChatState]) -> set[str]:
        """The channels whose posts wait: for their digests, or for the end of their quiet
        hours (then the backlog policy applies to what waited)."""
        now = self._clock()
        return {
            c for c in states if (policy := self._options.policy(c)).digest or policy.is_quiet(now)
        }

    async def scheduled(
        self,
        states: Mapping[str, ChatState],
        names: Names,
        stop: asyncio.Event | None = None,
    ) -> Counter[str]:
        """Send the digests whose slot has come."""
        outcomes: Counter[str] = Counter()
        for channel_id, state in sorted(states.items()):
            if stop is not None and stop.is_set():
                break
            policy = self._options.policy(channel_id)
            now = self._clock()
            if not (policy.digest and policy.digest_times and state.enabled):
                continue
            if state.paused_reason or (state.not_before is not None and state.not_before > now):
                continue
            slot = last_slot(policy.digest_times, policy.zone, now)
            if state.last_digest_at is None:  # a new digest channel starts now
                await self._store.chats.digested(channel_id, slot)
                continue
            if state.last_digest_at >= slot:
                continue
            done = await self._send(channel_id, policy, names, slot)
            outcomes += done
            if not done["pending"] and not done["paused"]:
                await self._store.chats.digested(channel_id, slot)
        return outcomes

    async def _send(
        self, channel_id: str, policy: ChannelPolicy, names: Names, slot: datetime
    ) -> Counter[str]:
        outbox = self._store.outbox
        items = await outbox.pending_posts(channel_id, self._clock())
        if not items:
            return Counter()
        claimed = await outbox.claim_items(items, self._clock())
        when = arabic_time(slot, policy.zone)
        log.info("channel %s: digest of %d articles", channel_id, len(claimed))
        return await self._deliverer.digest(channel_id, claimed, names, DIGEST_TITLE, when)

    def next_slot(self, states: Mapping[str, ChatState], now: datetime) -> datetime | None:
        """The next moment a digest is due, over every digest channel."""
        slots = [
            next_slot(p.digest_times, p.zone, now)
            for c in states
            if (p := self._options.policy(c)).digest and p.digest_times
        ]
        return min(slots, default=None)

    async def backlog(self, channel_id: str, policy: ChannelPolicy, names: Names) -> Counter[str]:
        """More than K posts due in an instant channel: fold (or skip) all but the newest K."""
        outbox, now = self._store.outbox, self._clock()
        _, rest = split_backlog(await outbox.pending_posts(channel_id, now), policy.backlog_newest)
        if not rest:
            return Counter()
        if policy.backlog == "skip":
            reason = f"backlog: skipped to the newest {policy.backlog_newest}"
            skipped = await outbox.skip(rest, reason, now)
            log.info("channel %s: backlog of %d skipped", channel_id, skipped)
            self._deliverer.count_skipped(channel_id, skipped)
            return Counter({"skipped": skipped})
        claimed = await outbox.claim_items(rest, now)
        log.info("channel %s: backlog of %d folded into a digest", channel_id, len(claimed))
        when = arabic_time(now, policy.zone)
        return await self._deliverer.digest(
            channel_id, claimed, names, BACKLOG_TITLE, when, single=True
        )

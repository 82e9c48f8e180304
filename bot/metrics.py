"""Delivery metrics: per-channel counters kept in process, read as frozen snapshots.

The dispatcher records every outcome here; `snapshot()` returns immutable values that an
exporter (Prometheus `/metrics`), the CLI or a test can read without locking. Counters only
grow for the life of the process (restarts begin at zero, as Prometheus expects); the queue
age is a gauge, set on every dispatch pass. The store remains the durable record
(`syndicator deliveries`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

OUTCOMES = ("sent", "failed", "unknown", "skipped", "edits")


@dataclass(frozen=True)
class ChannelMetrics:
    sent: int = 0  # messages posted (a digest message counts once)
    failed: int = 0  # permanently refused
    unknown: int = 0  # may or may not have been posted
    skipped: int = 0  # dropped by the backlog policy (or counted, unlisted, in a digest)
    edits: int = 0  # corrections edited into sent messages
    digests: int = 0  # digest messages posted (also counted in `sent`)
    flood_waits: int = 0  # 429 answers
    flood_seconds: float = 0.0  # the waits Telegram asked for, summed
    queue_age: float = 0.0  # seconds the oldest due delivery has waited (at the last pass)


class DeliveryMetrics:
    """The in-process registry; one per dispatcher, made by the composition root."""

    def __init__(self) -> None:
        self._channels: dict[str, ChannelMetrics] = {}

    def count(self, channel_id: str, outcome: str, n: int = 1) -> None:
        """Add `n` to one of OUTCOMES (other outcomes, like "pending", are not counted)."""
        if outcome in OUTCOMES:
            self._add(channel_id, **{outcome: n})

    def digest(self, channel_id: str) -> None:
        self._add(channel_id, digests=1, sent=1)

    def flood(self, channel_id: str, seconds: float) -> None:
        self._add(channel_id, flood_waits=1, flood_seconds=seconds)

    def queue_age(self, channel_id: str, seconds: float) -> None:
        current = self._channels.get(channel_id, ChannelMetrics())
        self._channels[channel_id] = dataclasses.replace(current, queue_age=max(0.0, seconds))

    def snapshot(self) -> Mapping[str, ChannelMetrics]:
        """Every channel's metrics now (an immutable mapping of frozen values)."""
        return MappingProxyType(dict(self._channels))

    def total(self) -> ChannelMetrics:
        """All channels added up (the queue age is the oldest)."""
        values = list(self._channels.values())
        sums = {
            f.name: sum(getattr(v, f.name) for v in values)
            for f in dataclasses.fields(ChannelMetrics)
            if f.name != "queue_age"
        }
        return ChannelMetrics(**sums, queue_age=max((v.queue_age for v in values), default=0.0))

    def _add(self, channel_id: str, **increments: float) -> None:
        current = self._channels.get(channel_id, ChannelMetrics())
        changed = {k: getattr(current, k) + v for k, v in increments.items()}
        self._channels[channel_id] = dataclasses.replace(current, **changed)

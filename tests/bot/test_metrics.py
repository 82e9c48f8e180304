"""Delivery metrics: per-channel counters as frozen snapshots, and their totals."""

from __future__ import annotations

import dataclasses

import pytest

from bot.metrics import ChannelMetrics, DeliveryMetrics


def test_counts_by_channel_and_snapshots_do_not_change() -> None:
    metrics = DeliveryMetrics()
    metrics.count("a", "sent")
    metrics.count("a", "sent")
    metrics.count("b", "unknown")
    metrics.count("b", "pending")  # not a counted outcome
    metrics.flood("a", 7.0)
    metrics.digest("b")
    metrics.queue_age("a", 12.5)
    before = metrics.snapshot()
    metrics.count("a", "failed")
    assert before["a"] == ChannelMetrics(sent=2, flood_waits=1, flood_seconds=7.0, queue_age=12.5)
    assert metrics.snapshot()["a"].failed == 1
    assert before["b"] == ChannelMetrics(unknown=1, digests=1, sent=1)
    with pytest.raises(TypeError):
        before["c"] = ChannelMetrics()  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        before["a"].sent = 0  # type: ignore[misc]
    assert metrics.total() == ChannelMetrics(
        sent=3, failed=1, unknown=1, digests=1, flood_waits=1, flood_seconds=7.0, queue_age=12.5
    )

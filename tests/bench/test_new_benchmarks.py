"""The delivery, memory and load benchmarks run end to end in a tiny configuration.

These check that each one works and reports its figures, not the figures themselves: the
machines are shared and noisy, and the figures are for `make bench`.
"""

from __future__ import annotations

import math

import httpx

from bench import delivery, load, memory
from bench.sites import Sites, plan


def test_sites_publish_on_schedule_and_answer_304() -> None:
    publications = plan(sources=3, articles=2, window=0, seed=1, initial=1)
    with Sites(3, 2, publications, initial=1) as sites:
        first = httpx.get(sites.url(0))
        assert first.status_code == 200
        assert first.text.count("<item>") == 1
        again = httpx.get(sites.url(0), headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        sites.start()
        assert sites.counts() == {"200": 1, "304": 1, "404": 0}


def test_delivery_runs_and_reports_rate_and_limits() -> None:
    result = delivery.measure(channels=2, private=2, seconds=1.0)
    assert result.name == "delivery"
    assert {"rate", "ratio", "floods", "per_channel"} <= set(result.figures)
    assert "messages/s" in result.markdown()


def test_memory_runs_the_service_twice_and_reports_the_ratio() -> None:
    result = memory.measure(sources=3, articles=40, interval=1, feeds_per_site=1)
    assert result.figures["floor_mib"] > 0
    assert result.figures["ratio"] > 0
    assert "peak RSS (VmHWM)" in result.markdown()


def test_load_runs_the_service_and_reports_delay_and_memory() -> None:
    result = load.measure(
        sources=3, duration=2, interval=1, articles=3, feeds_per_site=1, log=False
    )
    assert result.figures["peak_mib"] > 0
    assert result.figures["missed"] >= 0
    assert math.isnan(result.figures["p95"]) or result.figures["p95"] >= 0
    assert "delay: p95" in result.markdown()

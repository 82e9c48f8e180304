"""Poll cadence: adaptive intervals, the source's own floor, backoff with jitter."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from syndicator.cadence import Cadence, after_error, after_success, source_floor
from tests.fakes.clock import NOW

CADENCE = Cadence(min_interval=120, max_interval=6 * 3600)


def every(minutes: float, count: int = 10) -> list[datetime]:
    return [NOW - timedelta(minutes=minutes * i) for i in range(count)]


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        pytest.param([], 600, id="no-history-uses-configured"),
        pytest.param(every(30, 2), 600, id="too-few-samples"),
        pytest.param(every(30), 900, id="half-the-median-gap"),
        pytest.param(every(1), 120, id="clamped-to-min"),
        pytest.param(every(24 * 60), 6 * 3600, id="clamped-to-max"),
        pytest.param([*every(30), NOW - timedelta(days=30)], 900, id="median-ignores-outlier"),
        pytest.param([NOW, NOW, NOW, NOW], 600, id="same-second-burst-no-gaps"),
    ],
)
def test_after_success(published: list[datetime], expected: float) -> None:
    assert after_success(published, 600, CADENCE) == expected


def test_source_floor_wins_but_not_over_the_maximum() -> None:
    assert after_success(every(1), 600, CADENCE, floor=1800) == 1800
    assert after_success(every(1), 600, CADENCE, floor=86_400) == 6 * 3600


@pytest.mark.parametrize(
    ("errors", "jitter", "expected"),
    [
        (1, 0.5, 600),
        (2, 0.5, 1200),
        (3, 0.5, 2400),
        (10, 0.5, 6 * 3600),  # capped, never given up
        (100, 0.5, 6 * 3600),
        (1, 0.0, 450),  # -25 %
        (1, 0.999999, pytest.approx(750, abs=0.01)),  # +25 %
    ],
)
def test_after_error_backs_off_geometrically_with_jitter(
    errors: int, jitter: float, expected: float
) -> None:
    assert after_error(errors, 600, CADENCE, jitter) == expected


def test_retry_after_wins_when_longer() -> None:
    assert after_error(1, 60, CADENCE, 0.5, retry_after=3600) == 3600
    assert after_error(1, 600, CADENCE, 0.5, retry_after=5) == 600


@pytest.mark.parametrize(
    ("headers", "ttl", "expected"),
    [
        ({}, None, 0),
        ({}, 30, 1800),
        ({"cache-control": "public, max-age=900"}, None, 900),
        ({"Cache-Control": "s-maxage=60, max-age=300"}, None, 300),
        ({"cache-control": "max-age=60"}, 15, 900),
        ({"cache-control": "no-cache"}, None, 0),
        ({}, 0, 0),
    ],
)
def test_source_floor(headers: dict[str, str], ttl: int | None, expected: float) -> None:
    assert source_floor(headers, ttl) == expected


def test_absurd_retry_after_is_capped_at_a_week() -> None:
    assert after_error(1, 600, CADENCE, 0.5, retry_after=1e12) == 7 * 86400

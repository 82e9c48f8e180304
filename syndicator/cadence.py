"""Poll cadence (pure): when to poll a source next.

After a success the interval adapts to how often the source publishes: half the median gap
between its recent articles (so a new article waits on average a quarter of the gap), clamped
to [min, max] (2 min – 6 h by default) and never shorter than what the source asks for with
RSS `<ttl>` or `Cache-Control: max-age`. Until a source has a few articles, its configured
interval is used.

After an error the wait grows geometrically (interval × 2^(errors-1), capped at max) with
±25 % jitter, so sources that failed together do not come back in lockstep; there is no
give-up: a source that recovers resumes by itself. A server's Retry-After always wins when
it asks for longer.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

MIN_SAMPLES = 3
MAX_RETRY_AFTER = 7 * 86400.0
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Cadence:
    min_interval: float = 120.0
    max_interval: float = 6 * 3600.0

    def clamp(self, seconds: float) -> float:
        return min(max(seconds, self.min_interval), self.max_interval)


def after_success(
    published: Sequence[datetime], configured: float, cadence: Cadence, floor: float = 0.0
) -> float:
    """Seconds until the next poll, from the publication times of recent articles."""
    times = sorted(published)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    gaps = [g for g in gaps if g > 0]
    if len(gaps) < MIN_SAMPLES - 1:
        interval = configured
    else:
        interval = cadence.clamp(statistics.median(gaps) / 2)
    # The source's own hint wins over our guess, but not over the operator's maximum.
    return max(interval, min(floor, cadence.max_interval))


def after_error(
    errors: int,
    configured: float,
    cadence: Cadence,
    jitter: float,
    retry_after: float | None = None,
) -> float:
    """Seconds until the next try after `errors` failures in a row; `jitter` is in [0, 1)."""
    exponent = min(max(errors - 1, 0), 30)
    wait: float = min(configured * 2.0**exponent, cadence.max_interval) * (0.75 + 0.5 * jitter)
    # A server's Retry-After wins when longer, within reason: a week at most.
    return max(wait, min(retry_after or 0.0, MAX_RETRY_AFTER))


def source_floor(headers: Mapping[str, str], ttl_minutes: int | None = None) -> float:
    """The shortest interval the source asks for: RSS ttl or Cache-Control max-age."""
    floor = float(ttl_minutes * 60) if ttl_minutes and ttl_minutes > 0 else 0.0
    match = _MAX_AGE.search(headers.get("cache-control", headers.get("Cache-Control", "")))
    if match:
        floor = max(floor, float(match.group(1)))
    return floor

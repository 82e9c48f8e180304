"""Summary budgets: how many sentences and characters a summary may take (pure).

`short` is for alerts (one sentence a phone shows whole in a notification); `standard` is for
channel posts and feed descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Budget(StrEnum):
    SHORT = "short"
    STANDARD = "standard"


@dataclass(frozen=True)
class Limits:
    sentences: int
    chars: int


LIMITS: dict[Budget, Limits] = {
    Budget.SHORT: Limits(sentences=1, chars=280),
    Budget.STANDARD: Limits(sentences=3, chars=600),
}

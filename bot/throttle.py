"""Command rate limit (pure; the clock is passed in): at most N commands a minute per user.

A sliding window of the last minute's commands per user. Past the limit a command is
refused; the first refusal of a burst is answered (politely, once), the next ones are
dropped silently, so a flood of commands never becomes a flood of answers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

WINDOW = 60.0

Verdict = Literal["ok", "refuse", "ignore"]


@dataclass
class Throttle:
    per_minute: int
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _told: set[int] = field(default_factory=set)

    def check(self, user_id: int, now: float) -> Verdict:
        """`ok` (counted), `refuse` (answer once) or `ignore` (already told)."""
        times = self._seen.setdefault(user_id, deque())
        while times and times[0] <= now - WINDOW:
            times.popleft()
        if len(times) < self.per_minute:
            times.append(now)
            self._told.discard(user_id)
            return "ok"
        if user_id in self._told:
            return "ignore"
        self._told.add(user_id)
        return "refuse"

    def forget_idle(self, now: float) -> None:
        """Drop users with no command in the last minute (bounded memory)."""
        for user_id in [u for u, t in self._seen.items() if not t or t[-1] <= now - WINDOW]:
            del self._seen[user_id]
            self._told.discard(user_id)

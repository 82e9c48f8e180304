"""Per-channel delivery policy (pure): how and when a channel gets its articles.

- `mode`: `instant` posts each article as it comes; `digest` posts one digest at set times
  of day in the channel's zone (`digest_at`, or every `digest_every` hours from midnight).
- `backlog`: what an instant channel does when more than `backlog_newest` (K) posts are due
  at once, as after downtime, a paused channel resumed, a new route or a new source's first
  poll: post the newest K and fold the rest into one digest message (`digest`), or post the
  newest K and skip the rest (`skip`). Either way the chat never gets a flood.
- `edits`: a correction of a sent article edits its message (within the edit window).
- `at_least_once`: a message whose outcome is unknown is sent again (it may appear twice).
- `quiet`: quiet hours (start, end) in the channel's zone: its posts wait until they end,
  then follow the backlog policy (nothing is dropped, the chat is not woken at night).

`Options` gathers every channel's policy with the dispatcher's own settings (operators,
concurrency, edit window); `Names` holds the display names a message shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Literal, TypeVar
from zoneinfo import ZoneInfo

from bot.dates import every
from bot.format import Style

if TYPE_CHECKING:
    from syndicator.config import ChannelConfig
    from syndicator.model import Article

Mode = Literal["instant", "digest"]
Backlog = Literal["digest", "skip"]
T = TypeVar("T")
DEFAULT_BACKLOG_NEWEST = 3


@dataclass(frozen=True)
class ChannelPolicy:
    style: Style = field(default_factory=Style)
    mode: Mode = "instant"
    digest_times: tuple[time, ...] = ()  # local times of day (mode "digest")
    backlog: Backlog = "digest"
    backlog_newest: int = DEFAULT_BACKLOG_NEWEST
    edits: bool = True
    at_least_once: bool = False
    quiet: tuple[time, time] | None = None  # quiet hours (start, end), local times

    @property
    def zone(self) -> ZoneInfo:
        return self.style.zone

    @property
    def digest(self) -> bool:
        return self.mode == "digest"

    def is_quiet(self, now: datetime) -> bool:
        """Whether `now` falls in the channel's quiet hours (which may span midnight)."""
        if self.quiet is None:
            return False
        start, end = self.quiet
        local = now.astimezone(self.zone).time().replace(tzinfo=None)
        return start <= local < end if start < end else (local >= start or local < end)

    def is_backlog(self, waiting: int) -> bool:
        """Whether `waiting` posts at once are a backlog (a digest of one headline would
        only be a post in another form, so folding starts at two)."""
        extra = 1 if self.backlog == "digest" else 0
        return waiting > self.backlog_newest + extra


def digest_times(every_hours: int | None, at: Sequence[time]) -> tuple[time, ...]:
    """The slots of a digest channel: `at` as given, else every `every_hours` hours."""
    if at:
        return tuple(sorted(set(at)))
    if every_hours is not None:
        return every(every_hours)
    return ()


def split_backlog(newest_first: Sequence[T], keep: int) -> tuple[list[T], list[T]]:
    """(the newest `keep`, oldest of them first; the rest, newest first)."""
    kept = list(newest_first[:keep])
    kept.reverse()
    return kept, list(newest_first[keep:])


def channel_policies(
    channels: Sequence[ChannelConfig], default_zone: str = "UTC"
) -> dict[str, ChannelPolicy]:
    """Each configured channel's policy (the config file has been validated)."""
    policies = {}
    for c in channels:
        style = Style(
            zone=ZoneInfo(c.timezone or default_zone),
            image=c.image,
            source=c.source,
            hashtags=c.hashtags,
            preview=c.link_preview,
            silent=c.silent,
        )
        at = [time.fromisoformat(moment) for moment in c.digest_at]
        policies[c.id] = ChannelPolicy(
            style=style,
            mode=c.mode,
            digest_times=digest_times(c.digest_every, at),
            backlog=c.backlog,
            backlog_newest=c.backlog_newest,
            edits=c.edits,
            at_least_once=c.at_least_once,
            quiet=quiet_hours(c.quiet_hours),
        )
    return policies


def quiet_hours(value: str | None) -> tuple[time, time] | None:
    """«23:00-07:00» -> (23:00, 07:00) (validated by the config)."""
    if not value:
        return None
    start, end = value.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def subscriber_policy(digest: bool, digest_at: str, zone: str) -> ChannelPolicy:
    """A subscriber's private chat: instant alerts, or one digest a day at `digest_at`."""
    style = Style(zone=ZoneInfo(zone))
    if not digest:
        return ChannelPolicy(style=style)
    return ChannelPolicy(style=style, mode="digest", digest_times=(time.fromisoformat(digest_at),))


@dataclass(frozen=True)
class Options:
    """The dispatcher's settings, from the composition root."""

    channels: Mapping[str, ChannelPolicy] = field(default_factory=dict)
    default: ChannelPolicy = field(default_factory=ChannelPolicy)
    operators: tuple[int, ...] = ()  # Telegram user ids told when a channel is paused
    concurrency: int = 1  # sends in flight at once (never two to one chat)
    edit_window: timedelta = timedelta(hours=48)

    def policy(self, channel_id: str) -> ChannelPolicy:
        return self.channels.get(channel_id, self.default)


@dataclass(frozen=True)
class Names:
    """Display names for messages: sources by id, categories by slug."""

    sources: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)

    def of(self, article: Article) -> tuple[str, tuple[str, ...]]:
        slugs = article.categories
        return self.sources.get(article.source_id, ""), tuple(
            self.categories.get(slug, slug) for slug in slugs
        )

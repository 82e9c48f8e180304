"""Domain values shared by every stage: frozen dataclasses, no I/O.

Config and store rows are translated into these at the edges, so the pure core (normalize,
dedup, categorize, summarize, render, format) never sees pydantic or SQLAlchemy objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    url_patterns: tuple[str, ...] = ()  # regular expressions searched in article URLs
    keywords: tuple[str, ...] = ()  # whole words or phrases, matched in normalized Arabic


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    url: str
    kind: str = "feed"
    categories: tuple[str, ...] = ()
    interval: int = 600  # seconds between polls (the starting point of the adaptive cadence)
    robots: bool = True  # honour the site's robots.txt
    link_selector: str | None = None  # kind "html": CSS selector of article links
    link_pattern: str | None = None  # kind "html": regular expression article URLs match


@dataclass(frozen=True)
class Channel:
    """A Telegram chat the operators route articles to. `categories` is a shorthand for one
    route; `options` are its delivery options as the config file spells them (only those
    that differ from the defaults), validated by `syndicator.config.ChannelConfig`."""

    id: str
    chat_id: str
    categories: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Route:
    """Which articles a channel receives: those of one of `categories` or `sources` (any
    article when both are empty), containing one of `include` (when given) and none of
    `exclude`; keywords are matched by `syndicator.keywords`."""

    channel_id: str
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    id: int | None = None

    @property
    def rule(
        self,
    ) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """What the route selects, without its id (equal rules select the same articles)."""
        return (self.channel_id, self.categories, self.sources, self.include, self.exclude)


Via = Literal["bot", "cli", "file"]


@dataclass(frozen=True)
class Actor:
    """Who changes the registry and from where: a Telegram user (`tg:ID`) through the bot,
    a system user through the CLI, or a config file (its path)."""

    who: str
    via: Via


@dataclass(frozen=True)
class AuditEntry:
    """One change (or one refused attempt) in the audit log."""

    at: datetime
    actor: str
    via: str
    action: str  # e.g. "channel.add", "route.remove", "denied"
    target: str  # what was changed: a channel id, a source id, a user id ...
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False)
    id: int | None = None


SubscriberMode = Literal["instant", "digest"]


@dataclass(frozen=True)
class Subscriber:
    """A person who receives alerts in a private chat (`user_id` is also the chat id)."""

    user_id: int
    language: str = "ar"
    mode: SubscriberMode = "instant"
    categories: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()
    active: bool = False

    @property
    def channel_id(self) -> str:
        return subscriber_channel(self.user_id)


SUBSCRIBER_PREFIX = "sub:"


def subscriber_channel(user_id: int) -> str:
    """The delivery channel of a subscriber's private chat (`sub:USER_ID`)."""
    return f"{SUBSCRIBER_PREFIX}{user_id}"


@dataclass(frozen=True)
class Entry:
    """A candidate article as one source describes it, before normalization."""

    source_id: str
    guid: str
    url: str
    title: str
    summary_html: str = ""
    content_html: str = ""
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    image: str | None = None
    category_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """A normalized article, ready to be stored (id is None) or read back from the store."""

    source_id: str
    guid: str
    url: str
    title: str
    text: str
    content_html: str
    summary: str
    published: datetime
    updated: datetime
    content_hash: str
    author: str = ""
    image: str | None = None
    categories: tuple[str, ...] = ()
    id: int | None = None
    cluster_id: int | None = None  # the first article of the same story (itself if none)
    revision: int = 0  # how many times the source corrected it


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"  # never sent on purpose: a channel's backlog skipped to now


class DeliveryKind(StrEnum):
    POST = "post"  # a new message for an article
    EDIT = "edit"  # a correction of a sent post: the same message, edited


class MessageKind(StrEnum):
    """What a sent post became in its chat (decides how a correction edits it)."""

    TEXT = "text"
    PHOTO = "photo"
    DIGEST = "digest"  # one line of a digest message: never edited


@dataclass(frozen=True)
class Delivery:
    """One article owed to one channel; `attempt` is the fencing token of the current claim."""

    id: int
    article_id: int
    channel_id: str
    chat_id: str
    state: DeliveryState
    attempt: int
    kind: DeliveryKind = DeliveryKind.POST
    # an edit: the post it corrects (its message id and kind in the chat)
    message_id: int | None = None
    message_kind: MessageKind | None = None


@dataclass(frozen=True)
class SourceState:
    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    error_count: int = 0
    next_poll_at: datetime | None = None
    cursor: str | None = None  # kind-specific position, e.g. WordPress's newest modified_gmt


@dataclass(frozen=True)
class PollResult:
    """What one poll of one source did, for logs, the CLI and tests."""

    source_id: str
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    revised: int = 0
    deferred: int = 0  # new entries left for the next poll (their page failed for now)
    not_modified: bool = False
    error: str | None = None
    store_down: bool = False  # the error was the database's (it did not answer), not the source's
    article_ids: tuple[int, ...] = field(default=())
    read_seconds: float = 0.0  # reading the source (fetch and parse), or until it failed

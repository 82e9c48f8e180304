"""Store schema: SQLAlchemy Core tables, identical on SQLite and PostgreSQL.

The Alembic migrations under `migrations/versions` create exactly these tables; a test
compares the two so they cannot drift. Times are stored as naive UTC and read back aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

categories = Table(
    "categories",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("aliases", JSON, nullable=False, default=list),
    Column("url_patterns", JSON, nullable=False, default=list, server_default=text("'[]'")),
    Column("keywords", JSON, nullable=False, default=list, server_default=text("'[]'")),
)

sources = Table(
    "sources",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("categories", JSON, nullable=False, default=list),
    Column("interval", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("robots", Boolean, nullable=False, default=True, server_default=true()),
    Column("link_selector", Text),
    Column("link_pattern", Text),
)

source_state = Table(
    "source_state",
    metadata,
    Column("source_id", String(64), ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, default=0),
    Column("next_poll_at", UTCDateTime),
    Column("cursor", Text),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_id", String(64), ForeignKey("sources.id"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("url", Text, nullable=False),  # the link readers get
    Column("url_key", Text, nullable=False),  # its identity (normalize.identity_url)
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("content_html", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("author", Text, nullable=False, default=""),
    Column("image", Text),
    Column("published_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("cluster_id", Id),
    Column("fingerprint", JSON),
    Column("revision", Integer, nullable=False, default=0, server_default=text("0")),
    Column("source_hash", String(64)),  # assemble.entry_hash: detects corrections
    UniqueConstraint("source_id", "guid"),
    UniqueConstraint("url_key"),
    Index(None, "published_at", "id"),
    Index(None, "content_hash"),
    Index(None, "cluster_id"),
)

# Locality-sensitive band keys of each article's fingerprint: two near-duplicates share at
# least one (band, key) pair, so candidates are found with an indexed equality lookup.
article_bands = Table(
    "article_bands",
    metadata,
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("band", Integer, primary_key=True, autoincrement=False),
    Column("key", BigInteger, nullable=False),
    Index(None, "band", "key"),
)

# What an article said before each correction (the newest text is in `articles`).
article_revisions = Table(
    "article_revisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    UniqueConstraint("article_id", "revision"),
)

article_categories = Table(
    "article_categories",
    metadata,
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("category_slug", String(64), primary_key=True),
    Index(None, "category_slug", "article_id"),
)

channels = Table(
    "channels",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("chat_id", String(64), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    # channel: routed by operators; subscriber: a person's private chat (id "sub:USER_ID")
    Column("kind", String(16), nullable=False, default="channel", server_default="channel"),
    # delivery options as the config file spells them, defaults left out (ChannelConfig)
    Column("options", JSON, nullable=False, default=dict, server_default=text("'{}'")),
)

# Which articles a channel receives: one of the categories or sources (any when both are
# empty), with one of the include keywords (when given) and none of the exclude keywords.
routes = Table(
    "routes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel_id", String(64), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("categories", JSON, nullable=False, default=list),
    Column("sources", JSON, nullable=False, default=list),
    Column("include", JSON, nullable=False, default=list),
    Column("exclude", JSON, nullable=False, default=list),
    Index(None, "channel_id"),
)

# People who receive alerts in a private chat: their categories, language and mode. Their
# deliveries go to the channel "sub:USER_ID" (kind "subscriber"), enabled while active.
subscribers = Table(
    "subscribers",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("language", String(8), nullable=False, default="ar"),
    Column("mode", String(8), nullable=False, default="instant"),  # instant | digest
    Column("categories", JSON, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# A subscriber's keyword alerts (matched by syndicator.keywords).
alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "user_id",
        BigInteger,
        ForeignKey("subscribers.user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("keyword", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "keyword"),
)

# Every change to sources, channels, routes and subscriptions, and every refused attempt:
# who (a Telegram user "tg:ID", a system user, a file), from where (bot, cli, file), what.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("via", String(8), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", Text, nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
    Index(None, "at"),
    Index(None, "actor", "at"),
)

# Small facts about the store itself, e.g. the fingerprint of each config file applied.
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", String(64), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempt", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("telegram_message_id", BigInteger),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # post: a new message; edit: the correction of a sent post (model.DeliveryKind)
    Column("kind", String(8), nullable=False, default="post", server_default=text("'post'")),
    Column("revision", Integer),  # the article revision the message shows (or tried to)
    Column("message_kind", String(8)),  # text | photo | digest, once sent (model.MessageKind)
    Column("message_hash", String(64)),  # of the sent HTML: an unchanged correction is no edit
    Column("sent_at", UTCDateTime),
    UniqueConstraint("article_id", "channel_id", "kind"),
    Index(None, "state", "next_attempt_at"),
    Index(None, "channel_id", "state"),
    Index(None, "sent_at"),
)

# What the dispatcher learnt about each channel's chat, kept apart from `channels` (which
# follows the config file): a new chat id after a group migration, a flood-control pause
# that must outlive a restart, a pause after the bot was removed, the last digest sent.
channel_state = Table(
    "channel_state",
    metadata,
    Column(
        "channel_id", String(64), ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("moved_from", String(64)),  # the configured chat id Telegram migrated ...
    Column("moved_to", String(64)),  # ... to this one (used while the config still says from)
    Column("not_before", UTCDateTime),  # 429: no send to this chat before then
    Column("paused_chat", String(64)),  # the chat the bot cannot post to (paused channel) ...
    Column("paused_reason", Text),  # ... and why
    Column("paused_at", UTCDateTime),
    Column("last_digest_at", UTCDateTime),  # the digest slot last sent (digest mode)
)

# Scale-out (`[jobs] backend = "procrastinate"`): Telegram's per-token budget shared by every
# replica. Key "*" is the bot's global spacing, any other key a chat's own spacing; `next_at`
# is when that key's next message may go, in seconds on the database's clock (bot/budget.py).
send_budget = Table(
    "send_budget",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("next_at", Float, nullable=False),
)

"""Operators and subscribers: routes, subscribers and their alerts, the audit log.

- `channels`: `kind` (channel | subscriber) and `options` (delivery options, JSON);
- `routes`: one row per route with its filters (categories, sources, include and exclude
  keywords) instead of one row per category or source; existing rows are grouped by channel;
- `subscribers`, `alerts`: people who get alerts in a private chat;
- `audit_log`: who changed what, when, from where;
- `store_meta`: small facts about the store (the fingerprint of each config file applied).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from syndicator.store.tables import Id, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FILTERS = ("categories", "sources", "include", "exclude")


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy on SQLite: recreating `channels` would cascade to
    # `deliveries` and `channel_state`).
    op.add_column(
        "channels", sa.Column("kind", sa.String(16), nullable=False, server_default="channel")
    )
    op.add_column(
        "channels",
        sa.Column("options", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    bind = op.get_bind()
    old = list(bind.execute(sa.text("SELECT channel_id, category_slug, source_id FROM routes")))
    grouped: dict[str, dict[str, list[str]]] = {}
    for channel_id, slug, source in old:
        route = grouped.setdefault(channel_id, {"categories": [], "sources": []})
        if slug is not None:
            route["categories"].append(slug)
        if source is not None:
            route["sources"].append(source)
    op.drop_index("ix_routes_category_slug", "routes")
    op.drop_table("routes")
    routes = op.create_table(
        "routes",
        sa.Column("id", Id, nullable=False,
                  autoincrement=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        *(sa.Column(name, sa.JSON(), nullable=False) for name in _FILTERS),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE",
                                name="fk_routes_channel_id_channels"),
        sa.PrimaryKeyConstraint("id", name="pk_routes"),
    )  # fmt: skip
    op.create_index("ix_routes_channel_id", "routes", ["channel_id"])
    if grouped:
        op.bulk_insert(
            routes,
            [
                {"channel_id": channel, "include": [], "exclude": [], **filters}
                for channel, filters in sorted(grouped.items())
            ],
        )
    op.create_table(
        "subscribers",
        sa.Column("user_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_subscribers"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", Id, nullable=False,
                  autoincrement=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("keyword", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["subscribers.user_id"], ondelete="CASCADE",
                                name="fk_alerts_user_id_subscribers"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("user_id", "keyword", name="uq_alerts_user_id_keyword"),
    )  # fmt: skip
    op.create_table(
        "audit_log",
        sa.Column("id", Id, nullable=False,
                  autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )  # fmt: skip
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor", "at"])
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_store_meta"),
    )


def downgrade() -> None:
    op.drop_table("store_meta")
    op.drop_index("ix_audit_log_actor_at", "audit_log")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
    op.drop_table("alerts")
    op.drop_table("subscribers")
    bind = op.get_bind()
    rows = list(bind.execute(sa.text("SELECT channel_id, categories, sources FROM routes")))
    op.execute("DELETE FROM deliveries WHERE channel_id IN (SELECT id FROM channels"
               " WHERE kind = 'subscriber')")  # fmt: skip
    op.execute("DELETE FROM channels WHERE kind = 'subscriber'")
    op.drop_index("ix_routes_channel_id", "routes")
    op.drop_table("routes")
    routes = op.create_table(
        "routes",
        sa.Column("id", Id, nullable=False,
                  autoincrement=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("category_slug", sa.String(64)),
        sa.Column("source_id", sa.String(64)),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE",
                                name="fk_routes_channel_id_channels"),
        sa.PrimaryKeyConstraint("id", name="pk_routes"),
    )  # fmt: skip
    op.create_index("ix_routes_category_slug", "routes", ["category_slug"])
    old: list[dict[str, str | None]] = []
    for channel_id, categories, sources in rows:
        loaded = [json.loads(v) if isinstance(v, str) else v for v in (categories, sources)]
        old += [{"channel_id": channel_id, "category_slug": c, "source_id": None}
                for c in loaded[0]]  # fmt: skip
        old += [{"channel_id": channel_id, "category_slug": None, "source_id": s}
                for s in loaded[1]]  # fmt: skip
    if old:
        op.bulk_insert(routes, old)
    op.drop_column("channels", "options")
    op.drop_column("channels", "kind")

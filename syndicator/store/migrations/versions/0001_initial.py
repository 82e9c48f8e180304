"""Initial schema: sources, source state, articles, categories, channels, routes, deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from syndicator.store.tables import Id, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name="pk_categories"),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
    )
    op.create_table(
        "source_state",
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("last_polled_at", UTCDateTime()),
        sa.Column("last_success_at", UTCDateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", UTCDateTime()),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], ondelete="CASCADE",
            name="fk_source_state_source_id_sources",
        ),
        sa.PrimaryKeyConstraint("source_id", name="pk_source_state"),
    )  # fmt: skip
    op.create_table(
        "articles",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("image", sa.Text()),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_articles_source_id_sources"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("source_id", "guid", name="uq_articles_source_id_guid"),
        sa.UniqueConstraint("url", name="uq_articles_url"),
    )
    op.create_index("ix_articles_published_at_id", "articles", ["published_at", "id"])
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_table(
        "article_categories",
        sa.Column("article_id", Id, nullable=False),
        sa.Column("category_slug", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], ondelete="CASCADE",
            name="fk_article_categories_article_id_articles",
        ),
        sa.PrimaryKeyConstraint("article_id", "category_slug", name="pk_article_categories"),
    )  # fmt: skip
    op.create_index(
        "ix_article_categories_category_slug_article_id",
        "article_categories",
        ["category_slug", "article_id"],
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
    )
    op.create_table(
        "routes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("category_slug", sa.String(64)),
        sa.Column("source_id", sa.String(64)),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], ondelete="CASCADE",
            name="fk_routes_channel_id_channels",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_routes"),
    )  # fmt: skip
    op.create_index("ix_routes_category_slug", "routes", ["category_slug"])
    op.create_table(
        "deliveries",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("article_id", Id, nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], ondelete="CASCADE",
            name="fk_deliveries_article_id_articles",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], ondelete="CASCADE",
            name="fk_deliveries_channel_id_channels",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("article_id", "channel_id", name="uq_deliveries_article_id_channel_id"),
    )  # fmt: skip
    op.create_index(
        "ix_deliveries_state_next_attempt_at", "deliveries", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    for table in (
        "deliveries", "routes", "channels", "article_categories", "articles",
        "source_state", "sources", "categories",
    ):  # fmt: skip
        op.drop_table(table)

"""Collection in depth: category rules, source options, cursors, clusters, revisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from syndicator.store.tables import Id, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    empty_list = sa.text("'[]'")
    op.add_column(
        "categories",
        sa.Column("url_patterns", sa.JSON(), nullable=False, server_default=empty_list),
    )
    op.add_column(
        "categories", sa.Column("keywords", sa.JSON(), nullable=False, server_default=empty_list)
    )
    op.add_column(
        "sources", sa.Column("robots", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("sources", sa.Column("link_selector", sa.Text()))
    op.add_column("sources", sa.Column("link_pattern", sa.Text()))
    op.add_column("source_state", sa.Column("cursor", sa.Text()))
    op.add_column("articles", sa.Column("cluster_id", Id))
    op.add_column("articles", sa.Column("fingerprint", sa.JSON()))
    op.add_column(
        "articles", sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )
    op.add_column("articles", sa.Column("source_hash", sa.String(64)))
    op.create_index("ix_articles_cluster_id", "articles", ["cluster_id"])
    op.execute("UPDATE articles SET cluster_id = id")
    # Identity of a link moves from `url` to `url_key` (www, AMP, trailing slash folded);
    # existing rows keep their URL as the key, which only errs towards keeping both.
    op.add_column("articles", sa.Column("url_key", sa.Text()))
    op.execute("UPDATE articles SET url_key = url")
    with op.batch_alter_table("articles") as batch:
        batch.alter_column("url_key", existing_type=sa.Text(), nullable=False)
        batch.drop_constraint("uq_articles_url", type_="unique")
        batch.create_unique_constraint("uq_articles_url_key", ["url_key"])
    op.create_table(
        "article_bands",
        sa.Column("article_id", Id, nullable=False),
        sa.Column("band", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            ondelete="CASCADE",
            name="fk_article_bands_article_id_articles",
        ),
        sa.PrimaryKeyConstraint("article_id", "band", name="pk_article_bands"),
    )
    op.create_index("ix_article_bands_band_key", "article_bands", ["band", "key"])
    op.create_table(
        "article_revisions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("article_id", Id, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            ondelete="CASCADE",
            name="fk_article_revisions_article_id_articles",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_article_revisions"),
        sa.UniqueConstraint(
            "article_id", "revision", name="uq_article_revisions_article_id_revision"
        ),
    )


def downgrade() -> None:
    op.drop_table("article_revisions")
    op.drop_table("article_bands")
    op.drop_index("ix_articles_cluster_id", "articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint("uq_articles_url_key", type_="unique")
        batch.create_unique_constraint("uq_articles_url", ["url"])
        for column in ("url_key", "source_hash", "revision", "fingerprint", "cluster_id"):
            batch.drop_column(column)
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("cursor")
    with op.batch_alter_table("sources") as batch:
        for column in ("link_pattern", "link_selector", "robots"):
            batch.drop_column(column)
    with op.batch_alter_table("categories") as batch:
        for column in ("keywords", "url_patterns"):
            batch.drop_column(column)

"""Delivery in depth: corrections as edits, sent message kinds, per-channel chat state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from syndicator.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(8), nullable=False, server_default=sa.text("'post'"))
        )
        batch.add_column(sa.Column("revision", sa.Integer()))
        batch.add_column(sa.Column("message_kind", sa.String(8)))
        batch.add_column(sa.Column("message_hash", sa.String(64)))
        batch.add_column(sa.Column("sent_at", UTCDateTime()))
        batch.drop_constraint("uq_deliveries_article_id_channel_id", type_="unique")
        batch.create_unique_constraint(
            "uq_deliveries_article_id_channel_id_kind", ["article_id", "channel_id", "kind"]
        )
    # Posts sent before this version were text messages showing the revision of that time.
    op.execute(
        "UPDATE deliveries SET message_kind = 'text', sent_at = updated_at, revision = 0"
        " WHERE state = 'sent'"
    )
    op.create_index("ix_deliveries_channel_id_state", "deliveries", ["channel_id", "state"])
    op.create_index("ix_deliveries_sent_at", "deliveries", ["sent_at"])
    op.create_table(
        "channel_state",
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("moved_from", sa.String(64)),
        sa.Column("moved_to", sa.String(64)),
        sa.Column("not_before", UTCDateTime()),
        sa.Column("paused_chat", sa.String(64)),
        sa.Column("paused_reason", sa.Text()),
        sa.Column("paused_at", UTCDateTime()),
        sa.Column("last_digest_at", UTCDateTime()),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], ondelete="CASCADE",
            name="fk_channel_state_channel_id_channels",
        ),
        sa.PrimaryKeyConstraint("channel_id", name="pk_channel_state"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("channel_state")
    op.drop_index("ix_deliveries_sent_at", "deliveries")
    op.drop_index("ix_deliveries_channel_id_state", "deliveries")
    op.execute("DELETE FROM deliveries WHERE kind <> 'post'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_article_id_channel_id_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_deliveries_article_id_channel_id", ["article_id", "channel_id"]
        )
        for column in ("sent_at", "message_hash", "message_kind", "revision", "kind"):
            batch.drop_column(column)

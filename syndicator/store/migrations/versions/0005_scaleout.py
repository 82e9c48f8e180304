"""Scale-out: the Telegram send budget that every replica shares (docs/scale-out.md).

Procrastinate's own tables (its job queue) are not created here: `syndicator db upgrade`
applies procrastinate's schema when `[jobs] backend = "procrastinate"`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_send_budget"),
    )


def downgrade() -> None:
    op.drop_table("send_budget")

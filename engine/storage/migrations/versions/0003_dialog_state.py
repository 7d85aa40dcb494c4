"""Conversation state: one row per (platform, chat, user) with a named state and a small JSON payload.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``dialog_state`` (the dialog's ``SqlStateStore``)."""
    op.create_table(
        "dialog_state",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("chat", sa.String(128), primary_key=True),
        sa.Column("user", sa.String(128), primary_key=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop ``dialog_state``."""
    op.drop_table("dialog_state")

"""The web chat's transcripts: each browser's messages, and which images each browser's transcript shows.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``web_messages`` and ``web_media`` (``bot.web.transcript``)."""
    op.create_table(
        "web_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("browser_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_messages_browser_id", "web_messages", ["browser_id", "id"])
    op.create_table(
        "web_media",
        sa.Column("browser_id", sa.String(64), primary_key=True),
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
    )
    op.create_index("ix_web_media_hash", "web_media", ["hash"])


def downgrade() -> None:
    """Drop the web chat's tables."""
    op.drop_index("ix_web_media_hash", table_name="web_media")
    op.drop_table("web_media")
    op.drop_index("ix_web_messages_browser_id", table_name="web_messages")
    op.drop_table("web_messages")

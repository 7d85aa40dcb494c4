"""The schema of release 0.1 (what ``create_all`` made before migrations): users, garments, looks, feedback, wears.

SQLModel declares its datetimes timezone-aware, so on PostgreSQL they are TIMESTAMP WITH TIME ZONE.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the release 0.1 tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("place", sa.String(128), nullable=True),
    )
    op.create_table(
        "garments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("image_hash", sa.String(64), nullable=False),
        sa.Column("thumb_hash", sa.String(64), nullable=False),
        sa.Column("source_name", sa.String(512), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("encoder", sa.String(256), nullable=False),
        sa.Column("in_laundry", sa.Boolean(), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "image_hash", name="uq_garment_user_image"),
    )
    op.create_index("ix_garments_user_visible", "garments", ["user_id", "indexed"])
    op.create_index("ix_garments_image_hash", "garments", ["image_hash"])
    op.create_index("ix_garments_thumb_hash", "garments", ["thumb_hash"])
    op.create_table(
        "looks",
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("occasion", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(512), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("look_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_look_id", "feedback", ["look_id"])
    op.create_index("ix_feedback_user_id", "feedback", ["user_id"])
    op.create_table(
        "wear_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(128), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("look_id", sa.String(32), nullable=True),
        sa.UniqueConstraint("user_id", "item_id", "day", name="uq_wear_user_item_day"),
    )
    op.create_index("ix_wear_log_item_id", "wear_log", ["item_id"])
    op.create_index("ix_wear_log_user_id", "wear_log", ["user_id"])


def downgrade() -> None:
    """Drop every table."""
    for table in ("wear_log", "feedback", "looks", "garments", "users"):
        op.drop_table(table)

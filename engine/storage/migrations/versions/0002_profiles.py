"""Profiles: each user's morning-push switch, local push time and days of the week.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the push settings to users; existing users get the defaults (off, 07:30, every day)."""
    # plain ADD COLUMN with a constant default: SQLite does it in place (a batch copy would trip foreign keys)
    op.add_column("users", sa.Column("push_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("users", sa.Column("push_time", sa.String(5), nullable=False, server_default="07:30"))
    op.add_column("users", sa.Column("push_days", sa.String(7), nullable=False, server_default="0123456"))


def downgrade() -> None:
    """Drop the push settings."""
    for column in ("push_days", "push_time", "push_enabled"):
        op.drop_column("users", column)

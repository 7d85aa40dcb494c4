"""The shop's catalog: products (feed fields, tags, embedding) and which products a push has shown to whom.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create products and products_shown."""
    op.create_table(
        "products",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("brand", sa.String(128), nullable=False),
        sa.Column("gender", sa.String(32), nullable=False),
        sa.Column("image_source", sa.String(2048), nullable=False),
        sa.Column("image_hash", sa.String(64), nullable=False),
        sa.Column("thumb_hash", sa.String(64), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("encoder", sa.String(256), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_products_feed_indexed", "products", ["feed", "indexed"])
    op.create_table(
        "products_shown",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("product_id", sa.String(128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.UniqueConstraint("user_id", "product_id", "day", name="uq_shown_user_product_day"),
    )
    op.create_index("ix_products_shown_user_day", "products_shown", ["user_id", "day"])


def downgrade() -> None:
    """Drop the catalog tables."""
    op.drop_table("products_shown")
    op.drop_index("ix_products_feed_indexed", table_name="products")
    op.drop_table("products")

"""SQL, the source of truth: tables and the async engine (SQLite by default, PostgreSQL by URL).

Times are never defaulted here: whoever writes a row passes the engine clock's ``now()``, so that tests can move
time and every timestamp of one request agrees.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from engine.errors import DatabaseUnavailable


class UserRow(SQLModel, table=True):
    """A person using the stylist, identified by an opaque id (e.g. ``telegram:42``)."""

    __tablename__ = "users"

    id: str = Field(primary_key=True, max_length=128)
    created_at: datetime
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = Field(default="UTC", max_length=64)
    place: str | None = Field(default=None, max_length=128)
    push_enabled: bool = False
    push_time: str = Field(default="07:30", max_length=5)  # local HH:MM
    push_days: str = Field(default="0123456", max_length=7)  # ISO weekdays as digits, Monday = 0


class GarmentRow(SQLModel, table=True):
    """One garment a user owns. ``tags`` are the model's; ``corrections`` are the user's and win."""

    __tablename__ = "garments"
    __table_args__ = (
        UniqueConstraint("user_id", "image_hash", name="uq_garment_user_image"),
        # Every read is "this user's visible garments": one index for both, so the planner never picks a
        # scan of the (almost always true) visibility flag over a large table.
        Index("ix_garments_user_visible", "user_id", "indexed"),
    )

    id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="users.id", max_length=128)
    image_hash: str = Field(index=True, max_length=64)
    thumb_hash: str = Field(index=True, max_length=64)
    source_name: str | None = Field(default=None, max_length=512)
    tags: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    corrections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    embedding: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    encoder: str = Field(max_length=256)
    in_laundry: bool = False
    # False until the vector is in the index; such rows are invisible and finished at start-up.
    indexed: bool = False
    created_at: datetime
    updated_at: datetime


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, synchronous: str | None = None) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")  # writers queue under load (20 chat users: 5 s was passed)
    if synchronous is not None:
        cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


def open_sql_engine(url: str, *, synchronous: str | None = None) -> AsyncEngine:
    """Create the async engine of a database URL, set up the one way for every user of the same database.

    SQLite gets its folder made and each connection foreign keys, WAL and a 30 s busy timeout (the engine, the
    dialog states and the web transcript write one file from one process: writers wait, never fail);
    ``synchronous`` (e.g. ``NORMAL``) where losing the last lines in a power cut is acceptable.
    """
    try:
        parsed = make_url(url)
        engine = create_async_engine(url, pool_pre_ping=True)
    except (ArgumentError, ValueError, ImportError) as exc:
        raise DatabaseUnavailable(
            f"STYLIST_DATABASE_URL is not usable ({exc}); use sqlite+aiosqlite:///path or postgresql+asyncpg://..."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, synchronous=synchronous))
    return engine


class Database:
    """The async engine plus a session factory; ``migrate`` brings the schema up to date."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = open_sql_engine(url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    async def migrate(self) -> None:
        """Upgrade the schema to the newest migration (under a lock: safe when several processes start)."""
        # Alembic loads (and logs) a dozen plugins on import: only a process that opens the database pays for it,
        # not one that merely imports the engine (``stylist tag`` prints nothing but its results).
        from engine.storage.migrate import migrate

        await migrate(self.engine)

    def session(self) -> AsyncSession:
        """Return a new session (use as ``async with db.session() as s``)."""
        return self._sessions()

    async def close(self) -> None:
        """Dispose of the connection pool."""
        await self.engine.dispose()


class LookRow(SQLModel, table=True):
    """A look shown to a user (so feedback can name it). The id is derived from its items."""

    __tablename__ = "looks"

    user_id: str = Field(foreign_key="users.id", primary_key=True, max_length=128)
    id: str = Field(primary_key=True, max_length=32)
    item_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    occasion: str | None = Field(default=None, max_length=32)
    reason: str = Field(default="", max_length=512)
    score: float = 0.0
    created_at: datetime


class FeedbackRow(SQLModel, table=True):
    """What a user said about a look: like, dislike, wore, not_today."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=128)
    look_id: str = Field(max_length=32, index=True)
    kind: str = Field(max_length=16)
    item_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime


class WearRow(SQLModel, table=True):
    """The wear log: one garment worn by its owner on one day."""

    __tablename__ = "wear_log"
    __table_args__ = (UniqueConstraint("user_id", "item_id", "day", name="uq_wear_user_item_day"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=128)
    item_id: str = Field(max_length=32, index=True)
    day: date
    look_id: str | None = Field(default=None, max_length=32)


class PushRow(SQLModel, table=True):
    """One morning push: claimed (unique per user and local date) before sending, then its outcome."""

    __tablename__ = "push_log"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_push_user_day"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=128)
    day: date  # the user's local date the push belongs to
    status: str = Field(default="claimed", max_length=16)  # claimed, sent, failed, skipped, gone
    detail: str = Field(default="", max_length=200)
    claimed_at: datetime  # by the stylist's clock
    updated_at: datetime


# ---- the shop's catalog (engine.catalog) -------------------------------------------------------------------


class ProductRow(SQLModel, table=True):
    """One product of the shop's catalog: the feed's fields, the tagger's tags and the style embedding."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_feed_indexed", "feed", "indexed"),)

    id: str = Field(primary_key=True, max_length=128)  # the shop's own id, as in the feed
    feed: str = Field(max_length=64)  # "demo" for the bundled demonstration catalog, else "shop"
    title: str = Field(max_length=512)
    url: str = Field(max_length=2048)
    price: float
    currency: str = Field(max_length=3)
    brand: str = Field(default="", max_length=128)
    gender: str = Field(default="", max_length=32)
    image_source: str = Field(max_length=2048)  # the feed's image field (path or URL) plus a stamp for files
    image_hash: str = Field(max_length=64)
    thumb_hash: str = Field(max_length=64)
    tags: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # feed's category/type win over model
    embedding: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    encoder: str = Field(max_length=256)
    indexed: bool = False  # False until the vector is in the catalog index
    created_at: datetime
    updated_at: datetime


class ProductShownRow(SQLModel, table=True):
    """A product put in front of a user by a morning push: never the same one twice within a week."""

    __tablename__ = "products_shown"
    __table_args__ = (UniqueConstraint("user_id", "product_id", "day", name="uq_shown_user_product_day"),
                      Index("ix_products_shown_user_day", "user_id", "day"))

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=128)
    product_id: str = Field(max_length=128)
    day: date

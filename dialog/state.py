"""Conversation state per chat key: a named state plus a small JSON payload, behind one async store interface.

Two backends share one contract (tests/dialog/test_state.py runs it against both): ``MemoryStateStore`` for
tests and the terminal, ``SqlStateStore`` (table ``dialog_state``) so a conversation survives a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import JSON, Column
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Field, SQLModel, col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from dialog.messages import ChatKey
from engine import open_sql_engine

# The payload holds ids and small requests, never photos: anything bigger is a bug, refused loudly.
MAX_PAYLOAD_BYTES = 16_000


class ConvState(StrEnum):
    """Where a conversation stands. The values are stored: keep them stable across releases."""

    IDLE = "idle"
    ONBOARD_WELCOME = "onboard_welcome"  # greeted; offered the sample wardrobe
    ONBOARD_CITY = "onboard_city"  # onboarding asked for the city
    ONBOARD_PUSH = "onboard_push"  # onboarding asked for the morning time
    WAITING_CITY = "waiting_city"  # settings asked for the city
    WAITING_PUSH_TIME = "waiting_push_time"  # settings asked for the morning time
    CONFIRM_FORGET = "confirm_forget"  # asked "delete everything?"
    CORRECTING_TAG = "correcting_tag"  # asked for the right value of one tag of one item


@dataclass(frozen=True, slots=True)
class DialogState:
    """A named state and its payload (last looks shown, the item in focus, the tag being corrected...)."""

    name: ConvState = ConvState.IDLE
    data: dict[str, Any] = field(default_factory=dict)

    def moved(self, name: ConvState, **data: Any) -> DialogState:
        """Return this state in ``name``, keeping the payload and updating it with ``data``."""
        return DialogState(name, {**self.data, **data})

    def with_data(self, **data: Any) -> DialogState:
        """Return the same named state with its payload updated (``None`` values remove keys)."""
        merged = {**self.data, **data}
        return DialogState(self.name, {k: v for k, v in merged.items() if v is not None})

    def encoded(self) -> str:
        """Return the payload as JSON, refusing payloads that are not small plain data."""
        text = json.dumps(self.data, separators=(",", ":"), sort_keys=True)
        if len(text.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"dialog state payload over {MAX_PAYLOAD_BYTES} bytes")
        return text


class StateStore(Protocol):
    """Where conversation states live; ``get`` returns None for a chat key never seen (first contact)."""

    async def get(self, key: ChatKey) -> DialogState | None:
        """Return the stored state of ``key``, or None."""
        ...

    async def set(self, key: ChatKey, state: DialogState) -> None:
        """Store the state of ``key``, replacing any earlier one."""
        ...

    async def delete(self, key: ChatKey) -> None:
        """Forget ``key`` entirely (forget-me): the next message is a first contact again."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class MemoryStateStore:
    """States in a dict: for tests, the terminal chat and single-process demos."""

    def __init__(self) -> None:
        self._states: dict[ChatKey, tuple[ConvState, str]] = {}

    async def get(self, key: ChatKey) -> DialogState | None:
        """Return the stored state of ``key``, or None."""
        stored = self._states.get(key)
        return None if stored is None else DialogState(stored[0], json.loads(stored[1]))

    async def set(self, key: ChatKey, state: DialogState) -> None:
        """Store the state of ``key`` (a copy: later changes to the payload do not leak in)."""
        self._states[key] = (ConvState(state.name), state.encoded())

    async def delete(self, key: ChatKey) -> None:
        """Forget ``key``."""
        self._states.pop(key, None)

    async def close(self) -> None:
        """Nothing to release."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DialogStateRow(SQLModel, table=True):
    """One conversation's state, keyed by platform + chat + user."""

    __tablename__ = "dialog_state"

    platform: str = Field(primary_key=True, max_length=32)
    chat: str = Field(primary_key=True, max_length=128)
    user: str = Field(primary_key=True, max_length=128)
    state: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=_utcnow)


def _pk(key: ChatKey) -> tuple[str, str, str]:
    return (key.platform, key.chat, key.user)


def _known_state(value: str) -> ConvState:
    try:
        return ConvState(value)
    except ValueError:  # a state a newer release wrote: start over rather than crash
        return ConvState.IDLE


class SqlStateStore:
    """States in the SQL database of the settings (table ``dialog_state``, made by the stylist's migrations)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> SqlStateStore:
        """Open a store on a database URL (``settings.resolved_database_url``); connects on first use."""
        return cls(open_sql_engine(url))

    async def get(self, key: ChatKey) -> DialogState | None:
        """Return the stored state of ``key``, or None."""
        async with self._sessions() as session:
            row = await session.get(DialogStateRow, _pk(key))
        return None if row is None else DialogState(_known_state(row.state), dict(row.data))

    async def set(self, key: ChatKey, state: DialogState) -> None:
        """Store the state of ``key``; a row another process inserted first is updated instead."""
        data = json.loads(state.encoded())
        for _ in range(2):
            async with self._sessions() as session:
                row = await session.get(DialogStateRow, _pk(key))
                if row is None:
                    row = DialogStateRow(platform=key.platform, chat=key.chat, user=key.user, state="", data={})
                row.state, row.data, row.updated_at = state.name.value, data, _utcnow()
                session.add(row)
                try:
                    await session.commit()
                    return
                except IntegrityError:  # inserted concurrently by another process: update it on the retry
                    await session.rollback()
        raise RuntimeError("could not store the dialog state")

    async def delete(self, key: ChatKey) -> None:
        """Forget ``key``."""
        async with self._sessions() as session:
            await session.exec(delete(DialogStateRow).where(
                col(DialogStateRow.platform) == key.platform, col(DialogStateRow.chat) == key.chat,
                col(DialogStateRow.user) == key.user))
            await session.commit()

    async def close(self) -> None:
        """Dispose of the connection pool."""
        await self.engine.dispose()

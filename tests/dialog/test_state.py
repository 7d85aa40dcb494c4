"""One contract for every conversation state store: memory and SQL behave the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialog.messages import ChatKey
from dialog.state import ConvState, DialogState, MemoryStateStore, SqlStateStore, StateStore
from engine.storage.migrate import migrate
from tests._support import fresh_database_url

ANN = ChatKey("web", "browser-1", "ann")


@pytest.fixture(params=["memory", "sql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateStore]:
    """Each backend on a fresh database."""
    if request.param == "memory":
        yield MemoryStateStore()
        return
    async for url in fresh_database_url(tmp_path):  # SQLite, or PostgreSQL when STYLIST_TEST_DATABASE_URL is set
        sql = SqlStateStore.open(url)
        await migrate(sql.engine)  # the stylist does this when it opens the database
        yield sql
        await sql.close()


async def test_a_key_never_seen_has_no_state(store: StateStore) -> None:
    assert await store.get(ANN) is None


async def test_a_state_reads_back_with_its_payload(store: StateStore) -> None:
    await store.set(ANN, DialogState(ConvState.CORRECTING_TAG, {"item": "0123456789", "field": "colors",
                                                                 "looks": [{"id": "a", "skip": 2}]}))
    got = await store.get(ANN)
    assert got == DialogState(ConvState.CORRECTING_TAG, {"item": "0123456789", "field": "colors",
                                                          "looks": [{"id": "a", "skip": 2}]})


async def test_set_replaces_and_keys_are_separate(store: StateStore) -> None:
    bob_same_chat = ChatKey("web", "browser-1", "bob")
    ann_on_slack = ChatKey("slack", "browser-1", "ann")
    await store.set(ANN, DialogState(ConvState.WAITING_CITY))
    await store.set(ANN, DialogState(ConvState.CONFIRM_FORGET, {"n": 1}))
    await store.set(bob_same_chat, DialogState(ConvState.IDLE, {"who": "bob"}))
    assert await store.get(ANN) == DialogState(ConvState.CONFIRM_FORGET, {"n": 1})
    assert await store.get(bob_same_chat) == DialogState(ConvState.IDLE, {"who": "bob"})
    assert await store.get(ann_on_slack) is None


async def test_delete_forgets_one_key(store: StateStore) -> None:
    bob = ChatKey("web", "browser-2", "bob")
    await store.set(ANN, DialogState(ConvState.WAITING_CITY))
    await store.set(bob, DialogState(ConvState.IDLE))
    await store.delete(ANN)
    await store.delete(ANN)  # twice is fine
    assert await store.get(ANN) is None
    assert await store.get(bob) == DialogState(ConvState.IDLE)


async def test_a_stored_state_is_a_copy(store: StateStore) -> None:
    payload: dict[str, object] = {"looks": ["a"]}
    await store.set(ANN, DialogState(ConvState.IDLE, payload))
    payload["looks"] = ["changed"]
    got = await store.get(ANN)
    assert got is not None and got.data == {"looks": ["a"]}


async def test_an_oversized_payload_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="payload over"):
        await store.set(ANN, DialogState(ConvState.IDLE, {"blob": "x" * 20_000}))
    assert await store.get(ANN) is None


async def test_sql_states_survive_a_new_store_on_the_same_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    first = SqlStateStore.open(url)
    await migrate(first.engine)
    await first.set(ANN, DialogState(ConvState.WAITING_CITY, {"from": "settings"}))
    await first.close()
    again = SqlStateStore.open(url)
    assert await again.get(ANN) == DialogState(ConvState.WAITING_CITY, {"from": "settings"})
    await again.close()

"""Shared pytest fixtures. Keep each group together and say who it serves."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub: tests never download

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from config.settings import Settings
from tests._support import SHARED_DATA

if TYPE_CHECKING:
    from engine import Stylist
    from engine.encoders.embedded import EmbeddedEncoder

# --- settings and the vision encoder ------------------------------------------------------------------



@pytest.fixture
def settings(tmp_path: Path) -> Callable[..., Settings]:
    """Return a factory of Settings whose data (db, blobs, chroma, cache) lives in this test's tmp dir."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {"data_dir": tmp_path / "stylist", "device": "cpu", "encoder_threads": 1}
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]

    return make


@pytest.fixture(scope="session")
def encoder_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the shared encoder: a session-wide cache dir, CPU, one thread."""
    data_dir = tmp_path_factory.mktemp("encoder") / "stylist"
    return Settings(_env_file=None, data_dir=data_dir, device="cpu", encoder_threads=1)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def encoder(encoder_settings: Settings) -> EmbeddedEncoder:
    """The embedded encoder, loaded (and its ONNX exported) once per test run."""
    from engine.encoders.embedded import EmbeddedEncoder

    return EmbeddedEncoder(encoder_settings)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return the real CC0 photo folder (../shared/data), or skip when this checkout has none."""
    if not (SHARED_DATA / "clothing_small" / "labels.csv").exists():
        pytest.skip(f"real garment photos not found at {SHARED_DATA} (set STYLIST_SHARED_DATA)")
    return SHARED_DATA


# --- the offline guard and per-test stores for the engine ----------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """Tests are offline: any connection to a non-loopback address fails loudly."""
    from tests._support import install_network_guard

    install_network_guard()


@pytest.fixture
def model_cache(encoder: EmbeddedEncoder, encoder_settings: Settings) -> Path:
    """Return the session's model cache folder, with the ONNX export already in it."""
    return encoder_settings.cache_dir


@pytest.fixture
async def stylist_settings(tmp_path: Path, encoder_settings: Settings) -> AsyncIterator[Settings]:
    """Settings of a fresh stylist: own SQL database (SQLite, or PostgreSQL in CI), Chroma folder and blobs."""
    from tests._support import fresh_database_url

    async for url in fresh_database_url(tmp_path):
        yield Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=tmp_path / "stylist",
            database_url=url,
            model_cache_dir=encoder_settings.cache_dir,
            device="cpu",
            weather_url="",  # no live weather in tests: a look without a given weather uses the seasonal default
        )


@pytest.fixture
async def stylist(stylist_settings: Settings, encoder: EmbeddedEncoder) -> AsyncIterator[Stylist]:
    """A Stylist on fresh stores, sharing the session's encoder."""
    from engine import Stylist

    opened = await Stylist.open(stylist_settings, encoder=encoder)
    yield opened
    await opened.close()


@pytest.fixture
async def reopen(stylist_settings: Settings, encoder: EmbeddedEncoder) -> AsyncIterator[Callable[..., Any]]:
    """Return a function that opens the same stores again, as a restarted process would (keyword arguments go to
    ``Stylist.open``, e.g. ``clock=FixedClock(...)``)."""
    from engine import Stylist

    opened: list[Stylist] = []

    async def again(**options: Any) -> Stylist:
        opened.append(await Stylist.open(stylist_settings, **{"encoder": encoder, **options}))
        return opened[-1]

    yield again
    for s in opened:
        await s.close()


@pytest.fixture(scope="session")
def sentences() -> Any:
    """The bundled MiniLM sentence encoder, loaded once for the test run (about 5-8 s cold)."""
    import torch

    from engine import SentenceEncoder

    torch.set_num_threads(1)
    return SentenceEncoder.load()


@pytest.fixture(scope="session")
def matcher(sentences: Any) -> Any:
    """The text matcher of wardrobe search, on the session's MiniLM."""
    from engine.wardrobe.text_search import TagTextMatcher

    return TagTextMatcher(sentences)


@pytest.fixture(scope="session")
def understander(sentences: Any) -> Any:
    """The real Understander (intents and slots) on the session's MiniLM, built once for the test run."""
    from dialog.nlu import Understander

    return Understander(sentences)


@pytest.fixture
def conversation(stylist: Stylist, understander: Any) -> Any:
    """The real Conversation on this test's stylist (states kept in memory), with the sample wardrobe."""
    from tests._chat import real_conversation

    return real_conversation(stylist, understander)


# --- the fake platform servers (Telegram's is used by the Telegram and the push tests) -------------------------


@pytest.fixture
async def bot_api() -> AsyncIterator[Any]:
    """A fake Telegram Bot API server on 127.0.0.1 (``tests.telegram.fake_bot_api.FakeBotApi``)."""
    from tests.telegram.fake_bot_api import FakeBotApi

    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()

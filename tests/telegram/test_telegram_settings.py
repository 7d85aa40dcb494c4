"""Telegram settings are validated once, at start: placeholders refused in one line naming the variable."""

from __future__ import annotations

import pytest

from bot.telegram import command_turn
from config.settings import SettingsError, load_settings
from dialog.messages import ActionKind, ChatKey
from tests.telegram.fake_bot_api import TOKEN


@pytest.mark.parametrize("token", ["changeme", "<token>", "your-bot-token", "123456:short", f"{TOKEN} extra",
                                   "abc:" + "A" * 35])
def test_a_placeholder_or_malformed_token_is_refused_naming_the_variable(token: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, telegram_token=token)
    message = str(refused.value)
    assert "STYLIST_TELEGRAM_TOKEN" in message and "\n" not in message
    assert token not in message  # a secret is never echoed back


def test_a_real_looking_token_is_kept_secret_and_defaults_to_telegrams_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STYLIST_TELEGRAM_TOKEN", TOKEN)
    settings = load_settings(_env_file=None)
    assert settings.telegram_token is not None and settings.telegram_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert settings.telegram_api_url == "https://api.telegram.org" and settings.telegram_webhook_url is None


@pytest.mark.parametrize(("values", "names"), [
    ({"telegram_webhook_url": "https://bot.example/hook"}, "STYLIST_TELEGRAM_WEBHOOK_SECRET"),
    ({"telegram_webhook_url": "http://bot.example/hook", "telegram_webhook_secret": "abc"},
     "STYLIST_TELEGRAM_WEBHOOK_URL"),
    ({"telegram_webhook_secret": "changeme"}, "STYLIST_TELEGRAM_WEBHOOK_SECRET"),
    ({"telegram_webhook_secret": "has spaces"}, "STYLIST_TELEGRAM_WEBHOOK_SECRET"),
    ({"telegram_api_url": "api.telegram.org"}, "STYLIST_TELEGRAM_API_URL"),
    ({"telegram_webhook_listen": "8443"}, "STYLIST_TELEGRAM_WEBHOOK_LISTEN"),
])
def test_webhook_and_server_settings_are_checked(values: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings(_env_file=None, **values)


def test_a_self_hosted_bot_api_root_loses_its_trailing_slash() -> None:
    settings = load_settings(_env_file=None, telegram_api_url="http://127.0.0.1:8081/")
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


def test_commands_become_chips_or_words_the_dialog_understands() -> None:
    key = ChatKey("telegram", "5", "5")
    today = command_turn(key, "today", [])
    assert today.action is not None and today.action.kind is ActionKind.INTENT and today.action.args == ("today",)
    assert command_turn(key, "outfit", ["for", "a", "wedding"]).text == "outfit for a wedding"
    assert command_turn(key, "forget", []).text == "forget me"
    assert command_turn(key, "start", []).text == "hi"

"""Slack settings are validated once, at start: placeholders refused in one line naming the variable."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.slack import command_turn, member_key, start_slack
from config.settings import SettingsError, load_settings
from dialog.messages import ActionKind
from engine import Stylist
from tests.slack.conftest import FAST, slack_settings
from tests.slack.fake_slack_api import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlackApi


@pytest.mark.parametrize(("name", "value"), [
    ("slack_bot_token", "changeme"), ("slack_bot_token", "xoxb-your-token-here"), ("slack_bot_token", APP_TOKEN),
    ("slack_bot_token", f"{BOT_TOKEN} extra"), ("slack_app_token", "xapp-placeholder"),
    ("slack_app_token", BOT_TOKEN), ("slack_signing_secret", "my-signing-secret"),
    ("slack_signing_secret", "0" * 31 + "g"),
])
def test_a_placeholder_or_malformed_secret_is_refused_naming_the_variable(name: str, value: str) -> None:
    others = {"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET}
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, **{**others, name: value})
    message = str(refused.value)
    assert f"STYLIST_{name.upper()}" in message and "\n" not in message
    assert value not in message  # a secret is never echoed back


def test_real_looking_secrets_are_kept_secret_and_default_to_slacks_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STYLIST_SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("STYLIST_SLACK_APP_TOKEN", APP_TOKEN)
    settings = load_settings(_env_file=None)
    assert settings.slack_bot_token == SecretStr(BOT_TOKEN) and settings.slack_app_token == SecretStr(APP_TOKEN)
    assert BOT_TOKEN not in repr(settings) and APP_TOKEN not in repr(settings)
    assert settings.slack_api_url == "https://slack.com/api/"


@pytest.mark.parametrize(("values", "names"), [
    ({"slack_bot_token": BOT_TOKEN}, "STYLIST_SLACK_SIGNING_SECRET"),  # HTTP mode cannot verify events without it
    ({"slack_app_token": APP_TOKEN}, "STYLIST_SLACK_BOT_TOKEN"),
    ({"slack_api_url": "slack.com/api"}, "STYLIST_SLACK_API_URL"),
    ({"slack_listen": "3000"}, "STYLIST_SLACK_LISTEN"),
])
def test_incomplete_slack_settings_are_refused(values: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings(_env_file=None, **values)


def test_the_api_root_always_ends_with_a_slash() -> None:
    settings = load_settings(_env_file=None, slack_api_url="http://127.0.0.1:9000/api")
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"


async def test_a_token_slack_refuses_stops_the_start_with_one_line(slack_api: FakeSlackApi, stylist: Stylist,
                                                                   conversation: object) -> None:
    for mode, name in (("http", "STYLIST_SLACK_BOT_TOKEN"), ("socket", "STYLIST_SLACK_APP_TOKEN")):
        settings = slack_settings(stylist.settings, slack_api, mode)
        if mode == "http":
            slack_api.bot_token = "xoxb-1-2-revoked"
        else:
            slack_api.bot_token, slack_api.app_token = BOT_TOKEN, "xapp-revoked"
        with pytest.raises(SettingsError) as refused:
            await start_slack(settings, conversation, stylist, FAST)  # type: ignore[arg-type]
        assert str(refused.value) == f"{name}: Slack refused the token (invalid_auth)"


def test_slash_command_words_become_chips_or_words_the_dialog_understands() -> None:
    key = member_key("T1", "U1")
    assert key.user_id == "slack:T1:U1"
    today = command_turn(key, "today")
    assert today.action is not None and today.action.kind is ActionKind.INTENT and today.action.args == ("today",)
    empty = command_turn(key, "  ")
    assert empty.action is not None and empty.action.args == ("help",)
    assert command_turn(key, "outfit for a wedding").text == "outfit for a wedding"
    assert command_turn(key, "forget").text == "forget me"
    assert command_turn(key, "what should I wear tomorrow?").text == "what should I wear tomorrow?"


def test_the_manifest_asks_for_what_the_app_handles() -> None:
    yaml = pytest.importorskip("yaml")  # PyYAML comes with huggingface_hub; only this check reads YAML
    from tests._support import REPO

    manifest = yaml.safe_load((REPO / "bot" / "slack" / "manifest.yaml").read_text())
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_home_opened", "app_mention", "message.im"}
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/stylist"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "files:read", "files:write", "im:history", "im:write", "app_mentions:read",
            "commands"} <= scopes

"""Who the web chat talks to: signed browser cookies, the access token off loopback, and starting / stopping."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import stat
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.web import build_web_app, run_web, start_web
from bot.web.identity import CookieSigner, load_secret
from config.settings import Settings, SettingsError, load_settings
from tests.web.conftest import Browser, sample


async def test_each_browser_gets_its_own_signed_identity(browsers: Callable[[], Browser]) -> None:
    alice, bob = browsers(), browsers()
    assert (await alice.say("hello"))[0] == 200
    assert (await bob.say("hi there"))[0] == 200
    assert alice.cookie() and bob.cookie() and alice.cookie() != bob.cookie()
    mine = await alice.history()
    assert [m["text"] for m in mine if m["role"] == "user"] == ["hello"]
    assert [m["text"] for m in await bob.history() if m["role"] == "user"] == ["hi there"]


async def test_a_forged_cookie_gets_a_fresh_identity_and_sees_nothing(
    browsers: Callable[[], Browser], web_server: TestServer
) -> None:
    alice = browsers()
    status, sent = await alice.say(photos=[sample("shirt-1.jpg")])
    assert status == 200
    photo_id = sent["messages"][0]["photos"][0]["media"]
    genuine = alice.cookie()
    assert genuine is not None
    alice_id, _, signature = genuine.partition(".")
    forgeries = [
        f"{alice_id}.{'A' * len(signature)}",  # Alice's id, a made-up signature
        f"{alice_id}.",  # no signature
        alice_id,  # no signature at all
        f"{alice_id[:-1]}x.{signature}",  # a tampered id with Alice's signature
    ]
    for forged in forgeries:
        async with ClientSession(cookies={"stylist_id": forged}) as mallory:
            async with mallory.get(web_server.make_url("/api/history")) as response:
                assert response.status == 200
                assert (await response.json())["messages"] == []
                assert response.cookies["stylist_id"].value not in (forged, genuine)  # a new identity is issued
            async with mallory.get(web_server.make_url(f"/media/{photo_id}")) as response:
                assert response.status == 404
    assert len(await alice.history()) >= 2  # Alice's transcript is untouched


async def test_another_browsers_pictures_are_not_served(browsers: Callable[[], Browser]) -> None:
    alice, bob = browsers(), browsers()
    _, sent = await alice.say(photos=[sample("pants-1.jpg")])
    photo_id = sent["messages"][0]["photos"][0]["media"]
    async with alice.session.get(alice.url(f"/media/{photo_id}")) as response:
        assert response.status == 200
        assert response.content_type == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    await bob.say("hello")
    async with bob.session.get(bob.url(f"/media/{photo_id}")) as response:
        assert response.status == 404
    async with bob.session.get(bob.url("/media/../../web_secret")) as response:
        assert response.status == 404


def test_cookie_signatures_verify_only_with_their_key() -> None:
    signer, other = CookieSigner(b"k" * 32), CookieSigner(b"o" * 32)
    browser_id, cookie = signer.new_browser()
    assert signer.verify(cookie) == browser_id
    assert other.verify(cookie) is None
    for bad in (None, "", ".", "x" * 500, cookie + "x", cookie.replace(".", "..")):
        assert signer.verify(bad) is None


def test_the_signing_key_is_made_once_and_private(settings: Callable[..., Settings]) -> None:
    s = settings()
    first = load_secret(s)
    path = s.data_dir / "web_secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(s) == first  # a restart keeps every browser's identity
    assert load_secret(settings(web_secret="a-long-configured-secret-value")) == b"a-long-configured-secret-value"


def test_settings_refuse_a_public_address_without_a_token() -> None:
    with pytest.raises(SettingsError, match="STYLIST_WEB_TOKEN"):
        load_settings(_env_file=None, web_host="0.0.0.0")
    with pytest.raises(SettingsError, match="STYLIST_WEB_TOKEN"):
        load_settings(_env_file=None, web_host="0.0.0.0", web_token="changeme")
    assert load_settings(_env_file=None, web_host="0.0.0.0", web_token="t" * 24).web_token is not None
    assert load_settings(_env_file=None, web_host="0.0.0.0", web_enabled=False).web_host == "0.0.0.0"
    for loopback in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert load_settings(_env_file=None, web_host=loopback).web_token is None


async def test_serving_off_loopback_without_a_token_refuses_to_start(
    conversation: Any, web_settings: Settings
) -> None:
    with pytest.raises(SettingsError, match="STYLIST_WEB_TOKEN") as refused:
        await start_web(conversation, web_settings, host="0.0.0.0", port=0)
    assert "\n" not in str(refused.value)


async def test_with_a_token_every_request_must_carry_it(conversation: Any, web_settings: Settings) -> None:
    token = "s3cret-token-for-the-test"
    guarded = web_settings.model_copy(update={"web_token": SecretStr(token)})
    app = build_web_app(conversation, guarded)
    server = TestServer(app)
    await server.start_server()
    try:
        async with ClientSession() as stranger:
            for path in ("/", "/api/history", "/static/app.js"):
                async with stranger.get(server.make_url(path)) as response:
                    assert response.status == 401, path
                    assert "?token=" in await response.text()
            async with stranger.get(server.make_url("/?token=wrong-token-value")) as response:
                assert response.status == 401
        friend = Browser(server)
        try:
            async with friend.session.get(friend.url(f"/?token={token}"), allow_redirects=False) as response:
                assert response.status == 303
                assert "token" not in response.headers["Location"]  # the address bar forgets it
            assert (await friend.say("hello"))[0] == 200  # the cookie carries it from now on
            assert len(await friend.history()) >= 2
        finally:
            await friend.session.close()
        bearer = {"Authorization": f"Bearer {token}"}
        async with ClientSession(headers=bearer) as script, script.get(server.make_url("/api/history")) as response:
            assert response.status == 200
    finally:
        await server.close()


async def test_a_write_from_another_site_is_refused(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    status, body = await browser.say("hello", Origin="https://evil.example")
    assert status == 403 and "another site" in body["error"]
    assert await browser.history() == []


async def test_run_web_logs_its_address_and_stops_cleanly_on_sigterm(
    conversation: Any, web_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.web.server")
    task = asyncio.create_task(run_web(conversation, web_settings, port=0))
    for _ in range(100):
        if "Stylist is running at http://127.0.0.1:" in caplog.text:
            break
        await asyncio.sleep(0.05)
    url = caplog.text.split("Stylist is running at ")[1].split()[0]
    async with ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert "Content-Security-Policy" in response.headers
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # run_web's handler, not the default (exit)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 15)
    assert "web chat stopped" in caplog.text
    async with ClientSession() as session:
        with pytest.raises(OSError):
            await session.get(url)

"""The conversation commands: ``serve`` (every configured front-end), ``chat`` (the terminal) and ``intent``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from bot.cli.command import Command
from bot.cli.output import EXIT_ERROR, EXIT_OK, Output
from bot.main import build_chat, load_sentences, load_understander
from bot.push import morning_push
from bot.slack import start_slack
from bot.telegram import start_telegram
from bot.terminal import Terminal, run_terminal
from bot.web import run_web
from config.settings import Settings, check_web_exposure
from dialog.messages import ChatKey
from dialog.nlu import understand_texts
from engine import Stylist, SystemClock, today_in

log = logging.getLogger(__name__)


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="address of the web chat (default 127.0.0.1; env STYLIST_WEB_HOST)")
    p.add_argument("--port", type=int, help="port of the web chat (default 8080; env STYLIST_WEB_PORT)")


async def serve(settings: Settings, args: argparse.Namespace, out: Output) -> int:
    """Start every configured front-end (the web chat unless turned off, Telegram and Slack when their tokens are
    set) and the morning push, until Ctrl-C or SIGTERM."""
    if not settings.web_enabled and settings.telegram_token is None and settings.slack_bot_token is None:
        out.problem("nothing to serve: the web chat is turned off (STYLIST_WEB_ENABLED=false) "
                    "and neither STYLIST_TELEGRAM_TOKEN nor STYLIST_SLACK_BOT_TOKEN is set")
        return EXIT_ERROR
    if settings.web_enabled:
        check_web_exposure(args.host or settings.web_host, settings.web_token)  # refuse before loading any model
    chat = await build_chat(settings)
    telegram = slack = None
    push: asyncio.Task[None] | None = None
    shop: asyncio.Task[None] | None = None
    try:
        telegram = await start_telegram(settings, chat.conversation.handle, chat.app.stylist)
        slack = await start_slack(settings, chat.conversation, chat.app.stylist)
        senders = [frontend for frontend in (telegram, slack) if frontend is not None]
        if senders:  # the morning push needs a front-end that can write first
            scheduler = morning_push(settings, chat.app.stylist, chat.conversation, senders)
            push = asyncio.create_task(scheduler.run())
            shop = asyncio.create_task(_open_shop(chat.app.stylist))  # pushes carry products from the first one
        if settings.web_enabled:
            await run_web(chat.conversation, settings, host=args.host, port=args.port)
        else:
            await _until_signalled()
    finally:
        for task in (push, shop):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if slack is not None:
            await slack.stop()
        if telegram is not None:
            await telegram.stop()
        await chat.close()
    return EXIT_OK


async def _open_shop(stylist: Stylist) -> None:
    """Get the catalog ready in the background: with no shop feed, the demonstration catalog is imported once
    (otherwise only the first shopping question would, and morning pushes would carry no products until then)."""
    try:
        if await stylist.catalog_ready():
            log.info("catalog: ready for the morning push")
    except Exception:  # the push still goes out, without products
        log.exception("catalog: could not be prepared")


async def _until_signalled() -> None:
    """Wait for Ctrl-C or SIGTERM (when no web chat does the waiting)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def _chat_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pictures", type=Path, help="where to write the pictures it sends (default <data dir>/chat)")


async def chat(settings: Settings, args: argparse.Namespace, out: Output) -> int:
    """Talk to the stylist in the terminal about ``--user``'s wardrobe."""
    app = await build_chat(settings)
    pictures = args.pictures or settings.data_dir / "chat" / args.user.replace(":", "_")
    terminal = Terminal(ChatKey("cli", args.user, args.user), sys.stdout, pictures, settings.max_image_bytes)

    async def read_line() -> str | None:
        line = await asyncio.to_thread(sys.stdin.readline)
        return line if line else None

    try:
        await run_terminal(app.conversation.handle, terminal, read_line)
    finally:
        await app.close()
    return EXIT_OK


def _intent_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="+", metavar="TEXT", help="what a user might say; '-' reads one per line from stdin")
    p.add_argument("--photos", action="store_true", help="as if photos came with each text")


async def intent(settings: Settings, args: argparse.Namespace, out: Output) -> int:
    """Print what each text asks for: intent, slots and confidence."""
    texts = [t for t in args.texts if t != "-"]
    if "-" in args.texts:
        texts += [line.rstrip("\n") for line in await asyncio.to_thread(sys.stdin.readlines) if line.strip()]
    understander = await load_understander(await load_sentences(settings))
    today = today_in(None, SystemClock().now())
    for result in await asyncio.to_thread(understand_texts, understander, texts, today, has_photos=args.photos):
        found = result["slots"]
        slots = ", ".join(f"{k}={v}" for k, v in found.items()) if isinstance(found, dict) else ""
        out.item(result, f"{result['intent']} ({result['confidence']:.2f})  {slots}  <- {result['text']}")
    return EXIT_OK


COMMANDS = (
    Command("serve", "Start the stylist: the web chat at http://127.0.0.1:8080 (and every configured front-end).",
            serve, _serve_arguments, user=False),
    Command("chat", "Talk to the stylist in the terminal.", chat, _chat_arguments),
    Command("intent", "Show what the stylist understands of texts (intent, slots, confidence).", intent,
            _intent_arguments, user=False),
)

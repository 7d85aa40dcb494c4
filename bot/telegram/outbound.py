"""``Reply`` -> Bot API calls: escaped HTML text, a photo with its caption, albums, inline keyboards, URL buttons.

Telegram's limits decide the shape (degrade by capability): captions hold 1,024 characters and messages 4,096,
an album holds 2-10 pictures and cannot carry buttons, so buttons under an album go on a short message after it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.constants import ParseMode

from bot import texts
from dialog.messages import Button, Link, Picture, Reply

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALBUM = 10
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def to_html(text: str) -> str:
    """Escape text for Telegram's HTML mode, turning ``**bold**`` into bold (the only markup we use)."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut text into messages of at most ``limit`` characters (after escaping), at line breaks where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _hard_cut(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if current and len(to_html(candidate)) > limit:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    chunks.append(current)
    return [c for c in chunks if c.strip()]


def _hard_cut(line: str, limit: int) -> list[str]:
    """Cut one line longer than ``limit`` (escaping can make it up to five times longer)."""
    pieces = []
    while len(to_html(line)) > limit:
        n = limit
        while len(to_html(line[:n])) > limit:
            n = n * 3 // 4
        pieces.append(line[:n])
        line = line[n:]
    return [*pieces, line]


def keyboard(rows: Sequence[Sequence[Button]], links: Sequence[Link] = ()) -> InlineKeyboardMarkup | None:
    """Return an inline keyboard: one button row per row, then one URL button per link."""
    markup = [[InlineKeyboardButton(b.label[:64], callback_data=b.action.encode()) for b in row] for row in rows]
    markup += [[InlineKeyboardButton(link.label[:64], url=link.url)] for link in links if _web_url(link.url)]
    markup = [row for row in markup if row]
    return InlineKeyboardMarkup(markup) if markup else None


def own_links(picture: Picture) -> tuple[Link, ...]:
    """Return the link a picture carries (a product's shop page), for a URL button under that picture only."""
    return (picture.link,) if picture.link is not None else ()


def _web_url(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _link_lines(links: Sequence[Link]) -> str:
    """Links Telegram would refuse as buttons (not http) are written out instead."""
    return "\n".join(f"{link.label}: {link.url}" for link in links if not _web_url(link.url))


class ReplySender:
    """Sends replies into one chat through a python-telegram-bot ``Bot``."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int | str, replies: Sequence[Reply]) -> None:
        """Send each reply in order."""
        for reply in replies:
            await self.send_one(chat_id, reply)

    async def send_one(self, chat_id: int | str, reply: Reply) -> None:
        """Send one reply: text, one picture, or several (an album, or one message each with own buttons)."""
        text = "\n".join(part for part in (reply.text, _link_lines(reply.links)) if part)
        pictures = reply.pictures
        if not pictures:
            await self._text(chat_id, text or texts.MORE_BELOW, keyboard(reply.buttons, reply.links))
        elif len(pictures) == 1:
            await self._single(chat_id, pictures[0], text, reply)
        elif reply.album or not any(p.buttons or p.link for p in pictures):
            await self._album(chat_id, pictures, text, reply)
        else:
            if text:
                await self._text(chat_id, text, None)
            for picture in pictures:  # one message per picture: its caption, its buttons and its link together
                await self._photo(chat_id, picture, picture.caption, keyboard(picture.buttons, own_links(picture)))
            markup = keyboard(reply.buttons, reply.links)
            if markup is not None:
                await self._text(chat_id, texts.MORE_BELOW, markup)

    async def _single(self, chat_id: int | str, picture: Picture, text: str, reply: Reply) -> None:
        markup = keyboard((*picture.buttons, *reply.buttons), (*own_links(picture), *reply.links))
        caption = "\n".join(part for part in (text, picture.caption if picture.link else "") if part) \
            or picture.caption
        if len(to_html(caption)) > MAX_CAPTION:  # too long for a caption: the text first, then the picture
            await self._text(chat_id, text, None)
            caption = picture.caption
        await self._photo(chat_id, picture, caption, markup)

    async def _album(self, chat_id: int | str, pictures: Sequence[Picture], text: str, reply: Reply) -> None:
        markup = keyboard(reply.buttons, reply.links)
        if text and markup is None:
            await self._text(chat_id, text, None)
        for start in range(0, len(pictures), MAX_ALBUM):
            chunk = pictures[start:start + MAX_ALBUM]
            if len(chunk) == 1:
                await self._photo(chat_id, chunk[0], chunk[0].caption, None)
                continue
            media = [InputMediaPhoto(p.data, caption=_caption(p.caption), parse_mode=ParseMode.HTML,
                                     filename=p.filename) for p in chunk]
            await self.bot.send_media_group(chat_id, media)
        for picture in pictures:  # an album cannot carry buttons: each picture's own follow under its caption
            if picture.buttons or picture.link:
                await self._text(chat_id, picture.caption or picture.alt or texts.MORE_BELOW,
                                 keyboard(picture.buttons, own_links(picture)))
        if markup is not None:
            await self._text(chat_id, text or texts.MORE_BELOW, markup)

    async def _photo(self, chat_id: int | str, picture: Picture, caption: str,
                     markup: InlineKeyboardMarkup | None) -> None:
        await self.bot.send_photo(chat_id, picture.data, caption=_caption(caption) or None,
                                  parse_mode=ParseMode.HTML, reply_markup=markup, filename=picture.filename)

    async def _text(self, chat_id: int | str, text: str, markup: InlineKeyboardMarkup | None) -> None:
        chunks = split_text(text) or [texts.MORE_BELOW]
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            await self.bot.send_message(chat_id, to_html(chunk), parse_mode=ParseMode.HTML,
                                        reply_markup=markup if last else None)


def _caption(text: str) -> str:
    """Return a caption in HTML that fits Telegram's 1,024 characters (cut at a word, with an ellipsis)."""
    if len(to_html(text)) <= MAX_CAPTION:
        return to_html(text)
    cut = text[:MAX_CAPTION // 2].rsplit(" ", 1)[0]
    return to_html(cut) + "…"

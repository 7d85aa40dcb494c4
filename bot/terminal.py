"""The terminal front-end of ``stylist chat``: the same conversation as every chat, in a shell.

It degrades by capability: pictures are written to files and their paths shown, buttons become numbered
choices (type the number to press one), links are printed. A line may name photo files; they are sent as photos
with the rest of the line as their caption.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from dialog.messages import Button, ChatKey, Incoming, Photo, Reply

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".heic", ".tif", ".tiff"}
QUIT = {"/quit", "/exit", "quit", "exit"}


class Terminal:
    """Turns typed lines into ``Incoming`` and replies into printed text, picture files and numbered buttons."""

    def __init__(self, key: ChatKey, out: TextIO, pictures: Path, max_photo_bytes: int) -> None:
        self.key = key
        self.out = out
        self.pictures = pictures
        self.max_photo_bytes = max_photo_bytes
        self.buttons: list[Button] = []  # the last reply's, numbered from 1
        self._written = 0

    def incoming(self, line: str) -> Incoming | None:
        """Return the message a typed line means (a pressed number, photos with a caption, or text)."""
        line = line.strip()
        if line.isdigit() and self.buttons:
            index = int(line) - 1
            if 0 <= index < len(self.buttons):
                return Incoming(self.key, action=self.buttons[index].action)
            self.say(f"(choose 1-{len(self.buttons)})")
            return None
        photos, words = self._split(line)
        return Incoming(self.key, text=" ".join(words), photos=tuple(photos))

    def _split(self, line: str) -> tuple[list[Photo], list[str]]:
        try:
            tokens = shlex.split(line)
        except ValueError:
            tokens = line.split()
        photos: list[Photo] = []
        words: list[str] = []
        for token in tokens:
            path = Path(token).expanduser()
            if path.suffix.lower() in PHOTO_SUFFIXES and path.is_file():
                if path.stat().st_size > self.max_photo_bytes:  # refused before it is read whole
                    self.say(f"{path.name} is over {self.max_photo_bytes // 2**20} MB: send a smaller photo")
                else:
                    photos.append(Photo(path.read_bytes(), path.name))
            else:
                words.append(token)
        return photos, words

    def show(self, replies: list[Reply]) -> None:
        """Print replies: text, pictures as written files, numbered buttons and links."""
        self.buttons = []
        for reply in replies:
            if reply.text:
                self.say(reply.text)
            for picture in reply.pictures:
                path = self._write(picture.data, picture.filename)
                caption = picture.caption or picture.alt
                self.say(f"  [picture] {path}" + (f"  {caption}" if caption else ""))
                self._numbered([b for row in picture.buttons for b in row])
                if picture.link is not None:
                    self.say(f"  {picture.link.label}: {picture.link.url}")
            self._numbered([b for row in reply.buttons for b in row])
            for link in reply.links:
                self.say(f"  {link.label}: {link.url}")

    def _numbered(self, buttons: list[Button]) -> None:
        if not buttons:
            return
        start = len(self.buttons)
        self.buttons.extend(buttons)
        self.say("  " + "  ".join(f"[{start + i + 1}] {b.label}" for i, b in enumerate(buttons)))

    def _write(self, data: bytes, filename: str) -> Path:
        self.pictures.mkdir(parents=True, exist_ok=True)
        self._written += 1
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(filename).name) or "image.png"
        path = self.pictures / f"{self._written:03d}-{safe}"
        path.write_bytes(data)
        return path

    def say(self, text: str) -> None:
        """Print one line (or several) to the terminal."""
        print(text, file=self.out, flush=True)


async def run_terminal(handle: Callable[[Incoming], Awaitable[list[Reply]]], terminal: Terminal,
                       read_line: Callable[[], Awaitable[str | None]]) -> None:
    """Read lines until EOF or /quit, sending each to ``handle`` and showing its replies."""
    terminal.say("Talk to your stylist (photo paths send photos, a number presses a button, /quit leaves).")
    while True:
        line = await read_line()
        if line is None or line.strip() in QUIT:
            return
        if not line.strip():
            continue
        incoming = terminal.incoming(line)
        if incoming is not None:
            terminal.show(await handle(incoming))

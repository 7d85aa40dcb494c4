"""The one message vocabulary between front-ends and the dialog: ``Incoming`` in, ``Reply`` out.

Front-ends (web chat, terminal, Telegram, Slack) only translate their platform's events into ``Incoming`` and
``Reply`` values into platform calls; everything a button can do is a typed ``Action`` whose wire form fits in
the 64 bytes Telegram allows for callback data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

ACTION_MAX_BYTES = 64
_ARG = re.compile(r"^[A-Za-z0-9_.:@+\-]{0,40}$")


class InvalidAction(ValueError):
    """A button payload that is malformed, unknown or too long (forged or from an older release)."""


class ActionKind(StrEnum):
    """What a button does. The short values are the wire form: keep them stable across releases."""

    FEEDBACK = "fb"  # args: look id, feedback kind (like, dislike, wore, not_today)
    ANOTHER = "an"  # args: look id of the look shown (the next one replaces it)
    CONFIRM_TAG = "ok"  # args: item id, field: the tag was right
    CORRECT_TAG = "fix"  # args: item id, field[, value]: ask for (or set) the right value
    REMOVE_ITEM = "rm"  # args: item id
    LAUNDRY = "ld"  # args: item id, "in" | "out"
    SHOW_ITEM = "it"  # args: item id
    SIMILAR = "sim"  # args: item id
    INTENT = "do"  # args: intent name (a quick-reply chip such as "today" or "wardrobe")
    CONFIRM = "yes"  # args: what is confirmed (e.g. "forget")
    CANCEL = "no"  # args: what is cancelled
    ONBOARD = "ob"  # args: step ("sample", "skip", "next")
    SETTING = "set"  # args: setting name, value
    OUTFIT_WITH = "ow"  # args: item id: a look built around this piece
    SHOP = "shop"  # args: "look"[, look id] | "gaps" | "buy", product id: shopping suggestions


@dataclass(frozen=True, slots=True)
class Action:
    """A typed button payload: a kind and up to three short arguments."""

    kind: ActionKind
    args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.args) > 3 or not all(isinstance(a, str) and _ARG.match(a) for a in self.args):
            raise InvalidAction(f"bad action arguments: {self.args!r}"[:80])
        if len(self.encode()) > ACTION_MAX_BYTES:
            raise InvalidAction("action payload over 64 bytes")

    def arg(self, index: int, default: str = "") -> str:
        """Return argument ``index``, or ``default`` when the action has fewer."""
        return self.args[index] if index < len(self.args) else default

    def encode(self) -> str:
        """Return the compact wire form, e.g. ``fb|3f2a9c01d7e4|like`` (at most 64 bytes)."""
        return "|".join((self.kind.value, *self.args))

    @classmethod
    def decode(cls, payload: str | bytes | None) -> Action:
        """Parse a wire form, raising ``InvalidAction`` for anything malformed, unknown or oversized."""
        if isinstance(payload, bytes):
            try:
                payload = payload.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidAction("action payload is not text") from exc
        if not isinstance(payload, str) or not payload or len(payload.encode()) > ACTION_MAX_BYTES:
            raise InvalidAction("empty or oversized action payload")
        kind, *args = payload.split("|")
        try:
            return cls(ActionKind(kind), tuple(args))
        except ValueError as exc:
            raise InvalidAction(f"unknown action {kind[:10]!r}") from exc


@dataclass(frozen=True, slots=True)
class ChatKey:
    """Who a message is from: platform, chat (a DM, channel or browser) and user. Conversation state key."""

    platform: str  # "web", "cli", "telegram", "slack"
    chat: str
    user: str

    @property
    def user_id(self) -> str:
        """Return the engine's user id: one wardrobe per person per platform (Slack users include the team).

        The command line's ``stylist chat --user ID`` talks about the same wardrobe as ``stylist add --user ID``.
        """
        return self.user if self.platform == "cli" else f"{self.platform}:{self.user}"


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo as it arrived: raw bytes and a file name (or the platform's file id) for messages."""

    data: bytes
    name: str


@dataclass(frozen=True, slots=True)
class Incoming:
    """One user turn: text, photos sent together (one request), a pressed button, or a shared location."""

    key: ChatKey
    text: str = ""
    photos: tuple[Photo, ...] = ()
    action: Action | None = None
    location: tuple[float, float] | None = None  # latitude, longitude


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a reply; pressing it sends its ``action`` back as an ``Incoming``."""

    label: str
    action: Action


@dataclass(frozen=True, slots=True)
class Link:
    """A link shown with a reply (shopping, help)."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Picture:
    """An image in a reply: PNG or JPEG bytes, a caption, alt text for platforms without, its buttons and link."""

    data: bytes
    caption: str = ""
    alt: str = ""
    filename: str = "image.png"
    buttons: tuple[tuple[Button, ...], ...] = ()  # buttons that belong to this picture (e.g. one garment's tags)
    link: Link | None = None  # the page this picture stands for (a product's shop page), shown with it, once


@dataclass(frozen=True, slots=True)
class Reply:
    """One message back: text, pictures (an album when ``album``), rows of buttons and links."""

    text: str = ""
    pictures: tuple[Picture, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    links: tuple[Link, ...] = ()
    album: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # platform-neutral hints (e.g. "kind": "look")

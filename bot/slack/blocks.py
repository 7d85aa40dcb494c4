"""Block Kit: ``Reply`` parts -> blocks (section, context, actions, image), within Slack's limits.

Buttons carry the dialog's compact typed ``Action`` as their value (``fb|3f2a9c01d7e4|like``) and say whom they
are for in their block id (``for:U123:0``), so a press by another member is refused before the dialog sees it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dialog.messages import Action, Button, InvalidAction, Link

MAX_SECTION = 3000  # characters of a section's text
MAX_BUTTON_LABEL = 75
MAX_BLOCKS = 50  # per message (and per App Home view: 100)
MAX_FALLBACK = 3000  # the notification text beside the blocks
BUTTON_PREFIX = "stylist:"  # action_id of every dialog button; link buttons use "link:"
LINK_PREFIX = "link:"
_BOLD = re.compile(r"\*\*(.+?)\*\*")

Block = dict[str, Any]


def mrkdwn(text: str) -> str:
    """Escape text for Slack (``&``, ``<``, ``>``), turning ``**bold**`` into Slack's ``*bold*``."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BOLD.sub(r"*\1*", escaped)


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Cut text into pieces of at most ``limit`` characters after escaping, at line breaks where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(mrkdwn(line)) > limit:  # one very long line: cut it hard
            n = limit
            while len(mrkdwn(line[:n])) > limit:
                n = n * 3 // 4
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:n])
            line = line[n:]
        candidate = f"{current}\n{line}" if current else line
        if current and len(mrkdwn(candidate)) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    chunks.append(current)
    return [c for c in chunks if c.strip()]


def sections(text: str) -> list[Block]:
    """Return the text as mrkdwn section blocks."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(piece)}} for piece in split_text(text)]


def context(text: str) -> Block:
    """Return a context block: small grey text under a picture or a look."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(text)[:MAX_SECTION]}]}


def image(file_id: str, alt: str, title: str = "") -> Block:
    """Return an image block showing a file the app uploaded (by its Slack file id)."""
    block: Block = {"type": "image", "slack_file": {"id": file_id}, "alt_text": (alt or "picture")[:2000]}
    if title:
        block["title"] = {"type": "plain_text", "text": title[:2000]}
    return block


def _label(text: str) -> dict[str, Any]:
    label = text if len(text) <= MAX_BUTTON_LABEL else text[:MAX_BUTTON_LABEL - 1] + "…"
    return {"type": "plain_text", "text": label or "…", "emoji": True}


def actions(rows: Sequence[Sequence[Button]], owner: str, links: Sequence[Link] = (), start: int = 0) -> list[Block]:
    """Return one actions block per row of buttons (for ``owner``), then one with the links as URL buttons."""
    blocks: list[Block] = []
    for i, row in enumerate(rows, start):
        if not row:
            continue
        elements = [{"type": "button", "text": _label(b.label), "action_id": f"{BUTTON_PREFIX}{i}:{j}",
                     "value": b.action.encode()} for j, b in enumerate(row[:25])]
        blocks.append({"type": "actions", "block_id": f"for:{owner}:{i}", "elements": elements})
    web = [link for link in links if link.url.startswith(("https://", "http://"))]
    if web:
        elements = [{"type": "button", "text": _label(link.label), "action_id": f"{LINK_PREFIX}{k}", "url": link.url}
                    for k, link in enumerate(web[:25])]
        blocks.append({"type": "actions", "block_id": f"links:{start + len(rows)}", "elements": elements})
    return blocks


def card_actions(rows: Sequence[Sequence[Button]], owner: str, link: Link | None, start: int = 0) -> list[Block]:
    """Return a picture's buttons with its link as a URL button in the same last row (one row under a product)."""
    body = actions(rows, owner, start=start)
    if link is None or not link.url.startswith(("https://", "http://")):
        return body
    element = {"type": "button", "text": _label(link.label), "action_id": f"{LINK_PREFIX}{start}", "url": link.url}
    if body and len(body[-1]["elements"]) < 25:
        body[-1]["elements"].append(element)
        return body
    return [*body, {"type": "actions", "block_id": f"links:{start + len(rows)}", "elements": [element]}]


def link_lines(links: Sequence[Link]) -> str:
    """Return the links Slack would refuse as buttons (not http), written out."""
    return "\n".join(f"{link.label}: {link.url}" for link in links if not link.url.startswith(("https://", "http://")))


def button_owner(block_id: str | None) -> str | None:
    """Return the member a button was for (from its block id ``for:<user>:<row>``), or None."""
    kind, _, rest = (block_id or "").partition(":")
    owner = rest.rpartition(":")[0]
    return owner if kind == "for" and owner else None


def pressed(value: str | None) -> Action:
    """Return the action of a pressed button, raising ``InvalidAction`` for a malformed or forged value."""
    return Action.decode(value)


def messages(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[list[Block]]:
    """Cut a long list of blocks into messages of at most ``limit`` blocks."""
    return [blocks[i:i + limit] for i in range(0, len(blocks), limit)] or [[]]


def fallback(text: str) -> str:
    """Return the plain notification text sent beside blocks (what a phone's notification shows)."""
    plain = _BOLD.sub(r"\1", text).strip()
    return plain if len(plain) <= MAX_FALLBACK else plain[:MAX_FALLBACK - 1] + "…"


__all__ = ["Block", "InvalidAction", "actions", "button_owner", "card_actions", "context", "fallback", "image",
           "link_lines", "messages", "mrkdwn", "pressed", "sections", "split_text"]

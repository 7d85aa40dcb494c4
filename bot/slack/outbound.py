"""``Reply`` -> Slack Web API calls: Block Kit messages, pictures uploaded with ``files_upload_v2``.

Pictures are uploaded into the conversation (``files.getUploadURLExternal``, the upload, then
``files.completeUploadExternal``) with the reply's text as their comment; their buttons follow in a Block Kit
message (section, context, actions). A file uploaded without a channel can be shown in an image block only once
Slack has processed it, which takes an unknown while (slackapi/python-slack-sdk#1658): an upload into the
conversation is the way that always works.

A ``Target`` says where a turn's replies go: a DM, or a channel thread where only the member sees them
(``chat.postEphemeral``: nothing of one member is shown to another, and an ephemeral message cannot carry files,
so pictures always go to the member's DM; the front-end decides that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import texts
from bot.slack import blocks
from dialog.messages import Picture, Reply

MAX_FILES_PER_UPLOAD = 10


@dataclass(frozen=True, slots=True)
class Target:
    """Where replies go: a conversation (and thread), for one member; ``ephemeral``: seen by that member only."""

    channel: str
    owner: str  # the Slack user id the replies and their buttons are for
    thread_ts: str | None = None
    ephemeral: bool = False


def api_error(exc: SlackApiError) -> str:
    """Return the Web API's error code of a failed call (``account_inactive``...), or "" when it gave none."""
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error") or "") if isinstance(data, dict) else ""


def shows_pictures(reply: Reply) -> bool:
    """Return True when a reply carries pictures (which only ever go to the member's DM from a channel)."""
    return bool(reply.pictures)


class ReplySender:
    """Sends replies to a ``Target`` through a slack_sdk ``AsyncWebClient``."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        """Send each reply in order."""
        for reply in replies:
            await self.send_one(target, reply)

    async def send_one(self, target: Target, reply: Reply) -> None:
        """Send one reply: a Block Kit message, or its pictures uploaded and their buttons after them."""
        text = "\n".join(part for part in (reply.text, blocks.link_lines(reply.links)) if part)
        if not reply.pictures:
            body = blocks.sections(text or texts.MORE_BELOW)
            await self.post(target, body + blocks.actions(reply.buttons, target.owner, reply.links), text)
            return
        if target.ephemeral:
            raise ValueError("pictures cannot be sent ephemerally: send them to the member's DM")
        if any(p.link for p in reply.pictures):
            await self._cards(target, text, reply)
            return
        if len(reply.pictures) == 1:
            await self._single(target, reply.pictures[0], text, reply)
            return
        has_buttons = bool(reply.buttons or reply.links)
        await self.upload(target, reply.pictures, "" if has_buttons else text)
        row = 0
        for picture in reply.pictures:  # each picture's own buttons, under its caption
            if picture.buttons:
                body = [*blocks.sections(picture.caption or picture.alt or texts.MORE_BELOW),
                        *blocks.actions(picture.buttons, target.owner, start=row)]
                row += len(picture.buttons)
                await self.post(target, body, picture.caption or picture.alt)
        if has_buttons:
            body = blocks.sections(text or texts.MORE_BELOW)
            await self.post(target, body + blocks.actions(reply.buttons, target.owner, reply.links, start=row), text)

    async def _single(self, target: Target, picture: Picture, text: str, reply: Reply) -> None:
        """One picture (a look, a garment): uploaded with the text, then caption, context and buttons."""
        await self.upload(target, (picture,), text)
        rows = (*picture.buttons, *reply.buttons)
        if not rows and not reply.links:
            return
        body = blocks.sections(picture.caption or text or texts.MORE_BELOW)
        if picture.alt and picture.alt != picture.caption:
            body.append(blocks.context(picture.alt))
        await self.post(target, body + blocks.actions(rows, target.owner, reply.links), picture.caption or text)

    async def _cards(self, target: Target, text: str, reply: Reply) -> None:
        """Products: each its own upload (titled with its name and price), its buttons and shop link right under it.

        One upload per picture keeps each row of buttons beside its own picture; nothing repeats the title.
        """
        row = 0
        for i, picture in enumerate(reply.pictures):
            await self.upload(target, (picture,), text if i == 0 else "")
            body = blocks.card_actions(picture.buttons, target.owner, picture.link, start=row)
            row += len(picture.buttons) + 1
            if body:
                await self.post(target, body, picture.caption or picture.alt)
        if reply.buttons or reply.links:
            body = blocks.sections(texts.MORE_BELOW)
            await self.post(target, body + blocks.actions(reply.buttons, target.owner, reply.links, start=row),
                            texts.MORE_BELOW)

    async def post(self, target: Target, body: list[blocks.Block], text: str) -> None:
        """Post blocks (in several messages past Slack's 50 blocks), to everyone or to the owner only."""
        for chunk in blocks.messages(body):
            args: dict[str, Any] = {"channel": target.channel, "blocks": chunk,
                                    "text": blocks.fallback(text or texts.MORE_BELOW)}
            if target.thread_ts:
                args["thread_ts"] = target.thread_ts
            if target.ephemeral:
                await self.client.chat_postEphemeral(user=target.owner, **args)
            else:
                await self.client.chat_postMessage(**args)

    async def upload(self, target: Target, pictures: Sequence[Picture], comment: str) -> list[str]:
        """Upload pictures into the conversation (10 per call), the comment with the first batch; return file ids."""
        ids: list[str] = []
        for start in range(0, len(pictures), MAX_FILES_PER_UPLOAD):
            batch = pictures[start:start + MAX_FILES_PER_UPLOAD]
            uploads = [{"content": p.data, "filename": p.filename, "title": p.caption or p.alt or p.filename,
                        "alt_txt": (p.alt or p.caption)[:1000] or None} for p in batch]
            args: dict[str, Any] = {"file_uploads": uploads, "channel": target.channel}
            if target.thread_ts:
                args["thread_ts"] = target.thread_ts
            if comment and start == 0:
                args["initial_comment"] = blocks.mrkdwn(comment)[:blocks.MAX_FALLBACK * 3]
            result = await self.client.files_upload_v2(**args)
            ids += [str(f.get("id")) for f in (result.get("files") or [])]
        return ids

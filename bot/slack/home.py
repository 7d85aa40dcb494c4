"""The App Home tab: today's look (its collage, reason and buttons) and the member's settings, via views.publish.

The look and the settings are what the dialog would answer ("today", "settings"), so the Home tab's buttons are the
same typed actions as in the DM, answered there. A member who never talked to the stylist gets a welcome instead
(opening the Home tab is not a first message: it must not use up the greeting).

The collage is uploaded without a channel and shown by its file id; Slack may not have processed a fresh upload
yet and then refuses the image block (``invalid_blocks``), so the view is published again without the picture.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import texts
from bot.slack import blocks
from bot.slack.inbound import member_key
from bot.slack.outbound import api_error
from dialog.conversation import Conversation
from dialog.messages import Action, ActionKind, Button, ChatKey, Incoming, Reply
from dialog.understanding import Intent
from engine import StylistError

log = logging.getLogger(__name__)

MAX_VIEW_BLOCKS = 100
_SEND_TODAY = Button(texts.SLACK_HOME_SEND, Action(ActionKind.INTENT, (Intent.TODAY.value,)))


class HomeTab:
    """Builds and publishes each member's App Home view."""

    def __init__(self, conversation: Conversation, client: AsyncWebClient, remember: int = 1000) -> None:
        self.conversation = conversation
        self.client = client
        self._files: OrderedDict[str, str] = OrderedDict()  # look id -> uploaded collage's file id
        self._remember = remember

    async def publish(self, team: str, user: str) -> None:
        """Publish the member's Home tab (with the collage when Slack accepts it, else without)."""
        key = member_key(team, user)
        view_blocks = await self.view_blocks(key, user, with_picture=True)
        try:
            await self._publish(user, view_blocks)
        except SlackApiError as exc:
            if api_error(exc) != "invalid_blocks":
                raise
            log.info("slack: the Home tab's picture was not ready; published without it")
            await self._publish(user, await self.view_blocks(key, user, with_picture=False))

    async def _publish(self, user: str, view_blocks: list[blocks.Block]) -> None:
        await self.client.views_publish(user_id=user, view={"type": "home", "blocks": view_blocks[:MAX_VIEW_BLOCKS]})

    async def view_blocks(self, key: ChatKey, user: str, *, with_picture: bool) -> list[blocks.Block]:
        """Return the blocks of the member's Home tab."""
        title: blocks.Block = {"type": "header", "text": {"type": "plain_text", "text": texts.SLACK_HOME_TITLE}}
        if await self.conversation.ctx.states.get(key) is None:
            return [title, *blocks.sections(texts.SLACK_HOME_WELCOME)]
        look = await self._look(key, user, with_picture)
        settings = await self.conversation.handle(Incoming(key, action=Action(ActionKind.INTENT,
                                                                              (Intent.SETTINGS.value,))))
        body = [title, *blocks.sections(texts.SLACK_HOME_TODAY), *look, {"type": "divider"},
                *blocks.sections(texts.SLACK_HOME_SETTINGS)]
        for i, reply in enumerate(settings):
            body += blocks.sections(reply.text) + blocks.actions(reply.buttons, user, reply.links, start=10 + 10 * i)
        return body

    async def _look(self, key: ChatKey, user: str, with_picture: bool) -> list[blocks.Block]:
        try:
            replies = await self.conversation.morning_look(key)
        except StylistError as exc:  # an empty wardrobe, nothing for the weather...: say so, offer the DM
            return [*blocks.sections(texts.SLACK_HOME_NO_LOOK.format(why=str(exc))),
                    *blocks.actions(((_SEND_TODAY,),), user)]
        return await self.look_blocks(replies, user, with_picture)

    async def look_blocks(self, replies: Sequence[Reply], user: str, with_picture: bool) -> list[blocks.Block]:
        """Return a look's blocks: the collage (an image block), the reason, the items and the buttons."""
        body: list[blocks.Block] = []
        rows: list[tuple[Button, ...]] = []
        for reply in replies:
            if reply.text:
                body += blocks.sections(reply.text)
            for picture in reply.pictures:
                look_id = reply.extra.get("look_id", picture.filename)
                file_id = await self._uploaded(look_id, picture.data, picture.filename) if with_picture else None
                if file_id:
                    body.append(blocks.image(file_id, picture.alt, picture.caption))
                body += blocks.sections(picture.caption) if picture.caption else []
                if picture.alt:
                    body.append(blocks.context(picture.alt))
            rows += [*reply.buttons]
        return body + blocks.actions([*rows, (_SEND_TODAY,)], user)

    async def _uploaded(self, look_id: str, data: bytes, filename: str) -> str | None:
        """Upload a collage once per look, privately (no channel); return its file id."""
        if look_id not in self._files:
            result: Any = await self.client.files_upload_v2(content=data, filename=filename, title=filename)
            files = result.get("files") or []
            if not files:
                return None
            self._files[look_id] = str(files[0].get("id"))
            while len(self._files) > self._remember:
                self._files.popitem(last=False)
        return self._files[look_id]

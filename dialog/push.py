"""The morning push, as the dialog words it: the day's look for a chat, remembered like an asked-for look.

The push scheduler (``bot.push``) decides when; this decides what: the daily look (collage, weather, reason,
feedback buttons) with a greeting, stored in the chat's state so "another one" and the buttons work on it; and,
when a catalog exists, up to two products completing the look (never one pushed in the last week).
"""

from __future__ import annotations

from datetime import date

from dialog import outfits, shopping, texts
from dialog.context import Turn
from dialog.conversation import Conversation
from dialog.messages import ChatKey, Incoming, Reply
from dialog.state import DialogState
from engine import NoLookPossible, WardrobeEmpty


async def morning_look(conversation: Conversation, key: ChatKey, day: date) -> list[Reply]:
    """Return the morning push for ``key`` on its local date ``day``; empty when there is no look to send."""
    async with conversation.locks.hold(key):  # never interleaved with a turn of the same chat
        stored = await conversation.ctx.states.get(key)
        turn = Turn(Incoming(key), conversation.ctx, stored or DialogState(), routes=conversation.routes)
        request = {"mode": "today", "occasion": None, "temp_c": None, "rain": None, "day": day.isoformat(),
                   "anchor": None}
        try:
            # the same path as "what should I wear today?", so "another one" and feedback work on the push
            replies, looks = await outfits.answer_with_looks(turn, request, intro=texts.MORNING_LOOK)
            if looks:  # products completing the look just composed (not a second composition of it)
                replies += await shopping.push_products(turn, looks[0], day)
        except (WardrobeEmpty, NoLookPossible):
            return []  # nothing to dress: a morning message saying so would only nag
        new = turn.next_state or turn.state
        if new != stored:
            await conversation.ctx.states.set(key, new)
        return replies

"""The fake Bot API in a process of its own, for ``bench.telegram_load --server-process``: the server's work (form
parsing, updates, files) then stops sharing the bot's event loop and GIL, as Telegram's servers do not share them.

    python -m bench._fake_bot_process      # prints its root URL on one line; runs until stdin closes

One extra route drives it: ``POST /_control/photo/<user>`` with a photo's bytes queues that user's photo message
and answers once the bot has sent that user a reply.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

from tests.telegram.fake_bot_api import FakeBotApi


class ControlledBotApi(FakeBotApi):
    """The fake Bot API plus the control route."""

    async def start(self) -> str:
        """Listen on a free loopback port with the Bot API's routes and the control route; return the root URL."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_post("/_control/photo/{user}", self._photo)
        return await self._listen(app)

    async def _photo(self, request: web.Request) -> web.Response:
        user = int(request.match_info["user"])
        before = self.sent_count[user]
        await self.send(user, photo=self.photo_sizes(await request.read()))
        await self.wait_for(lambda api: api.sent_count[user] > before, limit_s=600)
        return web.Response(text="replied")


async def _main() -> None:
    api = ControlledBotApi()
    print(await api.start(), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await api.close()


if __name__ == "__main__":
    asyncio.run(_main())

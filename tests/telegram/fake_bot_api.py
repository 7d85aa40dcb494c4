"""A local Telegram Bot API server (aiohttp, 127.0.0.1) that the real python-telegram-bot talks to in tests.

It speaks the Bot API's wire format: methods at ``/bot<token>/<method>`` (form or multipart bodies, answers
``{"ok": true, "result": ...}``), files at ``/file/bot<token>/<path>``, long-polling ``getUpdates``. A test
scripts users' messages as updates, reads every call the bot made, and can make a method answer 429
(``retry_after``) or 403 (the user blocked the bot) on demand.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests._fake_server import Failure, FakeServer, decode_form_value

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
BOT_API_FILE_LIMIT = 20 * 1024 * 1024
SEND_METHODS = ("sendMessage", "sendPhoto", "sendMediaGroup")  # getFile refuses bigger files, as the real Bot API does


@dataclass
class Call:
    """One Bot API call the bot made: method, decoded parameters, uploaded files by part name."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def chat_id(self) -> int | None:
        """Return the chat the call writes to, if any."""
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass
class _File:
    path: str
    data: bytes
    size: int


class FakeBotApi(FakeServer[Call]):
    """The fake server: start it, point the bot's base URL at ``root``, script updates, read ``calls``."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, _File] = {}
        self.commands: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self.sent_count: Counter[int] = Counter()  # messages per chat, for waiting cheaply under load
        self.polls = 0  # getUpdates calls (kept out of ``calls``: long polling would flood it)
        self._ids = itertools.count(1)

    # ---- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on a free loopback port; return the root URL (what STYLIST_TELEGRAM_API_URL is set to)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        return await self._listen(app)

    # ---- scripting: what users send --------------------------------------------------------------------------

    def user(self, user_id: int, name: str = "Ann") -> dict[str, Any]:
        """Return a Telegram user object."""
        return {"id": user_id, "is_bot": False, "first_name": name}

    def add_file(self, data: bytes, name: str = "photo.jpg", size: int | None = None) -> tuple[str, str]:
        """Store a file users can send; ``size`` overrides the size the API reports. Return (file_id, unique id)."""
        n = next(self._ids)
        file_id, unique = f"file-{n}-{name}", f"u{n}"
        self.files[file_id] = _File(f"documents/{unique}_{name}", data, len(data) if size is None else size)
        return file_id, unique

    async def send(self, user_id: int, chat_id: int | None = None, **fields: Any) -> dict[str, Any]:
        """Queue a message from a user (private chat unless ``chat_id`` says otherwise); return the message."""
        chat = chat_id if chat_id is not None else user_id
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": self.user(user_id),
                   "chat": {"id": chat, "type": "private" if chat == user_id else "group", "first_name": "Ann"},
                   **fields}
        await self.push_update({"message": message})
        return message

    def photo_sizes(self, data: bytes, thumb: bytes | None = None) -> list[dict[str, Any]]:
        """Return the sizes Telegram attaches to a photo: a small thumbnail first, the full photo last."""
        sizes = []
        if thumb is not None:
            small_id, small_unique = self.add_file(thumb, "thumb.jpg")
            sizes.append({"file_id": small_id, "file_unique_id": small_unique, "width": 90, "height": 120,
                          "file_size": len(thumb)})
        big_id, big_unique = self.add_file(data, "photo.jpg")
        sizes.append({"file_id": big_id, "file_unique_id": big_unique, "width": 960, "height": 1280,
                      "file_size": len(data)})
        return sizes

    def document(self, data: bytes, file_name: str, mime_type: str, size: int | None = None) -> dict[str, Any]:
        """Return a document object (a file sent as a file)."""
        file_id, unique = self.add_file(data, file_name, size)
        return {"file_id": file_id, "file_unique_id": unique, "file_name": file_name, "mime_type": mime_type,
                "file_size": len(data) if size is None else size}

    async def press(self, user_id: int, data: str, message: dict[str, Any], chat_id: int | None = None) -> None:
        """Queue a button press (a callback query) on a message the bot sent."""
        chat = chat_id if chat_id is not None else user_id
        sent = {"message_id": message.get("message_id", 1), "date": int(time.time()),
                "chat": {"id": chat, "type": "private" if chat == user_id else "group"}}
        query = {"id": str(next(self._ids)), "from": self.user(user_id), "chat_instance": "ci", "data": data,
                 "message": sent}
        await self.push_update({"callback_query": query})

    async def push_update(self, body: dict[str, Any]) -> int:
        """Queue any update (its id is assigned here); return the id."""
        update_id = next(self._ids)
        self.updates.append({"update_id": update_id, **body})
        await self._notify()
        return update_id

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             chat_id: int | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail with that error."""
        self._inject(method, Failure(status, description, retry_after, chat_id, times))

    # ---- reading: what the bot did ---------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, methods: tuple[str, ...] = SEND_METHODS) -> list[Call]:
        """Return the messages the bot sent (to one chat), in order."""
        return [c for c in self.calls if c.method in methods and (chat_id is None or c.chat_id == chat_id)]

    # ---- the API ---------------------------------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        form = await request.post()
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for name, value in form.items():
            if isinstance(value, str):
                params[name] = decode_form_value(value)
            else:
                files[name] = value.file.read()
        call = Call(method, params, files)
        if method == "getUpdates":
            self.polls += 1
        else:
            self.calls.append(call)
            if method in SEND_METHODS and call.chat_id is not None:
                self.sent_count[call.chat_id] += 1
        await self._notify()
        failure = self._take_failure(method, call.chat_id)
        if failure is not None:
            return _error(failure.status, failure.message, failure.retry_after)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(call)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.Response(status=404)

    async def _api_getMe(self, call: Call) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Stylist", "username": "stylist_test_bot",
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_getUpdates(self, call: Call) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset", 0) or 0)
        timeout = float(call.params.get("timeout", 0) or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones are forgotten
        if not self.updates and timeout > 0:
            async with self._changed:
                try:
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(lambda: bool(self.updates))
                except TimeoutError:
                    pass
        return self.updates[:100]

    async def _api_deleteWebhook(self, call: Call) -> bool:
        self.webhook = {}
        return True

    async def _api_setWebhook(self, call: Call) -> bool:
        self.webhook = dict(call.params)
        return True

    async def _api_setMyCommands(self, call: Call) -> bool:
        self.commands = list(call.params.get("commands", []))
        return True

    async def _api_sendChatAction(self, call: Call) -> bool:
        return True

    async def _api_answerCallbackQuery(self, call: Call) -> bool:
        return True

    async def _api_getFile(self, call: Call) -> dict[str, Any] | web.Response:
        stored = self.files.get(str(call.params.get("file_id")))
        if stored is None:
            return _error(400, "Bad Request: invalid file_id")
        if stored.size > BOT_API_FILE_LIMIT:
            return _error(400, "Bad Request: file is too big")
        return {"file_id": call.params["file_id"], "file_unique_id": stored.path.split("/")[1].split("_")[0],
                "file_size": stored.size, "file_path": stored.path}

    def _message(self, call: Call, **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": call.chat_id, "type": "private"},
                "from": {"id": self.bot_id, "is_bot": True, "first_name": "Stylist"}, **content}

    async def _api_sendMessage(self, call: Call) -> dict[str, Any]:
        return self._message(call, text=call.params.get("text", ""))

    def _photo(self, data: bytes) -> list[dict[str, Any]]:
        file_id, unique = self.add_file(data, "sent.jpg")
        return [{"file_id": file_id, "file_unique_id": unique, "width": 512, "height": 512, "file_size": len(data)}]

    async def _api_sendPhoto(self, call: Call) -> dict[str, Any]:
        data = call.files.get("photo", b"")
        return self._message(call, photo=self._photo(data), caption=call.params.get("caption"))

    async def _api_sendMediaGroup(self, call: Call) -> list[dict[str, Any]]:
        group = str(next(self._ids))
        out = []
        for item in call.params.get("media", []):
            attached = str(item.get("media", ""))
            data = call.files.get(attached.removeprefix("attach://"), b"")
            item["data"] = data  # kept on the call for tests
            out.append(self._message(call, photo=self._photo(data), caption=item.get("caption"),
                                     media_group_id=group))
        return out


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)

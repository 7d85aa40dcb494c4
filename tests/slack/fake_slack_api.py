"""A local Slack Web API server (aiohttp, 127.0.0.1) that the real slack-bolt / slack_sdk talk to in tests.

It speaks the Web API's wire format: methods at ``/api/<method>`` (form, query or JSON bodies, bearer tokens,
answers ``{"ok": true, ...}``), the upload URLs ``files.getUploadURLExternal`` hands out, private file downloads
that need the bot token, and Socket Mode: ``apps.connections.open`` (with the app token) and a websocket that
sends envelopes and reads their acknowledgements. A test scripts what members do (``events.py`` builds the
payloads), reads every call the app made, and can make a method answer 429 (``Retry-After``) or an error such as
``account_inactive`` on demand.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests._fake_server import Failure, FakeServer, decode_form_value

BOT_TOKEN = "xoxb-10000000001-20000000002-AbCdEfGhIjKlMnOpQrStUvWx"
APP_TOKEN = "xapp-1-A0000000001-30000000003-" + "ab12" * 16
SIGNING_SECRET = "0123456789abcdef" * 2
TEAM, BOT_USER = "T0000TEAM", "U0000BOT"
POST_METHODS = ("chat.postMessage", "chat.postEphemeral")


@dataclass
class Call:
    """One Web API call the app made: method and decoded parameters."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def channel(self) -> str | None:
        """Return the conversation the call writes to, if any."""
        value = self.params.get("channel") or self.params.get("channel_id")
        return str(value) if value else None

    @property
    def text(self) -> str:
        """Return everything readable in the call: its text, its blocks' texts and button values, a comment."""
        parts = [str(self.params.get("text") or ""), str(self.params.get("initial_comment") or "")]
        for block in self.params.get("blocks") or []:
            parts.append(json.dumps(block))
        return "\n".join(p for p in parts if p)


@dataclass
class Upload:
    """A file the app uploaded (and, once completed, shared into ``channel``)."""

    file_id: str
    filename: str
    length: int
    alt: str = ""
    data: bytes = b""
    title: str = ""
    channel: str | None = None
    thread_ts: str | None = None
    comment: str = ""


class FakeSlackApi(FakeServer[Call]):
    """The fake server: start it, point STYLIST_SLACK_API_URL at ``api_url``, script members, read ``calls``."""

    def __init__(self, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN) -> None:
        super().__init__()
        self.bot_token, self.app_token = bot_token, app_token
        self.uploads: dict[str, Upload] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # shared by members: file id -> (bytes, mimetype)
        self.file_objects: dict[str, dict[str, Any]] = {}  # what files.info answers
        self.downloads: list[tuple[str, str]] = []  # (file id, Authorization header) of every download
        self.acks: dict[str, dict[str, Any]] = {}  # Socket Mode: envelope id -> the app's acknowledgement
        self.views: dict[str, dict[str, Any]] = {}  # App Home: user -> the view published last
        self.files_ready = True  # False: an image block naming a fresh upload is refused (Slack not done yet)
        self._sockets: list[web.WebSocketResponse] = []
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)

    # ---- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> str:
        """Listen on a free loopback port; return the API root (what STYLIST_SLACK_API_URL is set to)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._method)
        app.router.add_get("/api/{method}", self._method)  # a few methods are GETs (files.info)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        app.router.add_get("/link", self._socket)
        await self._listen(app)
        return self.api_url

    @property
    def api_url(self) -> str:
        """Return the Web API root URL."""
        return f"{self.root}/api/"

    async def close(self) -> None:
        """Close the sockets and stop listening."""
        for ws in self._sockets:
            await ws.close()
        await super().close()

    # ---- scripting -------------------------------------------------------------------------------------------

    def add_file(self, data: bytes, name: str, mimetype: str, size: int | None = None) -> dict[str, Any]:
        """Store a file a member shares; return the file object Slack puts in the event (``size`` may lie)."""
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = (data, mimetype)
        url = f"{self.root}/files-pri/{file_id}/{name}"
        found = {"id": file_id, "name": name, "title": name, "mimetype": mimetype,
                 "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "",
                 "size": len(data) if size is None else size, "url_private": url, "url_private_download": url + "?dl=1"}
        self.file_objects[file_id] = found
        return found

    def fail(self, method: str, error: str, *, status: int = 200, retry_after: int | None = None, times: int = 1,
             channel: str | None = None) -> None:
        """Make the next ``times`` calls of ``method`` (to ``channel``, if given) fail with that error."""
        self._inject(method, Failure(status, error, retry_after, channel, times))

    async def envelope(self, kind: str, payload: dict[str, Any], limit_s: float = 30.0) -> str:
        """Send a Socket Mode envelope (events_api, slash_commands, interactive); return its id."""
        async with asyncio.timeout(limit_s):
            async with self._changed:
                await self._changed.wait_for(lambda: any(not ws.closed for ws in self._sockets))
        envelope_id = str(uuid.uuid4())
        message = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                   "accepts_response_payload": kind != "events_api"}
        ws = next(ws for ws in reversed(self._sockets) if not ws.closed)
        await ws.send_json(message)
        return envelope_id

    # ---- reading ---------------------------------------------------------------------------------------------

    def posted(self, channel: str | None = None, methods: tuple[str, ...] = POST_METHODS) -> list[Call]:
        """Return the messages the app posted (to one conversation), in order."""
        return [c for c in self.calls if c.method in methods and (channel is None or c.channel == channel)]

    def shared(self, channel: str | None = None) -> list[Upload]:
        """Return the files the app shared (into one conversation), in order."""
        return [u for u in self.uploads.values() if u.channel and (channel is None or u.channel == channel)]

    def seen_in(self, channel: str, member: str | None = None) -> str:
        """Return all a member could read in a conversation: public posts, shares, and ephemerals for them."""
        parts = []
        for call in self.posted(channel):
            if call.method == "chat.postMessage" or call.params.get("user") == member:
                parts.append(call.text)
        parts += [f"{u.comment}\n{u.title}\n{u.alt}" for u in self.shared(channel)]
        return "\n".join(parts)

    # ---- the API ---------------------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: decode_form_value(v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            params.update({k: decode_form_value(v) for k, v in form.items() if isinstance(v, str)})
        return params

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or str(params.pop("token", ""))
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        call = Call(method, params)
        self.calls.append(call)
        await self._notify()
        await self._held(method)
        failure = self._take_failure(method, call.channel)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.message}, status=failure.status, headers=headers)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        result = await handler(call)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, **result})

    async def _api_auth_test(self, call: Call) -> dict[str, Any]:
        return {"url": "https://stylist-test.slack.com/", "team": "Stylist Test", "user": "stylist",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0000BOT"}

    async def _api_apps_connections_open(self, call: Call) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.root.rsplit(':', 1)[1]}/link"}

    async def _api_conversations_open(self, call: Call) -> dict[str, Any]:
        user = str(call.params.get("users", ""))
        return {"channel": {"id": f"D{user}"}}

    async def _api_chat_postMessage(self, call: Call) -> dict[str, Any]:
        return {"channel": call.channel, "ts": f"{time.time():.0f}.{next(self._ts):06d}"}

    async def _api_chat_postEphemeral(self, call: Call) -> dict[str, Any]:
        return {"message_ts": f"{time.time():.0f}.{next(self._ts):06d}"}

    async def _api_files_getUploadURLExternal(self, call: Call) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        self.uploads[file_id] = Upload(file_id, str(call.params.get("filename")), int(call.params.get("length", 0)),
                                       alt=str(call.params.get("alt_txt") or ""))
        return {"upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404)
        upload.data = await request.read()
        return web.Response(text=f"OK - {len(upload.data)}")

    async def _api_files_completeUploadExternal(self, call: Call) -> dict[str, Any] | web.Response:
        done = []
        for item in call.params.get("files") or []:
            upload = self.uploads.get(str(item.get("id")))
            if upload is None or len(upload.data) != upload.length:
                return web.json_response({"ok": False, "error": "file_not_found"})
            upload.title = str(item.get("title") or "")
            upload.channel = call.params.get("channel_id") or None
            upload.thread_ts = call.params.get("thread_ts") or None
            upload.comment = str(call.params.get("initial_comment") or "")
            done.append({"id": upload.file_id, "title": upload.title, "name": upload.filename})
        await self._notify()
        return {"files": done}

    async def _api_files_info(self, call: Call) -> dict[str, Any] | web.Response:
        found = self.file_objects.get(str(call.params.get("file")))
        return {"file": found} if found else web.json_response({"ok": False, "error": "file_not_found"})

    async def _api_views_publish(self, call: Call) -> dict[str, Any] | web.Response:
        view = call.params.get("view") or {}
        for block in view.get("blocks", []):
            if block.get("type") == "image" and not self.files_ready:
                return web.json_response({"ok": False, "error": "invalid_blocks",
                                          "errors": ["invalid slack file [json-pointer:/view/blocks/0/slack_file]"]})
        self.views[str(call.params.get("user_id"))] = view
        await self._notify()
        return {"view": {"id": "V1", **view}}

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        auth = request.headers.get("Authorization", "")
        self.downloads.append((file_id, auth))
        if auth != f"Bearer {self.bot_token}":  # as Slack does: a sign-in page instead of the file
            return web.Response(status=302, headers={"Location": "https://slack.com/signin"}, content_type="text/html")
        data, mimetype = self.files.get(file_id, (b"", ""))
        return web.Response(body=data, content_type=mimetype or "application/octet-stream")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        await self._notify()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                self.acks[str(ack.get("envelope_id"))] = ack
                await self._notify()
        return ws

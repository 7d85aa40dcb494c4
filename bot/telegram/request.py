"""python-telegram-bot's HTTP over aiohttp instead of httpx.

PTB sends every Bot API call and file download through a ``BaseRequest``; its default, httpx, costs about 7 ms of
the event loop's CPU per request when 50 requests are in flight (aiohttp: about 0.6 ms, same loopback server, same
run; BENCHMARKS.md "Telegram and the morning push"). A photo takes four to five requests (getUpdates share, getFile,
the download, "typing...", the reply), and all of them run on the one event loop that also drives every turn, so
with many users at once httpx was the adapter's largest cost. aiohttp is already the web chat's server.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]

# PTB's own defaults (HTTPXRequest), in seconds.
READ_S, WRITE_S, CONNECT_S, POOL_S, MEDIA_WRITE_S = 5.0, 5.0, 5.0, 1.0, 20.0


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` with one aiohttp session: ``connections`` at most at once (one for getUpdates)."""

    def __init__(self, connections: int = 256, read_timeout: float | None = READ_S) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            # trust_env: HTTPS_PROXY and friends are honoured, as httpx (PTB's default) does
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT},
                                                  trust_env=True)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return the status and the body. Timeouts raise ``TimedOut``, other failures
        ``NetworkError``, as PTB's own request class does."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        data: aiohttp.FormData | dict[str, str] | None = fields or None
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        timeout = _timeout(_given(read_timeout, self._read_timeout),
                           _given(write_timeout, MEDIA_WRITE_S if files else WRITE_S),
                           _given(connect_timeout, CONNECT_S), _given(pool_timeout, POOL_S), bounded=method != "GET")
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc


def _given(value: float | None | object, default: float | None) -> float | None:
    """Return a timeout the caller gave, or the default when they left PTB's DEFAULT_NONE."""
    if value is None or isinstance(value, (int, float)):
        return value
    return default


def _timeout(read: float | None, write: float | None, connect: float | None, pool: float | None, *,
             bounded: bool) -> aiohttp.ClientTimeout:
    """Map PTB's four timeouts onto aiohttp's: waiting for a connection plus connecting, and each socket read.
    aiohttp has no write timeout, so a request that sends something (``bounded``) is bounded as a whole by their sum
    when every part has one; a download is not (a big file on a slow link may take long, each read is bounded)."""
    parts = (read, write, connect, pool)
    total = sum(p for p in parts if p is not None) if bounded and all(p is not None for p in parts) else None
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)

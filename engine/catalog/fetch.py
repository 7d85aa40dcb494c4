"""Fetching feed images: local files, or http(s) URLs concurrently with timeouts, a size cap and retries.

The size cap is checked twice, both before the body is held: the declared ``Content-Length`` first, then the
bytes as they stream in (a server may lie or send none). Timeouts, connection errors, 429 and 5xx are
retried with exponential backoff; 404 and other client errors are not (asking again changes nothing).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import aiohttp

from engine.catalog.guard import AddressRefused, GuardedResolver, check_url

MAX_REDIRECTS = 5
BACKOFF_S = 0.25


class FetchFailed(Exception):
    """An image could not be fetched; the message says why (shown in the import summary)."""


class _Retry(Exception):
    """A failure worth another try."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How images are fetched: the cap, the timeout per try, the tries, concurrency, private addresses."""

    max_bytes: int
    timeout_s: float = 15.0
    retries: int = 2
    concurrency: int = 16
    allow_private: bool = False


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def is_url(image: str) -> bool:
    """Whether a feed's image field is a URL (anything with a scheme); else it is a local path."""
    return "://" in image[:16] or image.lower().startswith(("data:", "file:"))


def local_path(image: str, base: Path) -> Path:
    """Return the file a feed's image path names (relative paths are relative to the feed's folder)."""
    path = Path(image).expanduser()
    return path if path.is_absolute() else base / path


def source_stamp(image: str, base: Path) -> str:
    """Return what identifies an image's content without reading it: the URL, or the path with size and mtime."""
    if is_url(image):
        return image
    try:
        stat = local_path(image, base).stat()
    except OSError:
        return image
    return f"{image}#{stat.st_size}:{stat.st_mtime_ns}"


class ImageFetcher:
    """Fetches images of one import; use as ``async with ImageFetcher(policy, base) as fetch``."""

    def __init__(self, policy: FetchPolicy, base: Path) -> None:
        self.policy = policy
        self.base = base
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(policy.concurrency)

    async def __aenter__(self) -> ImageFetcher:
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(self.policy.allow_private),
                                         limit=self.policy.concurrency)
        self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": "stylist-catalog/1"})
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch(self, image: str) -> bytes:
        """Return an image's bytes, or raise ``FetchFailed`` saying why."""
        if not is_url(image):
            return await asyncio.to_thread(self._read_file, image)
        if not image.lower().startswith(("http://", "https://")):
            raise FetchFailed(f"unsupported image address {image[:40]!r}: use http(s) or a file path")
        async with self._slots:
            last = ""
            for attempt in range(self.policy.retries + 1):
                if attempt:
                    await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
                try:
                    return await self._get(image)
                except _Retry as exc:
                    last = str(exc)
            tries = self.policy.retries + 1
            raise FetchFailed(f"{last} (gave up after {tries} {'try' if tries == 1 else 'tries'})")

    def _read_file(self, image: str) -> bytes:
        path = local_path(image, self.base)
        try:
            size = path.stat().st_size
            if size > self.policy.max_bytes:
                raise FetchFailed(f"image too big: {_mb(size)} over the {_mb(self.policy.max_bytes)} limit")
            return path.read_bytes()
        except FileNotFoundError:
            raise FetchFailed(f"no such image file: {path}") from None
        except IsADirectoryError:
            raise FetchFailed(f"image path is a folder: {path}") from None
        except OSError as exc:
            raise FetchFailed(f"cannot read image file {path}: {exc.strerror or exc}") from None

    async def _get(self, url: str) -> bytes:
        assert self._session is not None, "use the fetcher as an async context manager"
        timeout = aiohttp.ClientTimeout(total=self.policy.timeout_s)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                await check_url(url, allow_private=self.policy.allow_private)
            except AddressRefused as exc:
                raise FetchFailed(str(exc)) from None
            try:
                async with self._session.get(url, allow_redirects=False, timeout=timeout) as response:
                    if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                        url = urljoin(url, response.headers["Location"])
                        continue
                    return await self._body(response)
            except TimeoutError:
                raise _Retry(f"timed out after {self.policy.timeout_s:g} s") from None
            except AddressRefused as exc:  # raised by the resolver at connection time
                raise FetchFailed(str(exc)) from None
            except aiohttp.ClientError as exc:
                if isinstance(exc.__cause__, AddressRefused) or "refused to fetch" in str(exc):
                    raise FetchFailed(str(exc.__cause__ or exc)) from None
                raise _Retry(f"connection failed ({type(exc).__name__}: {exc})"[:200]) from None
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    async def _body(self, response: aiohttp.ClientResponse) -> bytes:
        status = response.status
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status} {response.reason or ''}".strip())
        if status != 200:
            raise FetchFailed(f"HTTP {status} {response.reason or ''}".strip())
        cap = self.policy.max_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            raise FetchFailed(f"image too big: {_mb(declared)} declared, over the {_mb(cap)} limit; not downloaded")
        body = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > cap:
                raise FetchFailed(f"image too big: over the {_mb(cap)} limit while downloading; stopped")
        return bytes(body)


"""Where feed images may come from: never this machine or its private networks, unless the operator allows it.

A feed is data from outside; an image URL pointing at ``127.0.0.1``, ``169.254.169.254`` (a cloud's metadata
service) or ``10.x`` would make the importer fetch from inside the operator's network (SSRF). Each URL's host
is resolved and *every* address checked before a request, again on every redirect, and once more when
the connection is made (the resolver below), so a name that resolves differently the second time is caught too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(OSError):
    """A URL's host is (or resolves to) an address the importer may not fetch from."""


def forbidden(address: Address) -> bool:
    """Whether fetching from ``address`` could reach this machine or a private network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_link_local or address.is_private or address.is_reserved
            or address.is_multicast or address.is_unspecified or not address.is_global)


def _refusal(host: str, address: str) -> str:
    named = host if host == address else f"{host} ({address})"
    return (f"refused to fetch from {named}: a loopback, link-local or private address "
            "(set STYLIST_CATALOG_ALLOW_PRIVATE=true to allow it)")


def check_addresses(host: str, addresses: list[str]) -> None:
    """Raise ``AddressRefused`` when any of a host's addresses is forbidden."""
    for text in addresses:
        if forbidden(ipaddress.ip_address(text.split("%")[0])):
            raise AddressRefused(_refusal(host, text))


async def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host is, or resolves to, a forbidden address (unless private addresses are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"not an http(s) URL: {url[:80]}")
    if allow_private:
        return
    host = parts.hostname
    try:
        check_addresses(host, [str(ipaddress.ip_address(host))])
        return
    except ValueError:
        pass  # a name, not an address literal
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 0, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"cannot resolve {host}: {exc.strerror}") from None
    check_addresses(host, [str(info[4][0]) for info in infos])


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing forbidden addresses at connection time (after any redirect, on every retry)."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = ThreadedResolver()
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        """Resolve ``host`` and refuse it when any of its addresses is forbidden."""
        results = await self._inner.resolve(host, port, family)
        if not self._allow_private:
            check_addresses(host, [str(r["host"]) for r in results])
        return results

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

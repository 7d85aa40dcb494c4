"""The importer's SSRF guard: loopback, link-local, private and reserved addresses, literal or resolved."""

from __future__ import annotations

import pytest

from engine.catalog.guard import AddressRefused, check_url


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/a.jpg", "http://127.8.9.10:8080/a.jpg", "http://[::1]/a.jpg", "http://localhost/a.jpg",
    "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/a.jpg", "http://192.168.1.1/a.jpg",
    "http://172.16.5.4/a.jpg", "http://[fe80::1]/a.jpg", "http://[fd00::1]/a.jpg", "http://0.0.0.0/a.jpg",
    "http://[::ffff:10.0.0.1]/a.jpg", "http://240.0.0.1/a.jpg", "http://100.64.0.1/a.jpg",
])
async def test_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(AddressRefused, match="refused to fetch"):
        await check_url(url, allow_private=False)


async def test_the_operator_may_allow_them_and_public_literals_pass() -> None:
    await check_url("http://127.0.0.1/a.jpg", allow_private=True)
    await check_url("http://93.184.216.34/a.jpg", allow_private=False)  # checked, not connected to
    with pytest.raises(AddressRefused, match="not an http"):
        await check_url("file:///etc/passwd", allow_private=True)

"""Replayed and retried deliveries: Slack retries an event it thinks was not acknowledged (same ``event_id``), and
a captured request could be sent again within the five minutes its signature stays valid. Each is processed once.

Ids are remembered after the signature check (bolt's verification runs before our middleware), so a forged
request cannot block the real one by claiming its id first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class SeenEvents:
    """The ids seen in the last ``ttl_s`` seconds (at most ``size``, oldest forgotten first)."""

    def __init__(self, size: int = 10_000, ttl_s: float = 3600.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.ttl_s = ttl_s  # Slack retries within minutes and signatures expire after five
        self._monotonic = monotonic
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first(self, event_id: object) -> bool:
        """Return True the first time an id is seen (and for requests without an id); False for a repeat."""
        if not isinstance(event_id, str) or not event_id:
            return True
        now = self._monotonic()
        while self._seen and (len(self._seen) >= self.size or next(iter(self._seen.values())) < now - self.ttl_s):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True

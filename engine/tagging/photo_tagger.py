"""Tagging without a wardrobe: photos in, tags out, nothing stored (``stylist tag``, a "what is this?" question)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from config.settings import Settings
from engine.encoders.base import Encoder
from engine.tagging.tagger import Tagger, build_tagger
from engine.types import PhotoInput, Rejected, Tagged

BATCH = 32  # photos decoded and encoded at a time, bounding memory for large imports


class PhotoTagger:
    """Tags photos in encoder batches off the event loop; results keep the input order."""

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger

    @classmethod
    async def open(cls, settings: Settings, *, encoder: Encoder | None = None) -> PhotoTagger:
        """Load the configured encoder (unless one is given) and return a tagger for ``settings``."""
        return cls(await asyncio.to_thread(build_tagger, settings, encoder))

    async def tag_photos(self, photos: Sequence[PhotoInput]) -> list[Tagged | Rejected]:
        """Tag photos without storing anything; a photo that cannot be read comes back as ``Rejected``."""
        results: list[Tagged | Rejected] = []
        for start in range(0, len(photos), BATCH):
            chunk = list(photos[start : start + BATCH])
            results.extend(await asyncio.to_thread(self.tagger.tag_photos, chunk))
        return results

    async def close(self) -> None:
        """Release what the tagger holds (nothing today; call it anyway, the encoder may grow a worker)."""

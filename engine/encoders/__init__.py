"""Vision encoder backends, chosen by ``Settings.encoder``."""

from __future__ import annotations

from config.settings import Settings
from engine.encoders.base import Encoder, HeadOutput, l2_normalise
from engine.errors import EncoderUnavailable

__all__ = ["Encoder", "HeadOutput", "l2_normalise", "load_encoder"]


def load_encoder(settings: Settings) -> Encoder:
    """Build the encoder named by ``settings.encoder`` (loads weights; call once per process)."""
    name = settings.encoder
    if name == "embedded":
        from engine.encoders.embedded import EmbeddedEncoder

        return EmbeddedEncoder(settings)
    if name.startswith("clip:"):
        from engine.encoders.clip import ClipEncoder

        model = name.split(":", 1)[1].strip()
        if not model:
            raise EncoderUnavailable("STYLIST_ENCODER=clip: needs a model, e.g. clip:patrickjohncyh/fashion-clip")
        return ClipEncoder(settings, model)
    if name.startswith("open_clip:"):
        raise EncoderUnavailable(
            f"encoder {name!r}: the open_clip backend arrives in a later version (open_clip is not "
            "installed); use a sentence-transformers CLIP model instead, e.g. "
            "STYLIST_ENCODER=clip:patrickjohncyh/fashion-clip, or STYLIST_ENCODER=embedded"
        )
    raise EncoderUnavailable(
        f"unknown encoder {name!r}: expected 'embedded', 'clip:<model>' or 'open_clip:<model>'"
    )

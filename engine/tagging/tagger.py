"""Photos to tags: encoder heads for category and type, pixels for colour and pattern, rules for the rest."""

from __future__ import annotations

import numpy as np
from PIL import Image

from config.settings import Settings
from config.vocabulary import CONFIRM_BELOW, Vocabulary, load_vocabulary
from engine.encoders import load_encoder
from engine.encoders.base import IMAGENET_HEAD, Encoder, HeadOutput
from engine.errors import ImageRejected
from engine.images.decoding import decode_image
from engine.tagging.attributes import infer_formality, infer_pattern, infer_seasons
from engine.tagging.colors import extract_colors
from engine.tagging.formality import shown_formality
from engine.tagging.kinds import Decision, Rule, decide, load_kind_map
from engine.types import PhotoInput, Rejected, Tagged, Tags
from models.pixels import FloatArray, working_lab

MAX_SIDE = 2048
#: Below this spread of lightness and of colour (CIELAB units, at working size) a photo is one flat colour. The
#: flattest of the 4,379 real garment photos in shared/data spreads 3.8 / 3.9; a plain synthetic image about 0.
BLANK_SPREAD = 1.5


def _flat(lab: FloatArray) -> bool:
    """Whether a working-size CIELAB image is (almost) one flat colour."""
    chroma_spread = float(np.hypot(lab[..., 1].std(), lab[..., 2].std()))
    return float(lab[..., 0].std()) < BLANK_SPREAD and chroma_spread < BLANK_SPREAD


class Tagger:
    """Runs the encoder once per batch and derives every tag from its outputs and the pixels."""

    def __init__(self, encoder: Encoder, vocabulary: Vocabulary, *, max_bytes: int, max_pixels: int) -> None:
        self.encoder = encoder
        self.vocabulary = vocabulary
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.kind_rule = Rule.load()
        #: The encoder's formality probe (loaded with it, only with the ImageNet branch), or None: then formality
        #: comes from the type, colour, pattern and the ImageNet formal/sport classes.
        self.formality_probe = encoder.formality_probe

    def decode(self, photo: PhotoInput, *, refuse_blank: bool = True) -> Image.Image:
        """Decode a photo safely within the size limits, or raise ``ImageRejected``.

        A photo of one flat colour (a lens cap, a blank screen, an empty wall) shows no garment: the network would
        still name a type with confidence, so it is refused with a message instead. Stored originals being
        re-embedded pass ``refuse_blank=False``: what was accepted once stays readable.
        """
        return self.decode_with_lab(photo, refuse_blank=refuse_blank)[0]

    def decode_with_lab(self, photo: PhotoInput, *, refuse_blank: bool = True) -> tuple[Image.Image, FloatArray | None]:
        """Return the decoded RGB photo and, when the blank check ran, its working-size CIELAB image (which
        tagging measures colours and texture on: computed once)."""
        # Nothing downstream uses more than 2048 px (the stored original is capped there): big JPEGs are decoded
        # at a reduced scale, which is several times faster and uses a fraction of the memory.
        image = decode_image(photo.data, name=photo.name, max_bytes=self.max_bytes, max_pixels=self.max_pixels,
                             max_side=MAX_SIDE)
        if not refuse_blank:
            return image, None
        lab = working_lab(image)  # decode_image returns RGB
        if _flat(lab):
            raise ImageRejected(
                "the photo is one flat colour and shows no garment; photograph the whole garment against a "
                "contrasting background",
                source=photo.name,
            )
        return image, lab

    def tag_photos(self, photos: list[PhotoInput]) -> list[Tagged | Rejected]:
        """Decode and tag photos in one encoder batch, keeping input order (blocking)."""
        images: list[Image.Image] = []
        labs: list[FloatArray | None] = []
        slots: list[Rejected | None] = []
        for photo in photos:
            try:
                image, lab = self.decode_with_lab(photo)
            except ImageRejected as exc:
                slots.append(Rejected(photo.name, exc.reason))
                continue
            images.append(image)
            labs.append(lab)
            slots.append(None)
        tagged = iter(self.tag(images, labs))
        return [slot if slot is not None else next(tagged) for slot in slots]

    def tag(self, images: list[Image.Image], labs: list[FloatArray | None] | None = None) -> list[Tagged]:
        """Tag RGB images (blocking: call from a worker thread).

        ``labs``: each image's ``models.pixels.working_lab`` where the caller has it (None entries are computed).
        """
        if not images:
            return []
        embeddings, heads = self.encoder.see(images)
        labs = labs if labs is not None else [None] * len(images)
        seen = self._formality_seen(embeddings, heads)
        return [
            Tagged(self._tags_for(image, heads, embeddings[row], row, lab, seen[row] if seen else None),
                   embeddings[row])
            for row, (image, lab) in enumerate(zip(images, labs, strict=True))
        ]

    def _formality_seen(self, embeddings: np.ndarray, heads: dict[str, HeadOutput]) -> list[dict[str, float]] | None:
        """Return the probe's formality probabilities per photo (one call per batch), or None without a probe."""
        if self.formality_probe is None or IMAGENET_HEAD not in heads:
            return None
        probs = self.formality_probe.probs(embeddings, heads[IMAGENET_HEAD].probs)
        return [dict(zip(self.formality_probe.labels, row.tolist(), strict=True)) for row in probs]

    def tag_decoded(self, items: list[tuple[Image.Image, FloatArray | None]]) -> list[Tagged]:
        """Tag what :meth:`decode_with_lab` returned (the micro-batcher's unit of work; blocking)."""
        return self.tag([image for image, _ in items], [lab for _, lab in items])

    def _tags_for(
        self, image: Image.Image, heads: dict[str, HeadOutput], embedding: np.ndarray, row: int,
        lab: FloatArray | None = None, seen: dict[str, float] | None = None,
    ) -> Tags:
        kind = self._kind(heads, row)
        category, category_conf, type_name, type_conf = kind.category, kind.category_conf, kind.type, kind.type_conf
        if lab is None:
            lab = working_lab(image)  # once: the garment mask, colours and texture are all measured on it
        colour = extract_colors(image, lab)
        if "pattern" in heads:  # a joint image-text backend answers by zero-shot prompts
            pattern, pattern_conf = heads["pattern"].top(row)
        else:
            pattern, pattern_conf = infer_pattern(image, colour.mask, embedding, self.encoder.pattern_head, lab)
        if seen is not None and self.formality_probe is not None and type_name in self.formality_probe.types:
            shown = shown_formality(type_name, seen, self.formality_probe.minimums, vocabulary=self.vocabulary)
            if shown.switched:  # the photo shows another kind of that garment (a Loafer shown casual: shoes)
                # ... but a kind named this way was right 4 times in 16 on validation: always asked about
                type_name, type_conf = shown.type, min(type_conf, shown.confidence, CONFIRM_BELOW - 0.01)
            formality, formality_conf = shown.formality, shown.confidence
        else:
            formality, formality_conf = infer_formality(type_name, colour.colors, pattern, kind.formality,
                                                        kind.formality_conf)
        seasons, seasons_conf = infer_seasons(type_name, colour.colors)
        return Tags(
            category=category,
            type=type_name,
            colors=colour.colors,
            pattern=pattern,
            formality=formality,
            seasons=seasons,
            confidence={
                "category": category_conf,
                "type": type_conf,
                "colors": colour.confidence,
                "pattern": pattern_conf,
                "formality": formality_conf,
                "seasons": seasons_conf,
            },
            candidates=kind.candidates,
        )

    def _kind(self, heads: dict[str, HeadOutput], row: int) -> Decision:
        """Return the garment heads' category and type, combined with the ImageNet branch where there is one."""
        garment = Decision(*self._category_and_type(heads, row))
        if IMAGENET_HEAD not in heads:
            return garment
        kinds = load_kind_map()
        probs = heads[IMAGENET_HEAD].probs[row]
        head_types = dict(zip(heads["type"].labels, heads["type"].probs[row].tolist(), strict=True))
        return decide(garment, head_types, kinds.mass(probs[None])[0], probs, self.kind_rule, kinds, self.vocabulary)

    def _category_and_type(self, heads: dict[str, HeadOutput], row: int) -> tuple[str, float, str, float]:
        """Pick a category and a type that agree with each other.

        The category head and the type head (summed per category) vote together; the type is then the
        most likely type inside the chosen category, falling back to the category's generic type.
        """
        types = self.vocabulary.types
        cat_head, type_head = heads["category"], heads["type"]
        votes: dict[str, float] = {}
        for label, p in zip(cat_head.labels, cat_head.probs[row], strict=True):
            votes[label] = votes.get(label, 0.0) + 0.5 * float(p)
        for label, p in zip(type_head.labels, type_head.probs[row], strict=True):
            category = self.vocabulary.type_of(label).category
            votes[category] = votes.get(category, 0.0) + 0.5 * float(p)
        category = max(votes, key=votes.__getitem__)
        category_conf = votes[category]
        in_category = [
            (label, float(p))
            for label, p in zip(type_head.labels, type_head.probs[row], strict=True)
            if label in types and types[label].category == category
        ]
        if not in_category:
            return category, category_conf, self.vocabulary.default_type(category).name, category_conf
        type_name, p_type = max(in_category, key=lambda item: item[1])
        # The head's calibrated probability, not its share within the category. Under the encoder's low-confidence
        # threshold (chosen on validation) the type is never reported surer than such photos were right there
        # (``low_confidence_accuracy``): temperature scaling can stay too sure in that band (it did for the
        # five-view network: 0.47 right), and the dialog asks about what is under ``CONFIRM_BELOW``.
        confidence = min(category_conf, p_type)
        if float(type_head.probs[row].max()) < self.encoder.low_confidence_threshold:
            confidence = min(confidence, self.encoder.low_confidence_accuracy)
        return category, category_conf, type_name, confidence


def build_tagger(settings: Settings, encoder: Encoder | None = None) -> Tagger:
    """Build a tagger for ``settings``, loading the configured encoder unless one is given (blocking)."""
    return Tagger(
        encoder or load_encoder(settings),
        load_vocabulary(),
        max_bytes=settings.max_image_bytes,
        max_pixels=settings.max_image_pixels,
    )

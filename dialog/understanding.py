"""What the dialog understood of one utterance: an intent, its slots and a confidence (the NLU's contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Intent(StrEnum):
    """Everything a user can ask for. The values are the names used in data files and ``stylist intent``."""

    ADD_GARMENT = "add_garment"
    OUTFIT = "outfit"
    TODAY = "today"
    ANOTHER = "another"
    WARDROBE = "wardrobe"
    SHOW_ITEM = "show_item"
    CORRECT_ITEM = "correct_item"
    REMOVE_ITEM = "remove_item"
    LAUNDRY = "laundry"
    FIND_SIMILAR = "find_similar"
    GOES_WITH = "goes_with"
    SEARCH = "search"
    SHOPPING = "shopping"
    SETTINGS = "settings"
    FEEDBACK = "feedback"
    HELP = "help"
    FORGET_ME = "forget_me"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class ItemRef:
    """An owned item named in words ("my navy blazer"): resolved against the wardrobe by the handler."""

    type: str | None = None
    category: str | None = None
    colors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Slots:
    """Everything the utterance said besides its intent; every field is optional."""

    occasion: str | None = None  # a name from config/data/occasions.csv
    temp_c: float | None = None  # "12 degrees", or a typical value for "cold" / "hot"
    rain: bool | None = None
    day: date | None = None  # "tomorrow", "on Friday" (resolved against the user's today)
    colors: tuple[str, ...] = ()  # palette names mentioned
    type: str | None = None  # a garment type from config/data/types.csv
    category: str | None = None
    item: ItemRef | None = None  # "my navy blazer"
    count: int | None = None  # "three outfits"
    old_colors: tuple[str, ...] = ()  # correction: "that's navy, not black" -> colors=(navy,), old_colors=(black,)
    laundry: str | None = None  # "in" (dirty, in the wash) or "out" (clean again)
    feedback: str | None = None  # like, dislike, wore, not_today
    setting: str | None = None  # city, timezone, push_time, push_on, push_off, days
    value: str | None = None  # the setting's value as said ("Berlin", "7:30", "weekdays")
    min_price: float | None = None  # shopping: "over 30 euros", "between 30 and 80" (as said, unchecked)
    max_price: float | None = None  # shopping: "under 50 euros"

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form, leaving out empty slots."""
        out: dict[str, object] = {}
        for name in self.__slots__:  # type: ignore[attr-defined]
            value = getattr(self, name)
            if value is None or value == ():
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, ItemRef):
                value = {k: v for k, v in (("type", value.type), ("category", value.category),
                                           ("colors", list(value.colors))) if v}
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


@dataclass(frozen=True, slots=True)
class Understanding:
    """The intent of an utterance with its slots and how sure the model is (0-1)."""

    intent: Intent
    slots: Slots
    confidence: float

    def to_dict(self, text: str) -> dict[str, object]:
        """Return the ``stylist intent --json`` form."""
        return {"text": text, "intent": self.intent.value, "slots": self.slots.to_dict(),
                "confidence": round(self.confidence, 3)}

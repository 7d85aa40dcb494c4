"""Replies with pictures: a garment's thumbnail and tags, a look's collage, a choice between items."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from config.vocabulary import load_vocabulary
from dialog import texts
from dialog.messages import Action, ActionKind, Button, Picture, Reply
from engine import Garment, Look, Stylist, Weather, describe_fallback, describe_weather

MAX_PICTURES = 10  # one album on the chat platforms; the rest are counted in the text


def type_label(type_name: str) -> str:
    """Return how people say a garment type ("t-shirt", "blazer")."""
    return load_vocabulary().type_of(type_name).label or type_name


def item_name(garment: Garment) -> str:
    """Return a short name for a garment: its main colour and type, e.g. "navy blazer"."""
    colour = garment.tags.colors[0].name if garment.tags.colors else ""
    return f"{colour} {type_label(garment.tags.type)}".strip()


def tag_value(garment: Garment, field: str) -> str:
    """Return one tag of a garment as words."""
    tags = garment.tags
    values = {
        "category": tags.category, "type": type_label(tags.type), "pattern": tags.pattern,
        "formality": tags.formality, "colors": texts.listing([c.name for c in tags.colors]),
        "seasons": texts.listing(list(tags.seasons)),
    }
    return values.get(field, "")


def caption(garment: Garment) -> str:
    """Return a garment's tags as one caption line."""
    tags = garment.tags
    parts = [item_name(garment), tags.pattern, tags.formality]
    line = " · ".join(p for p in parts if p)
    return line + (texts.ITEM_CAPTION_LAUNDRY if garment.in_laundry else "")


#: What an unknown thing most often is, when the tagger named no likely kinds (an item stored before it did).
DEFAULT_KINDS = ("t-shirt", "pants", "bag", "scarf")


def kind_buttons(garment: Garment) -> tuple[tuple[Button, ...], ...]:
    """Return "what is it?" buttons for an ``other`` item: its likely kinds, then "something else"."""
    kinds = [k for k in garment.tags.candidates if k in load_vocabulary().types][:4] or list(DEFAULT_KINDS)
    buttons = [Button(type_label(k), Action(ActionKind.CORRECT_TAG, (garment.id, "type", k))) for k in kinds]
    buttons.append(Button(texts.BTN_SOMETHING_ELSE, Action(ActionKind.CORRECT_TAG, (garment.id, "type"))))
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def confirm_buttons(garment: Garment) -> tuple[tuple[Button, ...], ...]:
    """Return one row per unsure tag: confirm it, or fix it; for an unknown kind of thing, "what is it?"."""
    if garment.tags.category == "other" and "type" not in garment.corrected:
        return kind_buttons(garment)
    rows = []
    for field in garment.tags.to_confirm():
        value = tag_value(garment, field)
        value = value if len(value) <= 32 else field  # long season lists: the caption shows them
        rows.append((
            Button(texts.BTN_CONFIRM_TAG.format(value=value), Action(ActionKind.CONFIRM_TAG, (garment.id, field))),
            Button(texts.BTN_FIX_TAG.format(value=value), Action(ActionKind.CORRECT_TAG, (garment.id, field))),
        ))
    return tuple(rows)


def item_buttons(garment: Garment) -> tuple[tuple[Button, ...], ...]:
    """Return the buttons under one shown item: similar, laundry, remove."""
    laundry = (Button(texts.BTN_BACK, Action(ActionKind.LAUNDRY, (garment.id, "out"))) if garment.in_laundry
               else Button(texts.BTN_WASH, Action(ActionKind.LAUNDRY, (garment.id, "in"))))
    return ((Button(texts.BTN_SIMILAR, Action(ActionKind.SIMILAR, (garment.id,))), laundry,
             Button(texts.BTN_REMOVE, Action(ActionKind.REMOVE_ITEM, (garment.id,)))),)


async def garment_picture(stylist: Stylist, garment: Garment, *,
                          buttons: tuple[tuple[Button, ...], ...] = ()) -> Picture:
    """Return a garment's thumbnail with its tags as the caption."""
    data = await stylist.image(garment.user_id, garment.id)
    return Picture(data=data, caption=caption(garment), alt=item_name(garment), filename=f"{garment.id}.jpg",
                   buttons=buttons)


async def garment_pictures(stylist: Stylist, garments: Sequence[Garment], *, ask: bool = False,
                           limit: int = MAX_PICTURES) -> tuple[Picture, ...]:
    """Return thumbnails of up to ``limit`` garments; with ``ask``, each carries its unsure-tag buttons."""
    return tuple([await garment_picture(stylist, g, buttons=confirm_buttons(g) if ask else ())
                  for g in garments[:limit]])


def weather_line(weather: Weather | None) -> str:
    """Return the weather in a few words, e.g. "rain, 9 °C"."""
    if weather is None:
        return ""
    text = describe_weather(weather)
    return text[:1].upper() + text[1:]


def look_buttons(look_id: str) -> tuple[tuple[Button, ...], ...]:
    """Return the feedback buttons of a look."""
    def feedback(label: str, kind: str) -> Button:
        return Button(label, Action(ActionKind.FEEDBACK, (look_id, kind)))

    return ((feedback(texts.BTN_LIKE, "like"), feedback(texts.BTN_DISLIKE, "dislike")),
            (feedback(texts.BTN_WORE, "wore"), Button(texts.BTN_ANOTHER, Action(ActionKind.ANOTHER, (look_id,)))))


async def look_reply(stylist: Stylist, look: Look, *, missing: Sequence[str] = (), intro: str = "",
                     buttons: bool = True) -> Reply:
    """Return a look as its collage, its one-line reason and the weather, with feedback buttons."""
    collage = await stylist.collage(look, fmt="JPEG")
    weather = weather_line(look.weather)
    lines = [intro]  # the reason and the weather are the picture's caption: not said twice
    if look.fallback:  # the closest the wardrobe allows, and what would make it right
        line = describe_fallback(look)
        lines.append(line[:1].upper() + line[1:] + ".")
    elif missing:
        lines.append(texts.LOOK_MISSING.format(what=texts.listing(list(missing))).capitalize())
    text = "\n".join(line for line in lines if line)
    alt = texts.listing([item_name(g) for g in look.items])
    picture = Picture(data=collage, caption=texts.LOOK_CAPTION.format(reason=look.reason, weather=weather).strip(),
                      alt=alt, filename=f"look-{look.id}.jpg")
    rows = look_buttons(look.id) if buttons else ()
    if buttons and await stylist.shop_open():  # a catalog exists (or the demo one will on first use)
        rows = (*rows, (Button(texts.BTN_COMPLETE, Action(ActionKind.SHOP, ("look", look.id))),))
    return Reply(text=text, pictures=(picture,), buttons=rows,
                 extra={"kind": "look", "look_id": look.id})


async def choose_item(stylist: Stylist, garments: Sequence[Garment], action: Callable[[Garment], Action],
                      text: str = texts.WHICH_ONE) -> Reply:
    """Ask which of several garments is meant: a thumbnail of each with one button that acts on it."""
    pictures = [await garment_picture(stylist, g, buttons=((Button(texts.BTN_SHOW, action(g)),),))
                for g in garments[:MAX_PICTURES]]
    return Reply(text=text, pictures=tuple(pictures))

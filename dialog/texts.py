"""Every sentence the stylist says, in one place: short, friendly, concrete."""

from __future__ import annotations

from collections.abc import Sequence

# ---- general ------------------------------------------------------------------------------------------------

WELCOME = ("Hi! I'm your stylist. Send me photos of your clothes and I'll remember each piece, put outfits "
           "together for the weather and the occasion, and send you a look every morning.")
WELCOME_NEXT = "Want to try it with a sample wardrobe first, or set your city for the weather?"
TRY_SAMPLES = "Try a sample wardrobe"
SET_CITY = "Set my city"
SKIP = "Skip"
NO_SAMPLES = "There's no sample wardrobe here, but you can send me photos of your own clothes any time."
SAMPLES_ADDED = "Added {n} sample pieces to your wardrobe. Ask me \"what should I wear today?\" to see a look."
ASK_CITY = "Which city are you in? I use it for the weather (e.g. \"Berlin\")."
ASK_PUSH_TIME = "When should I send your morning look? (e.g. \"7:30\")"
NO_PUSH = "No morning looks"
ONBOARDING_DONE = "All set! Send me photos of your clothes, or ask \"what should I wear today?\""
ONBOARDING_SKIPPED = "No problem. Send me photos of your clothes whenever you like, or type \"help\"."

HELP = ("Here's what I can do:\n"
        "• Send photos of your clothes: I tag and remember them.\n"
        "• \"What should I wear to work?\" or \"what's my look today?\"\n"
        "• \"Show my wardrobe\", \"show my navy blazer\", \"the blue jeans are in the wash\"\n"
        "• A photo + \"like this?\" finds similar pieces you own\n"
        "• \"Something warm and navy\" searches your wardrobe\n"
        "• \"Settings\" for your city and the morning look\n"
        "• \"Forget me\" deletes everything I know about you")
FALLBACK = "I'm not sure what you mean. I can put outfits together, keep your wardrobe and more:"
EMPTY_MESSAGE = "Send me a message or photos of your clothes. Type \"help\" to see what I can do."
TOO_LONG = "That message is too long for me ({n:,} characters). Could you say it in a sentence or two?"
TOO_MANY_PHOTOS = "That's a lot at once: I took the first {n} photos. Send the rest in another message."
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
STALE_BUTTON = "That button has expired or isn't yours, so I did nothing. Here's what I can do now:"
CANCELLED = "OK, nothing changed."

BTN_TODAY = "Today's look"
BTN_OUTFIT = "Outfit for work"
BTN_WARDROBE = "My wardrobe"
BTN_HELP = "Help"
BTN_SETTINGS = "Settings"

# ---- wardrobe -----------------------------------------------------------------------------------------------

ADDED_ONE = "Added your {what}."
ADDED_MANY = "Added {n} pieces: {what}."
ALREADY_HAVE = "Already in your wardrobe: {names}."
REJECTED = "I couldn't add {name}: {reason}."
NOTHING_ADDED = "I couldn't add any of those photos."
MORE_NOT_SHOWN = "…and {n} more. Say \"show my wardrobe\" to see them all."
MORE_IN_WARDROBE = "…and {n} more. Ask for a part to see it, e.g. \"show my tops\"."
UNSURE = "Not sure about the {fields}: tap to confirm or fix."
ASK_KIND = "I can't tell what this is. What is it? Tap the right kind, or \"something else\" to type it."
CONFIRMED = "Thanks, noted: {field} is {value}."
CORRECTED = "Got it: it's {value} now."
ASK_CORRECTION = "What is the right {field}? Tap one or type it."
NOT_A_VALUE = "I didn't catch a {field} in that. Try one of these:"
EMPTY_WARDROBE = "Your wardrobe is empty. Send me photos of your clothes to start."
WARDROBE_SUMMARY = "You have {pieces}: {counts}."
NO_MATCHING_ITEMS = "You don't have any {what} yet."
IN_LAUNDRY_NOTE = "In the laundry: {names}."
NO_SUCH_ITEM = "I can't find {what} in your wardrobe."
WHICH_ONE = "Which one do you mean?"
WHICH_ITEM = "Which piece do you mean? Say e.g. \"my navy blazer\", or tap one:"
ITEM_CAPTION_LAUNDRY = " · in the laundry"
CONFIRM_REMOVE = "Remove this {what} from your wardrobe?"
REMOVED = "Removed your {what}."
KEEP = "Keep it"
REMOVE = "Remove"
LAUNDRY_IN = "Your {what} is in the laundry: I'll leave it out of looks until it's back."
LAUNDRY_OUT = "Your {what} is back: I'll use it in looks again."
LAUNDRY_ALL_OUT = "Everything is back from the laundry ({pieces})."
LAUNDRY_NONE = "Nothing is in the laundry."
WHAT_TO_CORRECT = "What should I change about your {what}? E.g. \"it's navy\" or \"it's a skirt\"."
SIMILAR_FOUND = "The closest pieces you own:"
SIMILAR_NONE = "I found nothing similar in your wardrobe."
SEARCH_FOUND = "Here's what matches \"{query}\":"
SEARCH_NONE = "Nothing in your wardrobe matches \"{query}\"."
SEARCH_WHAT = "What should I look for? E.g. \"something warm and navy\"."
SIMILAR_WHAT = "Send me a photo with \"like this?\", or name a piece you own (\"like my navy blazer\")."

BTN_CONFIRM_TAG = "✓ {value}"
BTN_FIX_TAG = "✎ Not {value}"
BTN_SOMETHING_ELSE = "Something else"
BTN_SIMILAR = "Similar"
BTN_WASH = "In the wash"
BTN_BACK = "Back from the wash"
BTN_REMOVE = "Remove"
BTN_SHOW = "This one"

# ---- outfits ------------------------------------------------------------------------------------------------

LOOK_CAPTION = "{reason}\n{weather}"
LOOK_MISSING = "{what} would make this better."
LOOK_FALLBACK = "Closest I can do with your wardrobe."
NO_MORE_LOOKS = "That's every look I can make for this from your wardrobe. Add a few pieces for more."
ANOTHER_NOTHING = "Ask me for an outfit first, then I can show you another one."
FEEDBACK_WHICH = "Which look? Ask me for an outfit first, then tap like, dislike or wore it."
FEEDBACK_THANKS = {"like": "Glad you like it! I'll suggest more like this.",
                   "dislike": "Noted, I won't suggest that one again.",
                   "wore": "Nice! I'll keep those pieces out of the next few looks.",
                   "not_today": "OK, not today."}
BTN_LIKE = "👍 Like"
BTN_DISLIKE = "👎 Dislike"
BTN_WORE = "Wore it"
BTN_ANOTHER = "Another one"
GOES_WITH_OWNED = "Looks like your {what}. Here's how I'd wear it:"
GOES_WITH_NEW = "That {what} goes with {count} of your looks, with your {partners}. Buy it or not: here's how:"
GOES_WITH_NEW_ONE = "That {what} makes one look with what you have: {partners}. Here it is:"
GOES_WITH_NEW_NONE = "That {what} doesn't make a full look with your wardrobe yet. The closest I can do:"
GOES_WITH_NEW_BUTTONS = "Like it? Send the photo again with no words to add it to your wardrobe."

# ---- shopping, settings, forget me ------------------------------------------------------------------------

SHOP_NOT_READY = ("The shop isn't set up yet, so I can't show products. "
                  "I can style what you already own: ask me for an outfit.")
# shopping with a catalog (issue 13)
SHOP_COMPLETE = "These would complete your look:"
SHOP_GAPS_NONE = "Your wardrobe covers the basics: formal and smart pieces, and something warm. Nice!"
SHOP_GAP = "Your wardrobe has {gap}. From the shop:"
SHOP_GAP_EMPTY = "Your wardrobe has {gap}; the shop has nothing for it right now."
SHOP_PICKS = "From the shop, the {what} that go best with what you own:"
SHOP_PICKS_NONE = "The shop has no {what} right now."
SHOP_PICKS_CLOSEST = "The shop has no {what} right now; the closest, in {category}:"
SHOP_NO_LOOK = "Ask me for a look first, then I can show what would complete it. Meanwhile:"
SHOP_BUY = {"buy": "Buy it: {reason}.", "maybe": "Maybe: {reason}.", "skip": "I'd skip it: {reason}."}
SHOP_PUSH = "To complete today's look:"
SHOP_DEMO = "(demo shop)"
SHOP_PRICE_BAD = "I can't search with that price: {problem}. Try something like \"shoes under 50 euros\"."
SHOP_PICKS_OTHER_PRICES = "The shop has no {what} {range} right now; at other prices, cheapest first:"
SHOP_OPEN = "View in shop"  # the label of a product's link, beside its picture, title and price
BTN_COMPLETE = "Complete my look"
BTN_GAPS = "Wardrobe gaps"
BTN_BUY = "Buy it or not?"
SETTINGS_NOW = "Your city: {city}. Morning look: {push}."
PUSH_ON_AT = "at {time} on {days}"
PUSH_OFF = "off"
NO_CITY = "not set"
CITY_SET = "Got it, {city}. I'll dress you for the weather there."
CITY_OTHERS = "Not the one you meant? Tap the right one:"
CITY_UNKNOWN = "I don't know a city called \"{name}\". Try the name of a bigger city nearby."
LOCATION_SET = "Thanks, I'll use the weather where you are."
PUSH_TIME_SET = "I'll send your look at {time}."
PUSH_TIME_BAD = "I didn't catch a time. Say e.g. \"7:30\" or \"8am\"."
PUSH_ON = "Morning looks are on."
PUSH_OFF_SET = "Morning looks are off. Say \"turn on morning looks\" to get them back."
MORNING_LOOK = "Good morning! Here's your look for today."
DAYS_SET = "I'll send looks on {days}."
DAYS_BAD = "Say which days, e.g. \"weekdays\", \"every day\" or \"Monday, Wednesday\"."
TIMEZONE_SET = "Your time zone is {tz}."
SETTINGS_UNAVAILABLE = "I can't change that setting yet."
BTN_PUSH_ON = "Morning looks on"
BTN_PUSH_OFF = "Morning looks off"

FORGET_ASK = ("This deletes your wardrobe, photos, looks and settings for good. Are you sure?")
FORGET_YES = "Yes, delete everything"
FORGET_NO = "No, keep it"
FORGOTTEN = "Done: I deleted {pieces} and everything else I knew about you. Send a message to start over."
YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "sure", "ok", "okay", "confirm", "delete", "do it"})
NO_WORDS = frozenset({"no", "n", "nope", "cancel", "stop", "keep", "don't", "dont"})

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def listing(words: Sequence[str]) -> str:
    """Join words as people do: "a, b and c"."""
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


UNCOUNTABLE = frozenset({"outerwear", "innerwear", "other", "jewellery", "hosiery"})


def plural(word: str) -> str:
    """Return the plural of a garment word: "dress" -> "dresses", "jacket or coat" -> "jackets or coats"."""
    if " or " in word:
        return " or ".join(plural(part) for part in word.split(" or "))
    if word in UNCOUNTABLE or (word.endswith("s") and not word.endswith("ss")):
        return word  # shoes, jeans, trousers
    return word + ("es" if word.endswith(("ss", "sh", "ch", "x")) else "s")


def count_of(n: int, word: str) -> str:
    """Return "1 shirt" / "3 shirts" / "1 pair of shoes" / "2 pairs of trousers"."""
    if word.endswith("s") and not word.endswith("ss") and word not in UNCOUNTABLE:
        return f"{n} {'pair' if n == 1 else 'pairs'} of {word}"
    return f"{n} {word if n == 1 else plural(word)}"


def days_text(days: Sequence[int]) -> str:
    """Name push days: "every day", "weekdays", "weekends" or "Mon, Wed"."""
    chosen = sorted(set(days))
    if chosen == list(range(7)):
        return "every day"
    if chosen == list(range(5)):
        return "weekdays"
    if chosen == [5, 6]:
        return "weekends"
    return ", ".join(WEEKDAY_NAMES[d] for d in chosen if 0 <= d < 7)


def engine_error(message: str) -> str:
    """Return an engine error's (user-safe) message as a sentence."""
    message = message.strip() or SORRY
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."

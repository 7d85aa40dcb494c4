"""What the front-ends themselves say: input no platform-neutral dialog can take (stickers, voice, big files).

Everything else the stylist says is in ``dialog/texts.py``; these are the few answers an adapter gives before
a message could become an ``Incoming``.
"""

from __future__ import annotations

from dialog import texts as dialog_texts

# ---- Telegram's, and those Slack shares (TOO_BIG, DOWNLOAD_FAILED, PARTLY, FORGED_BUTTON: neutral wording) ----

STICKER = "Cute sticker! I can only read photos of clothes and text, though. Send me a photo or ask for a look."
VOICE = "I can't listen to voice or audio messages yet. Please type it, or send a photo of your clothes."
VIDEO = "I can't watch videos yet. Send a photo of each piece instead and I'll remember it."
NOT_AN_IMAGE = ("I can only read photos (JPEG, PNG, WebP), not {kind}. Send the picture itself, "
                "as a photo or as a file.")
TOO_BIG = "That file is {size} MB, more than the {limit} MB I can take. Please send a smaller photo of it."
UNSUPPORTED = "I can't read that kind of message. Send me text, a photo of your clothes, or your location."
DOWNLOAD_FAILED = "I couldn't download that photo. Please send it again."
PARTLY = "Some of those I couldn't use: {reasons}"  # an album (Telegram), several files (Slack)
FORGED_BUTTON = "That button has expired or isn't yours, so I did nothing."
SORRY = dialog_texts.SORRY
MORE_BELOW = "What next?"  # text of the message that carries buttons after an album (albums cannot have buttons)

# the command menu Telegram shows (command, description)
COMMANDS = (
    ("start", "Start: meet your stylist"),
    ("today", "Today's look"),
    ("outfit", "An outfit, e.g. /outfit for a wedding"),
    ("wardrobe", "Show my wardrobe"),
    ("settings", "City, morning look time"),
    ("help", "What I can do"),
    ("forget", "Delete everything about me"),
)

# ---- Slack: what the Slack app says itself (Slack's wording: files, DMs, threads, the App Home) ----------------

SLACK_NOT_AN_IMAGE = "I can only read photos (JPEG, PNG, WebP), not {kind}. Share the picture itself."
SLACK_SENT_TO_DM = "I've sent that to you in a direct message: your wardrobe stays between us."
SLACK_NOT_YOURS = "That button belongs to <@{owner}>, so I did nothing. Ask me yourself: mention me or use /stylist."
SLACK_SLASH_IN_DM = "On it: I'm answering in our direct messages."
SLACK_HOME_TITLE = "Your stylist"
SLACK_HOME_WELCOME = ("Hi! I'm your stylist. Open the *Messages* tab and send me photos of the clothes you own, "
                      "or say hi and I'll show you around.")
SLACK_HOME_TODAY = "*Today's look*"
SLACK_HOME_NO_LOOK = "No look for today yet: {why}"
SLACK_HOME_SETTINGS = "*Your settings*"
SLACK_HOME_SEND = "Send it to me"
SLACK_HOME_BUTTONS_FOR = "Buttons for <@{owner}>"

"""How products are shown: links with the operator's tracking parameters, prices with their currency."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "INR": "₹"}
NO_DECIMALS = {"JPY", "KRW"}


def tracked(url: str, tracking: str) -> str:
    """Return ``url`` with the tracking query parameters (``"utm_source=stylist&..."``) added; its own win."""
    if not tracking:
        return url
    parts = urlsplit(url)
    own = parse_qsl(parts.query, keep_blank_values=True)
    names = {name for name, _ in own}
    extra = [(k, v) for k, v in parse_qsl(tracking.lstrip("?"), keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(own + extra)))


def format_price(price: float, currency: str) -> str:
    """Return a price as people read it: ``€49.90``, ``$120``, ``¥5,000``, ``49.90 SEK``."""
    decimals = 0 if currency in NO_DECIMALS or float(price).is_integer() else 2
    amount = f"{price:,.{decimals}f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"

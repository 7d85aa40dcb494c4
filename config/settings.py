"""Runtime settings: environment variables prefixed ``STYLIST_`` plus an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Return the per-user data folder (XDG on Linux, ~/Library on macOS, %APPDATA% on Windows)."""
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home())) / "stylist"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "stylist"


# A bot token from @BotFather: the bot's numeric id, a colon, 35 URL-safe characters.
_TELEGRAM_TOKEN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{35}$")
# Telegram's rule for a webhook's secret_token: 1-256 of these characters.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Slack: a bot token (xoxb-<team>-<bot>-<secret>), an app-level token for Socket Mode (xapp-<n>-<app>-<n>-<hex>)
# and the app's signing secret (32 hex digits), as the app's settings pages show them.
_SLACK_BOT_TOKEN = re.compile(r"^xoxb-[0-9]{5,}-[0-9]{5,}-[A-Za-z0-9]{20,}$")
_SLACK_APP_TOKEN = re.compile(r"^xapp-[0-9]+-[A-Z0-9]{5,}-[0-9]{5,}-[a-f0-9]{32,}$")
_SLACK_SIGNING_SECRET = re.compile(r"^[a-f0-9]{32}$")


_SLACK_SECRETS = {  # field -> (pattern, what it should look like, for the one-line refusal)
    "slack_bot_token": (_SLACK_BOT_TOKEN, "a Slack bot token (xoxb-..., from OAuth & Permissions)"),
    "slack_app_token": (_SLACK_APP_TOKEN, "a Slack app-level token (xapp-1-..., from Basic Information)"),
    "slack_signing_secret": (_SLACK_SIGNING_SECRET, "a Slack signing secret (32 hex digits, from Basic Information)"),
}


class SettingsError(ValueError):
    """Raised with a human-readable message when a setting is invalid."""


_PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "token", "xxxxxxxxxxxxxxxx", "your-token-here"}


def is_loopback(host: str) -> bool:
    """Return True when ``host`` names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_web_exposure(host: str, token: SecretStr | str | None) -> None:
    """Refuse a web chat reachable from other machines unless it is protected by an access token."""
    if not is_loopback(host) and not token:
        raise SettingsError(
            f"STYLIST_WEB_TOKEN must be set to serve the web chat on {host} (not a loopback address); "
            "or keep STYLIST_WEB_HOST=127.0.0.1"
        )


class Settings(BaseSettings):
    """Everything the stylist can be configured with; validated once and passed in."""

    model_config = SettingsConfigDict(env_prefix="STYLIST_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    chroma_path: Path | None = None
    chroma_url: str | None = None
    encoder: str = "embedded"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_image_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_image_pixels: int = Field(default=40_000_000, gt=0)
    encoder_threads: int = Field(default=1, ge=1, le=64)
    model_cache_dir: Path | None = None
    recent_days: int = Field(default=7, ge=0, le=365)
    # live weather (Open-Meteo forecast API); an empty URL turns it off and looks use seasonal defaults
    weather_url: str | None = "https://api.open-meteo.com/v1/forecast"
    weather_timeout_s: float = Field(default=3.0, gt=0, le=30)
    # Telegram: set the token to start the bot; the API URL may point at a self-hosted Bot API server
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None  # unset: long polling
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1:8081"  # where the webhook receiver listens (behind a proxy)
    # Slack: set the bot token to start the app; with the app token it connects by Socket Mode, without it it
    # receives the Events API over HTTP (signed with the signing secret) at slack_listen + /slack/events
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_listen: str = "127.0.0.1:3000"
    # morning push: how late a missed push may still go out, and how fast pushes are sent
    push_grace_minutes: int = Field(default=120, ge=5, le=24 * 60)
    push_rate_per_s: float = Field(default=20.0, gt=0, le=1000)
    # the local web chat: loopback by default; any other address needs the access token
    web_enabled: bool = True
    web_host: str = Field(default="127.0.0.1", min_length=1, max_length=253)
    web_port: int = Field(default=8080, ge=1, le=65535)
    web_token: SecretStr | None = None
    web_secret: SecretStr | None = None  # signs the browser cookies; generated and kept in the data dir if unset
    # ---- the shop's catalog (issue 13) ----
    # the bundled demonstration catalog is imported on first use while no shop feed has been imported
    catalog_demo: bool = True
    # feed images are never fetched from loopback, link-local, private or reserved addresses unless this is on
    catalog_allow_private: bool = False
    catalog_fetch_timeout_s: float = Field(default=15.0, gt=0, le=300)
    catalog_fetch_concurrency: int = Field(default=16, ge=1, le=256)
    catalog_fetch_retries: int = Field(default=2, ge=0, le=10)
    catalog_max_image_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # query parameters added to every product link, e.g. "utm_source=stylist&utm_medium=chat"
    shop_tracking: str = ""
    # tagging: the ImageNet-1k branch of the embedded encoder (bags, accessories, shoe kinds, unknown things);
    # off, the tagger knows only the garment heads' categories (the benchmarks time both)
    imagenet_branch: bool = True

    @field_validator("encoder")
    @classmethod
    def _known_encoder(cls, value: str) -> str:
        if value == "embedded" or value.startswith(("clip:", "open_clip:")):
            return value
        raise ValueError("must be 'embedded', 'clip:<model id or folder>' or 'open_clip:<model id>'")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("chroma_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value or None

    @field_validator("weather_url")
    @classmethod
    def _weather_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, or be empty to turn live weather off")
        return value or None

    @field_validator("telegram_token", mode="before")
    @classmethod
    def _telegram_token(cls, value: object) -> object:
        if value is None or value == "":
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str) or not _TELEGRAM_TOKEN.match(raw.strip()):
            # never echo the value: a real token pasted with a typo is still a secret
            raise ValueError("not a bot token from @BotFather (it looks like 123456789:AA... with 35 characters "
                             "after the colon); a placeholder is refused")
        return raw.strip()

    @field_validator("telegram_api_url")
    @classmethod
    def _telegram_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be the Bot API server's root URL, e.g. https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("telegram_webhook_url")
    @classmethod
    def _telegram_webhook_url(cls, value: str | None) -> str | None:
        if value and not value.startswith("https://"):
            raise ValueError("Telegram only delivers webhooks to an https:// URL")
        return value or None

    @field_validator("telegram_webhook_secret", mode="before")
    @classmethod
    def _telegram_webhook_secret(cls, value: object) -> object:
        if value is None or value == "":
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str) or not _WEBHOOK_SECRET.match(raw) or raw.lower() in _PLACEHOLDERS:
            raise ValueError("must be 1-256 letters, digits, _ or - (and not a placeholder)")
        return raw

    @field_validator("telegram_webhook_listen", "slack_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:8081")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and self.telegram_webhook_secret is None:
            raise ValueError("STYLIST_TELEGRAM_WEBHOOK_URL needs STYLIST_TELEGRAM_WEBHOOK_SECRET "
                             "(Telegram sends it with every update; requests without it are refused)")
        return self

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret", mode="before")
    @classmethod
    def _slack_secret(cls, value: object, info: ValidationInfo) -> object:
        if value is None or value == "":
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        pattern, looks = _SLACK_SECRETS[info.field_name or ""]
        if not isinstance(raw, str) or not pattern.match(raw.strip()):
            # never echo the value: a real secret pasted with a typo is still a secret
            raise ValueError(f"not {looks}; a placeholder is refused")
        return raw.strip()

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be the Web API's root URL, e.g. https://slack.com/api/")
        return value.rstrip("/") + "/"

    @model_validator(mode="after")
    def _slack_complete(self) -> Settings:
        if self.slack_app_token is not None and self.slack_bot_token is None:
            raise ValueError("STYLIST_SLACK_APP_TOKEN needs STYLIST_SLACK_BOT_TOKEN (the app answers with it)")
        if self.slack_bot_token is not None and self.slack_app_token is None and self.slack_signing_secret is None:
            raise ValueError("STYLIST_SLACK_BOT_TOKEN without STYLIST_SLACK_APP_TOKEN (Socket Mode) receives events "
                             "over HTTP and needs STYLIST_SLACK_SIGNING_SECRET to verify them")
        return self

    @field_validator("web_token", "web_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        secret = value.get_secret_value()
        if len(secret) < 16 or secret.lower() in _PLACEHOLDERS:
            raise ValueError("must be at least 16 characters and not a placeholder (try: openssl rand -hex 16)")
        return value

    @model_validator(mode="after")
    def _web_exposure(self) -> Settings:
        if self.web_enabled:
            check_web_exposure(self.web_host, self.web_token)
        return self

    @property
    def resolved_database_url(self) -> str:
        """Return the SQL URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'stylist.db'}"

    @property
    def resolved_chroma_path(self) -> Path:
        """Return the folder of the embedded Chroma index."""
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def blob_dir(self) -> Path:
        """Return the folder of content-addressed image blobs."""
        return self.data_dir / "blobs"

    @property
    def cache_dir(self) -> Path:
        """Return the folder for derived artefacts such as exported ONNX models."""
        return self.model_cache_dir or self.data_dir / "cache"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into one readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = str(err["msg"]).removeprefix("Value error, ")
            field = ".".join(str(p) for p in err["loc"])
            problems.append(f"STYLIST_{field.upper()}: {message}" if field else message)
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None

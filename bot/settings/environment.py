"""The environment: tokens, ports, paths and switches (FORUM_BOT_* and the platforms'
own names), read once at start and checked by pydantic.

Not pydantic-settings: importing it costs about 3.5 MiB of a running bot's memory (it
loads every source it offers: the command line, AWS, Azure, GCP, TOML, dotenv...) to read
a dozen variables, so `Settings` reads them itself, as pydantic-settings did here: names
matched case-insensitively, every value (defaults too) checked by the same model."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)

from bot.storage.base import is_postgres_url

Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
# A reverse proxy on this machine (see the README): the one trusted unless told otherwise.
LOOPBACK: Networks = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))

DEFAULT_CONFIG_NAME = "forum-2026.yaml"
# NAVER Cloud's Papago Text Translation endpoint (PAPAGO_URL overrides it, for tests).
PAPAGO_URL = "https://papago.apigw.ntruss.com/nmt/v1/translation"
TRANSLATORS = ("deepl", "papago")
DEFAULT_DB = Path("data") / "forum-bot.sqlite"


class Settings(BaseModel):
    """What comes from the environment. Secrets live only here, never in YAML or logs.

    `Settings()` reads `os.environ`; keyword arguments (by field name) win over it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, validate_default=True)

    def __init__(self, **values: Any) -> None:
        given = {_alias(name): value for name, value in values.items()}
        super().__init__(**(from_environment(os.environ) | given))

    config: Path | None = Field(None, validation_alias="FORUM_BOT_CONFIG")
    db: Path = Field(DEFAULT_DB, validation_alias="FORUM_BOT_DB")
    # PostgreSQL instead of the SQLite file (docs/postgresql.md): postgresql://user:pass@host/db.
    database_url: SecretStr | None = Field(None, validation_alias="FORUM_BOT_DATABASE_URL")
    web_host: str = Field("127.0.0.1", validation_alias="FORUM_BOT_WEB_HOST")
    web_port: int | None = Field(8080, validation_alias="FORUM_BOT_WEB_PORT", ge=0, le=65535)
    # Where people reach the web server (behind a proxy): links to the presenter screen.
    public_url: str = Field("", validation_alias="FORUM_BOT_PUBLIC_URL")
    # Live streams (presenter, moderators, audience) open at once; past it pages poll.
    max_viewers: int = Field(5000, validation_alias="FORUM_BOT_MAX_VIEWERS", ge=1)
    # Reverse proxies whose X-Forwarded-For names the client (empty: this machine's).
    trusted_proxies: str = Field("", validation_alias="FORUM_BOT_TRUSTED_PROXIES")
    log_level: str = Field("INFO", validation_alias="FORUM_BOT_LOG_LEVEL")
    secret: SecretStr | None = Field(None, validation_alias="FORUM_BOT_SECRET")
    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: str = Field("", validation_alias="DISCORD_GUILD_IDS")
    discord_api_base_url: str = Field(
        "https://discord.com/api/v10", validation_alias="DISCORD_API_BASE_URL"
    )
    discord_gateway_url: str = Field(
        "wss://gateway.discord.gg", validation_alias="DISCORD_GATEWAY_URL"
    )
    discord_application_id: str = Field("", validation_alias="DISCORD_APPLICATION_ID")
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_base_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_BASE_URL")
    slack_command_prefix: str = Field(
        "", validation_alias="SLACK_COMMAND_PREFIX", pattern=r"^[a-z0-9-]{0,10}$"
    )
    # Machine translation of Q&A questions (docs/translation.md): none unless named.
    deepl_auth_key: SecretStr | None = Field(None, validation_alias="DEEPL_AUTH_KEY")
    # Empty: the deepl package's own choice (api-free for a key ending in ":fx", else api).
    deepl_server_url: str = Field("", validation_alias="DEEPL_SERVER_URL")
    papago_client_id: str = Field("", validation_alias="PAPAGO_CLIENT_ID")
    papago_client_secret: SecretStr | None = Field(None, validation_alias="PAPAGO_CLIENT_SECRET")
    papago_url: str = Field(PAPAGO_URL, validation_alias="PAPAGO_URL")
    # Seconds a moderator waits at most for one translation.
    translate_timeout: float = Field(
        8.0, validation_alias="FORUM_BOT_TRANSLATE_TIMEOUT", ge=0.5, le=60
    )
    # Declared after the keys: its check reads them (pydantic checks fields in order).
    translate: str = Field("", validation_alias="FORUM_BOT_TRANSLATE")

    @field_validator("deepl_server_url", "papago_url")
    @classmethod
    def _http_address(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value or info.field_name == "papago_url":
            parts = urlsplit(value)
            # The value itself is not repeated: an address may carry a password.
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("not an http:// or https:// address")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        text = value.get_secret_value().strip() if value is not None else ""
        if not text:
            return None
        # The value itself is not repeated: it holds a password.
        if not is_postgres_url(text):
            raise ValueError("not a postgresql:// address (unset it for the SQLite file)")
        try:
            urlsplit(text).port  # noqa: B018  (a port that is not a number raises here)
        except ValueError:
            raise ValueError("its port is not a number") from None
        return SecretStr(text)

    def database(self, db: Path | None = None) -> Path | str:
        """Where the store is: the SQLite file --db names when given, else
        FORUM_BOT_DATABASE_URL's PostgreSQL, else the SQLite file FORUM_BOT_DB."""
        if db is not None:
            return db
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.db

    @field_validator("papago_client_id")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("translate")
    @classmethod
    def _translator(cls, value: str, info: ValidationInfo) -> str:
        # Refused at start, not at the first "Translate" press in the middle of a session.
        name = value.strip().lower()
        if name and name not in TRANSLATORS:
            raise ValueError(
                f"unknown translation service {value.strip()[:40]!r}: "
                "deepl or papago (empty for none)"
            )
        missing = []
        if name == "deepl" and not _given(info.data.get("deepl_auth_key")):
            missing.append("DEEPL_AUTH_KEY")
        if name == "papago":
            if not info.data.get("papago_client_id"):
                missing.append("PAPAGO_CLIENT_ID")
            if not _given(info.data.get("papago_client_secret")):
                missing.append("PAPAGO_CLIENT_SECRET")
        if missing:
            raise ValueError(f"{name} needs {' and '.join(missing)}, unset or empty here")
        return name

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        networks(value)  # refused at start, naming the part, rather than ignored
        return value

    @field_validator("slack_api_base_url")
    @classmethod
    def _api_slash(cls, value: str) -> str:
        # slack_sdk joins method names with urljoin: without the slash "api" is dropped.
        return value if value.endswith("/") else value + "/"

    @field_validator("discord_guild_ids")
    @classmethod
    def _check_guilds(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip() and not part.strip().isdigit():
                raise ValueError(f"guild ids are numbers separated by commas, not {part!r}")
        return value

    def guild_ids(self) -> tuple[int, ...]:
        """DISCORD_GUILD_IDS as numbers; empty means commands are synced globally."""
        return tuple(int(p) for p in self.discord_guild_ids.split(",") if p.strip())

    @field_validator("web_port", mode="before")
    @classmethod
    def _blank_port(cls, value: Any) -> Any:
        # FORUM_BOT_WEB_PORT="" or "off" turns the web server off.
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none"):
            return None
        return value

    def web_base(self, port: int | None) -> str:
        """The web server's address as people reach it (links to the presenter screen)."""
        return (self.public_url or f"http://{self.web_host}:{port}").rstrip("/")

    def secrets(self) -> list[str]:
        """Every secret value set, so logging can redact them."""
        found = []
        for value in (
            self.secret,
            self.discord_token,
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.deepl_auth_key,
            self.papago_client_secret,
            self.database_url,
            SecretStr(urlsplit(self.database_url.get_secret_value()).password or "")
            if self.database_url is not None
            else None,
            # Not secret alone, but half of Papago's credentials: kept out of logs too.
            SecretStr(self.papago_client_id),
        ):
            if value is not None and value.get_secret_value():
                found.append(value.get_secret_value())
        return found


def _given(secret: Any) -> bool:
    """A secret that is set and not blank."""
    return isinstance(secret, SecretStr) and bool(secret.get_secret_value().strip())


def networks(text: str) -> Networks:
    """FORUM_BOT_TRUSTED_PROXIES: addresses or networks, comma-separated, whose
    X-Forwarded-For is believed (empty: this machine's). Raises ValueError naming the
    part that is not one."""
    found: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for part in text.split(","):
        if part.strip():
            try:
                found.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"{part.strip()[:60]!r} is not an address or network") from None
    return tuple(found) or LOOPBACK


# The event file ---------------------------------------------------------------------------


def _alias(name: str) -> str:
    """The variable a field is read from (its validation alias), or the name itself."""
    field = Settings.model_fields.get(name)
    alias = field.validation_alias if field is not None else None
    return alias if isinstance(alias, str) else name


def from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables `Settings` reads, keyed by their alias, matched whatever their case
    (as pydantic-settings did by default: `discord_token` counts as DISCORD_TOKEN)."""
    lowered = {key.lower(): value for key, value in environ.items()}
    found: dict[str, str] = {}
    for field in Settings.model_fields.values():
        alias = field.validation_alias  # each field's is one plain name
        if isinstance(alias, str) and alias.lower() in lowered:
            found[alias] = lowered[alias.lower()]
    return found

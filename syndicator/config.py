"""Configuration: a TOML file validated by pydantic, turned into one immutable `Settings`.

Every error names the file and the field (``syndicator.toml: sources[1].url: ...``) and the
whole file is checked before anything starts, so the service never runs half-configured.
The Telegram token is never read from the file: only from ``TELEGRAM_BOT_TOKEN``; likewise
the LLM API key, only from ``SYNDICATOR_LLM_API_KEY``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import GenericTranslator, SelectorError
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from syndicator.errors import ConfigError
from syndicator.model import Category, Channel, Source
from syndicator.summarize.budget import Budget

DEFAULT_CONFIG = "syndicator.toml"
CONFIG_ENV = "SYNDICATOR_CONFIG"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
LLM_KEY_ENV = "SYNDICATOR_LLM_API_KEY"
SummaryBackend = Literal["extractive", "llm"]
SOURCE_KINDS = ("feed", "wordpress", "sitemap", "html")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
RESERVED_SLUGS = frozenset({"all"})
SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_WORD = re.compile(r"\w")


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


def parse_duration(value: Any) -> Any:
    """Accept seconds as a number or a string like ``"90s"``, ``"10m"``, ``"1h"``."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError("expected seconds or a duration like '90s', '10m', '1h'")
        return int(match.group(1)) * _UNITS[match.group(2)]
    return value


Seconds = Annotated[int, BeforeValidator(parse_duration), Field(ge=1)]


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)]


def _network(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"'{value}' is not a network like '10.0.0.0/8' or an address") from None


IPNetwork = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(_network)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    url: str = "sqlite:///data/syndicator.db"
    # When the service starts, apply this file's categories, sources, channels and routes to
    # the database: when they changed since this file was last applied ("changed"), every
    # time ("always": changes made with the bot or the CLI are undone), or never ("never":
    # only `syndicator config apply` does). See docs/operators.md.
    apply_on_start: Literal["changed", "always", "never"] = "changed"
    # SQLite: seconds a write waits for another process's lock (a backup, a CLI command)
    # before the database counts as unavailable for now: that poll is tried again later.
    busy_timeout: float = Field(default=10.0, ge=0, le=600)
    # While the database does not answer at start (`run`, `serve`, `dispatch`): seconds
    # before the first retry, doubled after each failure up to `retry_max`, with jitter.
    # Meanwhile /healthz answers 200 and /readyz 503. See docs/operators.md.
    retry_initial: float = Field(default=0.5, gt=0, le=600)
    retry_max: float = Field(default=30.0, gt=0, le=3600)

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        return value


class HttpConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: AnyHttpUrl | None = None


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{value}' (use an IANA name like 'Asia/Damascus')"
        ) from None
    return value


TimeZone = Annotated[str, AfterValidator(_zone)]


class TelegramConfig(_Section):
    base_url: AnyHttpUrl | None = None
    per_chat_interval: float = Field(default=3.0, ge=0)  # channels and groups (20/min)
    private_chat_interval: float = Field(default=1.0, ge=0)  # private chats (1/s)
    global_rate: float = Field(default=25.0, gt=0, le=30)
    concurrency: int = Field(default=4, ge=1, le=32)  # sends in flight (never two per chat)
    timezone: TimeZone = "UTC"  # default zone of the times shown in messages
    # Telegram user ids of the operators: only they may change sources, channels and routes
    # with bot commands, and they get a direct message when a channel has to be paused
    operators: tuple[int, ...] = ()
    commands: bool = True  # answer bot commands (getUpdates polling) when a token is set
    edit_window: Annotated[int, BeforeValidator(parse_duration), Field(ge=0)] = 48 * 3600


class SubscribersConfig(_Section):
    """`[subscribers]`: people who get alerts from the bot in a private chat."""

    enabled: bool = True  # anyone may /start in a private chat
    max_alerts: int = Field(default=20, ge=0, le=1000)  # keyword alerts per person
    # commands a person may send per minute; above that they get one polite refusal
    commands_per_minute: int = Field(default=20, ge=1, le=600)
    digest_at: str = "08:00"  # when the daily digest goes out, in [telegram] timezone

    @field_validator("digest_at")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"'{value}' is not a time of day like '08:00'")
        return value


class FetchConfig(_Section):
    timeout: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=10_000_000, ge=1024)
    per_host_concurrency: int = Field(default=2, ge=1, le=64)
    per_host_delay: float = Field(default=1.0, ge=0)
    user_agent: str = "syndicator/0.1 (Arabic news feed collector)"
    # Networks (CIDR, or one address) the collector may reach although they are private,
    # loopback, link-local or otherwise not public, e.g. ["10.0.0.0/8"] for an intranet
    # site. Empty: every URL must resolve to public addresses only (docs/operators.md).
    allow_networks: tuple[IPNetwork, ...] = ()


class CollectConfig(_Section):
    default_category: str | None = None
    min_interval: Seconds = 120
    max_interval: Seconds = 6 * 3600
    cluster_window: Seconds = 72 * 3600
    extract_workers: int = Field(default=0, ge=0, le=64)


class FeedsConfig(_Section):
    title: str = "أخبار"
    limit: int = Field(default=50, ge=1, le=1000)
    # Cache-Control max-age of feeds and pages, in seconds or "1m" (0: readers revalidate)
    max_age: Annotated[int, BeforeValidator(parse_duration), Field(ge=0, le=86400)] = 60
    websub_hub: AnyHttpUrl | None = None  # pinged when feeds change; advertised as rel=hub


class LlmConfig(_Section):
    """`[summarize.llm]`: an OpenAI-compatible chat-completions server (llama.cpp, Ollama, vLLM)."""

    url: AnyHttpUrl | None = None  # the API base, e.g. http://127.0.0.1:8080/v1
    model: str | None = None
    timeout: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=2, ge=1, le=64)
    max_tokens: int = Field(default=400, ge=16, le=32768)


class SummarizeConfig(_Section):
    backend: SummaryBackend = "extractive"
    llm: LlmConfig = LlmConfig()


class LoggingConfig(_Section):
    """`[logging]`: what the service writes on stderr (docs/operators.md, "Monitoring")."""

    level: LogLevel = "INFO"  # DEBUG, INFO, WARNING or ERROR; `--log-level` overrides it
    format: Literal["text", "json"] = "text"  # json: one object per line, for a log collector


class RunConfig(_Section):
    """`[run]`: the long-running commands (`run`, `serve`, `dispatch`)."""

    # On SIGTERM/SIGINT: no new polls or sends; polls and Telegram sends in flight get this
    # long to finish, then they are cancelled (an unanswered send is marked `unknown` at the
    # next start). Keep it below the container's stop timeout (compose: 30 s).
    shutdown_grace: Annotated[int, BeforeValidator(parse_duration), Field(ge=0, le=3600)] = 25


class JobsConfig(_Section):
    """`[jobs]`: where polls and Telegram sends run (docs/scale-out.md)."""

    # local: this process (embedded mode); procrastinate: a job queue in PostgreSQL that
    # every replica works on (scale-out; needs a postgresql:// database.url)
    backend: Literal["local", "procrastinate"] = "local"
    concurrency: int = Field(default=8, ge=1, le=64)  # polls (or jobs) one process runs at once
    # procrastinate: how often a replica says it is alive, and after how long without a
    # sign of life its jobs count as stalled (its sends in flight become `unknown`, its
    # jobs run again elsewhere)
    heartbeat: Annotated[float, BeforeValidator(parse_duration), Field(gt=0, le=600)] = 10
    stalled_after: Annotated[float, BeforeValidator(parse_duration), Field(gt=0, le=3600)] = 30
    sweep_interval: Annotated[float, BeforeValidator(parse_duration), Field(gt=0, le=3600)] = 15


class CategoryConfig(_Section):
    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    url_patterns: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    @field_validator("url_patterns")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            _compile(pattern)
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("use lowercase latin letters, digits, '-' or '_'")
        if value in RESERVED_SLUGS:
            raise ValueError(f"'{value}' is reserved for the feed of all categories")
        return value


class SourceConfig(_Section):
    id: str
    name: str
    url: AnyHttpUrl
    kind: str = "feed"
    categories: tuple[str, ...] = ()
    interval: Seconds = 600
    robots: bool = True
    link_selector: str | None = None
    link_pattern: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not SOURCE_ID.match(value):
            raise ValueError("use latin letters, digits, '.', '-' or '_' (feed URLs hold it)")
        return value

    @field_validator("link_pattern")
    @classmethod
    def _link_pattern(cls, value: str | None) -> str | None:
        if value is not None:
            _compile(value)
        return value

    @field_validator("link_selector")
    @classmethod
    def _link_selector(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                GenericTranslator().css_to_xpath(value)
            except SelectorError as exc:
                raise ValueError(f"invalid CSS selector: {exc}") from None
        return value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in SOURCE_KINDS:
            raise ValueError(f"unknown kind '{value}', expected one of: {', '.join(SOURCE_KINDS)}")
        return value


ROUTE_KEYS = ("categories", "sources", "include", "exclude")


class ChannelConfig(_Section):
    id: str
    chat_id: str
    # the channel's own route (more in [[routes]]): articles of these categories or sources,
    # with one of the include keywords (if any) and none of the exclude keywords
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    summarizer: SummaryBackend | None = None  # None: the global `[summarize] backend`
    summary_budget: Budget = Budget.STANDARD
    # Telegram delivery (docs/telegram.md)
    timezone: TimeZone | None = None  # None: `[telegram] timezone`
    image: bool = True
    source: bool = True
    hashtags: bool = True
    link_preview: bool = True
    silent: bool = False
    mode: Literal["instant", "digest"] = "instant"
    digest_every: int | None = Field(default=None, ge=1, le=24)  # hours, from midnight
    digest_at: tuple[str, ...] = ()  # "HH:MM" in the channel's zone
    backlog: Literal["digest", "skip"] = "digest"
    backlog_newest: int = Field(default=3, ge=0, le=1000)
    edits: bool = True
    at_least_once: bool = False
    quiet_hours: str | None = None  # "23:00-07:00": posts wait until the end, in its zone

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not SOURCE_ID.match(value):
            raise ValueError("use latin letters, digits, '.', '-' or '_'")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value
        ):
            raise ValueError(f"'{value}' is not a range of times like '23:00-07:00'")
        if value is not None and value[:5] == value[6:]:
            raise ValueError("the quiet hours start and end at the same time")
        return value

    @field_validator("digest_every")
    @classmethod
    def _every(cls, value: int | None) -> int | None:
        if value is not None and 24 % value:
            raise ValueError("must divide 24 hours: 1, 2, 3, 4, 6, 8, 12 or 24")
        return value

    @field_validator("digest_at")
    @classmethod
    def _at(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for moment in value:
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", moment):
                raise ValueError(f"'{moment}' is not a time of day like '08:00' or '20:30'")
        return value

    @model_validator(mode="after")
    def _digest_times(self) -> ChannelConfig:
        if self.mode == "digest" and self.digest_every is None and not self.digest_at:
            raise ValueError("mode 'digest' needs digest_at (times of day) or digest_every")
        return self

    @field_validator("chat_id", mode="before")
    @classmethod
    def _chat_id(cls, value: Any) -> Any:
        text = str(value) if isinstance(value, int) else value
        if isinstance(text, str) and not re.match(r"^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$", text):
            raise ValueError("expected a numeric chat id or an @channelname")
        return text


class RouteConfig(_Section):
    """`[[routes]]`: one more way for a channel to receive articles (see `ChannelConfig`)."""

    channel: str
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class FileConfig(_Section):
    """The TOML file, section by section."""

    database: DatabaseConfig = DatabaseConfig()
    http: HttpConfig = HttpConfig()
    telegram: TelegramConfig = TelegramConfig()
    fetch: FetchConfig = FetchConfig()
    collect: CollectConfig = CollectConfig()
    feeds: FeedsConfig = FeedsConfig()
    summarize: SummarizeConfig = SummarizeConfig()
    logging: LoggingConfig = LoggingConfig()
    run: RunConfig = RunConfig()
    jobs: JobsConfig = JobsConfig()
    categories: tuple[CategoryConfig, ...] = ()
    sources: tuple[SourceConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    routes: tuple[RouteConfig, ...] = ()
    subscribers: SubscribersConfig = SubscribersConfig()


class Settings(BaseModel):
    """Everything the composition root needs, built once and passed down."""

    model_config = ConfigDict(frozen=True)

    path: Path
    file: FileConfig
    telegram_token: SecretStr | None = None
    llm_api_key: SecretStr | None = None

    @property
    def categories(self) -> tuple[Category, ...]:
        return tuple(
            Category(c.slug, c.name, c.aliases, c.url_patterns, c.keywords)
            for c in self.file.categories
        )

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(
            Source(
                s.id, s.name, str(s.url), s.kind, s.categories, s.interval,
                s.robots, s.link_selector, s.link_pattern,
            )
            for s in self.file.sources
        )  # fmt: skip

    @property
    def channels(self) -> tuple[Channel, ...]:
        return tuple(
            Channel(c.id, c.chat_id, c.categories, channel_options(c)) for c in self.file.channels
        )

    @property
    def public_url(self) -> str:
        if self.file.http.public_url is not None:
            return str(self.file.http.public_url).rstrip("/")
        host = self.file.http.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return f"http://{shown}:{self.file.http.port}"


def channel_options(channel: ChannelConfig) -> dict[str, Any]:
    """A channel's delivery options as the file spells them, defaults left out (what the
    store keeps beside its id, chat and routes)."""
    return channel.model_dump(
        mode="json", exclude={"id", "chat_id", *ROUTE_KEYS}, exclude_defaults=True
    )


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """The file to read: the explicit one, else ``$SYNDICATOR_CONFIG``, else ``syndicator.toml``."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_settings(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Settings:
    """Read, validate and cross-check one config file."""
    env = os.environ if env is None else env
    where = Path(path)
    try:
        raw = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    return settings_from_mapping(raw, where, env)


def settings_from_mapping(
    raw: Mapping[str, Any], where: Path, env: Mapping[str, str] | None = None
) -> Settings:
    """Validate already-parsed TOML data; `where` is only used to name the file in errors."""
    env = os.environ if env is None else env
    try:
        file = FileConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _location(first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{where}: {field}: {first['msg']}{more}") from None
    _cross_check(file, where)
    token = env.get(TOKEN_ENV, "").strip()
    key = env.get(LLM_KEY_ENV, "").strip()
    return Settings(
        path=where,
        file=file,
        telegram_token=SecretStr(token) if token else None,
        llm_api_key=SecretStr(key) if key else None,
    )


def _location(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _cross_check(file: FileConfig, where: Path) -> None:
    """Checks that span sections: unique ids and references to defined categories."""
    known = {c.slug for c in file.categories}
    _unique(where, "categories", [c.slug for c in file.categories], "slug")
    _unique(where, "sources", [s.id for s in file.sources], "id")
    _unique(where, "channels", [c.id for c in file.channels], "id")
    sections: tuple[tuple[str, Sequence[SourceConfig | ChannelConfig | RouteConfig]], ...] = (
        ("sources", file.sources),
        ("channels", file.channels),
        ("routes", file.routes),
    )
    default = file.collect.default_category
    if default is not None and default not in known:
        defined = ", ".join(sorted(known)) or "none"
        raise ConfigError(
            f"{where}: collect.default_category: unknown category '{default}' (defined: {defined})"
        )
    if file.collect.min_interval > file.collect.max_interval:
        raise ConfigError(f"{where}: collect.min_interval: longer than collect.max_interval")
    _check_llm(file, where)
    if file.jobs.backend == "procrastinate" and not file.database.url.startswith("postgresql"):
        raise ConfigError(
            f"{where}: jobs.backend: 'procrastinate' needs a PostgreSQL database.url"
            " (postgresql://...), not SQLite"
        )
    if file.jobs.stalled_after < 2 * file.jobs.heartbeat:
        raise ConfigError(f"{where}: jobs.stalled_after: must be at least twice jobs.heartbeat")
    for section, items in sections:
        for i, item in enumerate(items):
            for j, slug in enumerate(item.categories):
                if slug not in known:
                    defined = ", ".join(sorted(known)) or "none"
                    raise ConfigError(
                        f"{where}: {section}[{i}].categories[{j}]: unknown category '{slug}'"
                        f" (defined: {defined})"
                    )
    _check_routes(file, where)


def _check_routes(file: FileConfig, where: Path) -> None:
    """Routes name defined channels and sources; their keywords have words."""
    channels = {c.id for c in file.channels}
    sources = {s.id for s in file.sources}
    routes: list[tuple[str, ChannelConfig | RouteConfig]] = [
        *((f"channels[{i}]", c) for i, c in enumerate(file.channels)),
        *((f"routes[{i}]", r) for i, r in enumerate(file.routes)),
    ]
    for i, route in enumerate(file.routes):
        if route.channel not in channels:
            defined = ", ".join(sorted(channels)) or "none"
            raise ConfigError(
                f"{where}: routes[{i}].channel: unknown channel '{route.channel}'"
                f" (defined: {defined})"
            )
    for at, item in routes:
        for j, source in enumerate(item.sources):
            if source not in sources:
                defined = ", ".join(sorted(sources)) or "none"
                raise ConfigError(
                    f"{where}: {at}.sources[{j}]: unknown source '{source}' (defined: {defined})"
                )
        for key in ("include", "exclude"):
            for j, keyword in enumerate(getattr(item, key)):
                if not _WORD.search(keyword):
                    raise ConfigError(f"{where}: {at}.{key}[{j}]: '{keyword}' has no word in it")


def _check_llm(file: FileConfig, where: Path) -> None:
    """The llm backend needs a server and a model as soon as anything uses it."""
    users = ["summarize.backend"] if file.summarize.backend == "llm" else []
    users += [
        f"channels[{i}].summarizer" for i, c in enumerate(file.channels) if c.summarizer == "llm"
    ]
    if not users:
        return
    llm = file.summarize.llm
    for key, value in (("url", llm.url), ("model", llm.model)):
        if not value:
            raise ConfigError(f"{where}: summarize.llm.{key}: required, since {users[0]} is 'llm'")


def _unique(where: Path, section: str, values: list[str], key: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ConfigError(f"{where}: {section}[{i}].{key}: duplicate '{value}'")
        seen.add(value)

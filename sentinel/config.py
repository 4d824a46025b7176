"""Settings for every Sentinel component, from the environment and an optional sentinel.toml.

One Settings object is the single source of truth so that the client, the daemon and
the CLI agree on where the store is and which secrets to use. Constructor arguments
of `Sentinel(...)` override it; the environment overrides `sentinel.toml`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from sentinel.appnames import InvalidAppName, validate_app_name
from sentinel.durations import parse_duration
from sentinel.errors import ConfigurationError
from sentinel.privatedirs import private_dir
from sentinel.urls import has_userinfo

MAX_ANONYMIZE_WITHIN = timedelta(hours=72)


def _duration(value: Any) -> timedelta:
    # Without the value: a secret pasted into the wrong variable must not be echoed.
    if isinstance(value, bool) or value is None:
        raise ValueError(DURATION_HINT)
    if isinstance(value, int | float | str) and str(value).strip().startswith("-"):
        raise ValueError("duration must not be negative")
    try:
        return parse_duration(value)
    except ValueError:
        raise ValueError(DURATION_HINT) from None


def _positive(value: timedelta, info: ValidationInfo) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"{info.field_name} must be positive")
    return value


DURATION_HINT = "invalid duration: use e.g. 250ms, 30s, 5m or 2h (a plain number is seconds)"
# The one duration type of settings and rule files. A window, an interval or a timeout
# is positive: zero would evaluate nothing, spin, or fail every call.
Duration = Annotated[timedelta, BeforeValidator(_duration)]
PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


def _seconds(value: Any, info: ValidationInfo) -> float:
    return _positive(_duration(value), info).total_seconds()


# The same, as float seconds, for the client's timeouts and breaker (httpx and the
# public `Sentinel(timeout=...)` take seconds).
PositiveSeconds = Annotated[float, BeforeValidator(_seconds)]


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("deepseek-sentinel", appauthor=False))


class Settings(BaseSettings):
    """All settings; env prefix SENTINEL_, except the DEEPSEEK_* ones the guide names."""

    model_config = SettingsConfigDict(
        env_prefix="SENTINEL_",
        toml_file="sentinel.toml",
        extra="ignore",
        populate_by_name=True,
        hide_input_in_errors=True,  # errors name the setting, never echo a secret or URL
        # `SENTINEL_PRICES_FILE=` (compose files and env templates write them) means unset:
        # read as a path it was ".", the working directory, refused as "a directory".
        env_ignore_empty=True,
    )

    # Upstream
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DEEPSEEK_API_KEY", "api_key")
    )
    api_key_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("DEEPSEEK_API_KEY_FILE", "api_key_file")
    )
    secret_command: str | None = None
    base_url: str = Field(
        default="https://api.deepseek.com",
        validation_alias=AliasChoices("DEEPSEEK_BASE_URL", "base_url"),
    )
    backup_base_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    oauth_token_url: str | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: SecretStr | None = None
    oauth_client_secret_file: Path | None = None
    oauth_scope: str | None = None
    app: str = "default"
    # Durations. Thinking-mode answers run long (V4 outputs up to 384K tokens) and
    # DeepSeek holds a queued request up to ~10 min, sending keep-alives meanwhile:
    # timeout = whole call, connect, first_byte = until the response starts,
    # read_timeout = idle between chunks (keep-alives count as life).
    timeout: PositiveSeconds = 1800.0
    connect_timeout: PositiveSeconds = 10.0
    first_byte_timeout: PositiveSeconds = 600.0
    read_timeout: PositiveSeconds = 120.0
    max_retries: int = 3
    retry_jitter: bool = False
    breaker_threshold: int = 5
    breaker_cooldown: PositiveSeconds = 30.0
    rate_limit_per_minute: int | None = None
    http2: bool = False
    gzip_min_bytes: int | None = None
    models_file: Path | None = None  # extends/overrides the shipped model catalogue
    # Spend (sentinel.client.prices): the operator's prices merged over the shipped table,
    # and the currency calls are priced in (DeepSeek bills in USD or CNY; no conversion)
    prices_file: Path | None = None
    currency: Literal["USD", "CNY"] = "USD"  # any case, as `budgets set --currency` reads it

    # Storage and records
    store: str | None = None
    es_api_key: SecretStr | None = None
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_ca_certs: Path | None = None
    es_verify_certs: bool = True
    es_index_prefix: str = "sentinel"  # indices <prefix>-calls-YYYY.MM.DD, <prefix>-state, ...
    # Index templates' sizing; unset: 1 shard, replicas auto-expanded 0-1 (README "Scaling")
    es_shards: int | None = Field(default=None, ge=1)
    es_replicas: int | None = Field(default=None, ge=0)
    spool_dir: Path | None = None
    # always | interval (1 s) | a duration ("200ms": the machine-crash loss bound) | never
    spool_fsync: str = "interval"
    spool_write_ahead: bool = True  # journal each record before create() returns
    queue_size: int = 10_000  # records waiting for the sink's writer
    queue_full_policy: str = "spool"  # spool (synchronously, loses nothing) | drop (counted)
    capture_content: bool = True
    # Response cache (sentinel.client.cache): opt-in, deterministic requests only
    cache: bool = False
    cache_ttl: PositiveDuration = timedelta(hours=1)  # capped at anonymize_within
    cache_max_entries: int = Field(default=10_000, ge=1)  # per app; the oldest are evicted

    # Privacy and compliance
    # The HMAC secret turning subject ids into subject keys; SENTINEL_SUBJECT_KEY is its
    # older name, still read (SENTINEL_SUBJECT_SECRET wins when both are set).
    subject_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SENTINEL_SUBJECT_SECRET", "SENTINEL_SUBJECT_KEY"),
    )
    subject_key_file: Path | None = None  # must exist when set (`sentinel keys init`)
    anonymize_within: Duration = timedelta(hours=72)  # > 0, at most 72h unless:
    anonymize_within_allow_longer: bool = False
    calls_retention: Duration = timedelta(days=400)  # call records; 0 keeps them forever
    anonymize_interval: PositiveDuration = timedelta(minutes=5)
    capture_content_in_telemetry: bool = False
    log_stream: str = Field(default="stderr", min_length=1)  # ECS call lines: stdout|stderr|FILE
    # Redaction policy (sentinel.privacy.policy reads and checks the files, naming lines)
    redact_allow: Path | None = None  # terms or /regexes/ never redacted
    redact_deny: Path | None = None  # [TYPE:] terms or /regexes/ always redacted
    redact_entities: Annotated[list[str], NoDecode] = Field(default_factory=list)  # all
    redact_thresholds: str = ""  # PERSON=0.6,LOCATION=0.5: minimum score per type
    redact_outbound: bool = False  # mask PII before a request leaves, restore in answers
    redact_workers: int = Field(default=0, ge=0, le=64)  # 0: one per core (max 4), lazily
    # Erasure tombstones (sentinel.records.tombstones): how far a writer's clock may run
    # ahead of the eraser's; how long a closed tombstone must stay (the longest a record
    # can wait in any spool) before `doctor` lists it as removable
    erasure_clock_skew: Duration = timedelta(seconds=5)
    tombstone_retention: Duration = timedelta(days=30)

    # Daemon
    rules: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_host: str = "127.0.0.1"
    api_port: int = 8787
    proxy_host: str = "127.0.0.1"  # the OpenAI-compatible sidecar proxy (`sentinel proxy`)
    proxy_port: int = 8788
    alertmanager_url: str | None = None
    alert_webhook_url: str | None = None

    # Async jobs and their result webhooks (sentinel.jobs)
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_secret: SecretStr | None = None
    webhook_secret_file: Path | None = None
    webhook_retry_base: PositiveDuration = timedelta(seconds=1)
    webhook_retry_max: PositiveDuration = timedelta(minutes=5)
    webhook_max_age: PositiveDuration = timedelta(hours=24)
    job_workers: int = Field(default=4, ge=1, le=64)
    job_lease: PositiveDuration = timedelta(seconds=30)
    job_retention: PositiveDuration = timedelta(hours=24)

    # Hardening (issue 15): limits of every HTTP server we start (sentinel.api.serving),
    # the API's Host allow-list and docs, the audit log's key (sentinel.compliance.auditkey)
    http_max_header_bytes: int = Field(default=32 * 1024, ge=1024)  # request line + headers
    http_max_header_line_bytes: int = Field(default=8 * 1024, ge=256)
    http_header_timeout: PositiveDuration = timedelta(seconds=10)  # first byte to end of headers
    http_body_timeout: PositiveDuration = timedelta(seconds=30)  # end of headers to end of body
    http_keep_alive: PositiveDuration = timedelta(seconds=5)  # idle between requests
    http_max_concurrency: int = Field(default=256, ge=1)  # connections + requests; then 503
    api_max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    proxy_max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)  # V4: 1M tokens
    api_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_docs: bool = True  # /docs and /redoc, from packaged assets (no CDN)
    audit_key: SecretStr | None = None
    audit_key_file: Path | None = None

    # Content safety (sentinel.safety): term list files or dirs, and how often to re-read them
    safety_lists: Annotated[list[str], NoDecode] = Field(default_factory=list)
    safety_reload: Duration = timedelta(seconds=2)  # 0: load once, never re-read

    # Balance and budgets (issue 18): `serve` polls GET /user/balance on the leader (0:
    # never); clients and the proxy re-read the polled state and the budgets' spend at
    # most every SENTINEL_SPEND_CACHE_TTL (their staleness bound)
    balance_poll_interval: Duration = timedelta(minutes=5)
    balance_burn_window: PositiveDuration = timedelta(hours=6)
    balance_retention: PositiveDuration = timedelta(days=8)
    spend_cache_ttl: PositiveDuration = timedelta(seconds=30)
    # Spend cache warm-up (issue 18): how often `serve`'s leader checks Elasticsearch's
    # cached spend groups of the default ranges and builds a missing one (0: never)
    spend_warm_interval: Duration = timedelta(minutes=1)

    @field_validator(
        "backup_base_urls",
        "rules",
        "webhook_allowed_hosts",
        "api_allowed_hosts",
        "safety_lists",
        "redact_entities",
        mode="before",
    )
    @classmethod
    def _comma_list(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()]
        return v

    @field_validator(
        "base_url", "backup_base_urls", "oauth_token_url", "store", "alertmanager_url",
        "alert_webhook_url",
    )  # fmt: skip
    @classmethod
    def _no_userinfo(cls, v: Any, info: ValidationInfo) -> Any:
        for url in v if isinstance(v, list) else [v]:
            if isinstance(url, str) and has_userinfo(url):
                name = "DEEPSEEK_BASE_URL" if info.field_name == "base_url" else (
                    f"SENTINEL_{str(info.field_name).upper()}"
                )  # fmt: skip
                raise ValueError(
                    f"{name} must not carry credentials (user:pass@host): they would be "
                    "printed wherever the URL is; use the setting made for the secret"
                )
        return v

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, v: Any) -> Any:
        return v.strip().upper() if isinstance(v, str) else v

    @field_validator("app")
    @classmethod
    def _app(cls, v: str) -> str:
        try:
            return validate_app_name(v)
        except InvalidAppName as exc:
            raise ValueError(f"SENTINEL_APP: {exc}") from None

    @model_validator(mode="before")
    @classmethod
    def _old_subject_key_name(cls, data: Any) -> Any:
        # `subject_key`, the name before subject_secret (sentinel.toml, Settings(...)):
        # ignored, an upgrade made a new random key and changed every subject key.
        if isinstance(data, dict) and "subject_key" in data:
            data = dict(data)
            data.setdefault("subject_secret", data.pop("subject_key"))  # an alias wins
        return data

    @model_validator(mode="after")
    def _anonymize_within_keeps_the_promise(self) -> Settings:
        # Refused at load time: a zero window made every job run fail, a long one
        # silently breaks the documented 72-hour promise.
        if self.anonymize_within <= timedelta(0):
            raise ValueError("SENTINEL_ANONYMIZE_WITHIN must be a positive duration")
        if self.anonymize_within > MAX_ANONYMIZE_WITHIN and not self.anonymize_within_allow_longer:
            raise ValueError(
                "SENTINEL_ANONYMIZE_WITHIN must be at most 72h; set "
                "SENTINEL_ANONYMIZE_WITHIN_ALLOW_LONGER=true to keep raw content longer"
            )
        return self

    @field_validator("spool_fsync")
    @classmethod
    def _fsync(cls, v: str) -> str:
        if v not in ("always", "interval", "never"):
            try:
                parse_duration(v)
            except ValueError:
                raise ValueError(
                    "SENTINEL_SPOOL_FSYNC must be always, interval, never or a duration "
                    "such as 1s or 200ms"
                ) from None
        return v

    @field_validator("queue_full_policy")
    @classmethod
    def _policy(cls, v: str) -> str:
        if v not in ("spool", "drop"):
            raise ValueError("SENTINEL_QUEUE_FULL_POLICY must be spool or drop")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls),
            file_secret_settings,
        )

    # Derived values -------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return default_data_dir()

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{self.data_dir / 'sentinel.db'}"

    @property
    def spool_path(self) -> Path:
        return self.spool_dir or (self.data_dir / "spool")

    @property
    def subject_key_path(self) -> Path:
        """Where the subject key file is: SENTINEL_SUBJECT_KEY_FILE, else the data dir."""
        return self.subject_key_file or self.data_dir / "subject.key"

    def subject_secret_bytes(self) -> bytes:
        """The HMAC secret for subject ids: SENTINEL_SUBJECT_SECRET, else the key file.

        A set SENTINEL_SUBJECT_KEY_FILE must exist: creating a fresh random key there
        would make this host's subject keys disagree with every other host's, and later
        erasures would miss records. Only with neither variable set is a random key
        created once in the data dir (mode 0600), so that subject_key is stable across
        restarts on one machine; `sentinel keys init` creates either explicitly.
        """
        if self.subject_secret is not None:
            return self.subject_secret.get_secret_value().encode()
        if self.subject_key_file is not None:
            return read_key(self.subject_key_file, "SENTINEL_SUBJECT_KEY_FILE")
        return create_key(self.subject_key_path, exist_ok=True)


def read_key(path: Path, variable: str) -> bytes:
    """A key file's content, or ConfigurationError naming the variable (never the
    content) when it is missing, unreadable or empty."""
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        raise ConfigurationError(
            f"{variable} names {path}, which does not exist: copy the key the other hosts "
            "use there, or create a new one with `sentinel keys init`"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"{variable}: cannot read {path}: {exc.strerror}") from None
    if not key:
        raise ConfigurationError(f"{variable}: {path} is empty")
    return key


def create_key(path: Path, *, exist_ok: bool) -> bytes:
    """A new random key at `path` (mode 0600), or the existing one when `exist_ok`
    (another process may win the race to create it; its key is then used)."""
    private_dir(path.parent)
    key = os.urandom(32).hex().encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if not exist_ok:
            raise
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def load_settings(**overrides: Any) -> Settings:
    """Settings from env/toml with explicit overrides; None overrides are ignored."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})

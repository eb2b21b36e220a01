"""Vigil's configuration: one `vigil.toml`, every key overridable by `VIGIL_*` environment variables.

Nested keys use a double underscore: `VIGIL_STORE__BACKEND=elasticsearch`,
`VIGIL_STORE__ELASTICSEARCH__PASSWORD=…`. `VIGIL_DATA_DIR` moves all state at once.
This module is a leaf: every part may import it, it imports none of them.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.errors import ConfigError

DEFAULT_CONFIG_FILE = Path("vigil.toml")


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid")


class ElasticsearchSettings(Section):
    hosts: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:9200"])
    username: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    ca_certs: Path | None = None
    verify_certs: bool = True
    index_prefix: str = Field(default="vigil", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    request_timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=20)


class RetentionSettings(Section):
    """How long each index keeps documents, in days (none: for ever). Applied by `vigil store prune`
    (both backends; run it daily) and, for events on a real cluster, by the ILM policy's delete phase."""

    events_days: int | None = Field(default=365, ge=1, description="security events, by @timestamp")
    articles_days: int | None = Field(default=None, ge=1, description="articles, by published_at")
    incidents_days: int | None = Field(
        default=None, ge=1, description="closed incidents (resolved, false positive), by last_seen"
    )


class StoreSettings(Section):
    backend: Literal["sqlite", "elasticsearch"] = "sqlite"
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    batch_size: int = Field(default=500, ge=1, le=10_000)


class CrawlSettings(Section):
    interval_minutes: int = Field(default=30, ge=1)
    outlets: list[str] = Field(default_factory=list, description="outlet names; empty means all")
    user_agent: str = "VigilBot/0.1 (+https://github.com/vigil-ioc/vigil; press monitoring)"
    concurrency_per_domain: int = Field(default=2, ge=1, le=32)
    download_timeout_seconds: float = Field(default=30.0, gt=0)
    download_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    autothrottle: bool = True
    obey_robots_txt: bool = True
    allow_private_hosts: list[str] = Field(
        default_factory=list,
        description="private/loopback host:port pairs the crawler may fetch (bare host: its outlets' ports)",
    )
    silent_after_hours: float = Field(default=24.0, gt=0)
    enrich: bool = True
    outlets_dir: Path | None = Field(
        default=None,
        description="a folder of outlet files (one TOML each) added to the bundled ones; same name replaces",
    )


class NlpSettings(Section):
    model_dir: Path | None = None
    watchlists_file: Path | None = None
    gazetteer_file: Path | None = Field(
        default=None,
        description="an administrator's gazetteer (TOML as nlp/data/gazetteer.toml); default: shipped",
    )
    uncertain_below: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="a topic or tone whose calibrated score is below this is marked uncertain (API, CSV)",
    )


class AssetSettings(Section):
    name: str
    agency: str
    criticality: Literal["low", "medium", "high", "critical"] = "medium"
    cidrs: list[str] = Field(default_factory=list)
    hostnames: list[str] = Field(default_factory=list)

    @field_validator("cidrs")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        bad = []
        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                bad.append(value)
        if bad:
            raise ValueError(
                f"not IP networks: {', '.join(map(repr, bad))}; write them like 10.16.1.0/24 (IPv4, "
                "prefix 0-32), 2001:db8::/32 (IPv6), or one address"
            )
        return [value.strip() for value in values]


class SourceThreshold(Section):
    """A counting rule's threshold for the events of one log input (`secmon.logs[].thresholds.<rule id>`)."""

    count: int = Field(ge=1, description="matches (or distinct values) that make the rule fire")
    window_seconds: int | None = Field(
        default=None, ge=1, le=7 * 86400, description="within this many seconds (default: the rule's window)"
    )


class LogSource(Section):
    path: str
    format: Literal["auto", "eve", "fastlog", "syslog", "nginx", "apache"] = "auto"
    timezone: str = Field(
        default="UTC",
        description="zone of timestamps written without one (RFC 3164 syslog, fast.log, error logs): "
        'UTC or an offset such as "+07:00" (Vietnam)',
    )
    thresholds: dict[str, SourceThreshold] = Field(
        default_factory=dict,
        description="rule id → its threshold for this input's events, counted apart from other inputs' "
        "(e.g. { web-forced-browsing = { count = 200 } } for a site that a link checker crawls)",
    )

    @field_validator("timezone")
    @classmethod
    def _offset(cls, value: str) -> str:
        if not re.fullmatch(r"UTC|Z|[+-](0\d|1[0-4]):?[0-5]\d", value.strip()):
            raise ValueError('use UTC or an offset such as "+07:00"')
        return value.strip()


class WebhookSettings(Section):
    url: str
    secret: SecretStr | None = None
    min_severity: Literal["low", "medium", "high", "critical"] = "low"
    timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="how long one delivery to this URL may take (connect + answer)",
    )


class SecmonSettings(Section):
    logs: list[LogSource] = Field(default_factory=list)
    assets: list[AssetSettings] = Field(default_factory=list)
    threat_intel_file: Path | None = None
    suppressions_file: Path | None = None
    rules_dir: Path | None = None
    incident_window_minutes: int = Field(default=60, ge=1)
    batch_lines: int = Field(
        default=5000,
        ge=1,
        le=10_000,
        description="log lines parsed, checked and stored together (one store transaction or bulk write)",
    )
    rule_sources: list[str] = Field(
        default_factory=list, description="suricata-update sources (file:// URLs)"
    )
    rule_conf_dir: Path | None = None
    webhooks: list[WebhookSettings] = Field(default_factory=list)


class SmtpSettings(Section):
    """The mail server press alerts are sent through (STARTTLS and login when configured)."""

    host: str = Field(default="", description="empty: no e-mail is sent")
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "vigil@localhost"
    ca_file: Path | None = Field(default=None, description="CA to trust for STARTTLS besides the system's")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


REPORT_DAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "thứ hai": 0, "thứ ba": 1, "thứ tư": 2, "thứ năm": 3, "thứ sáu": 4, "thứ bảy": 5, "chủ nhật": 6,
}  # fmt: skip


def parse_report_schedule(text: str) -> tuple[int | None, int, int] | None:
    """'monday 07:00' → (0, 7, 0); 'daily 07:00' → (None, 7, 0); '' → None; ValueError saying what is
    allowed otherwise. Day names in English or Vietnamese ('thứ hai' … 'chủ nhật', 'hằng ngày')."""
    cleaned = " ".join(unicodedata.normalize("NFC", text).strip().lower().split())
    if not cleaned:
        return None
    match = re.fullmatch(r"(.+?)\s+(\d{1,2}):(\d{2})", cleaned)
    allowed = (
        "'<day> HH:MM', day one of monday … sunday (or thứ hai … chủ nhật) or daily, e.g. 'monday 07:00'"
    )
    if match is None:
        raise ValueError(f"not {allowed}")
    day, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    if day not in REPORT_DAYS and day not in ("daily", "hằng ngày", "hàng ngày"):
        raise ValueError(f"{day!r} is not a day: use {allowed}")
    if hour > 23 or minute > 59:
        raise ValueError(f"{hour:02d}:{minute:02d} is not a time of day (00:00 to 23:59)")
    return REPORT_DAYS.get(day), hour, minute


class ReportSettings(Section):
    """The report "Báo cáo theo dõi báo chí" mailed on a schedule by `vigil run`."""

    schedule: str = Field(
        default="",
        description="when to mail it, e.g. 'monday 07:00' or 'daily 07:00' (at utc_offset); empty: never",
    )
    utc_offset: str = Field(default="+07:00", description="the zone of the schedule, e.g. '+07:00' (Vietnam)")
    days: int = Field(
        default=7, ge=1, le=366, description="the report covers this many whole days before the sending day"
    )
    email_to: list[str] = Field(default_factory=list, description="who gets it (empty: alerts.email_to)")
    retry_minutes: float = Field(default=10.0, gt=0, le=1440, description="wait after a failed sending")
    pdf: bool = Field(default=True, description="attach the report as PDF too (besides the HTML page)")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_report_schedule(value)
        return value.strip()

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, value: str) -> str:
        if not re.fullmatch(r"[+-](0\d|1[0-4]):[0-5]\d", value.strip()):
            raise ValueError('use an offset such as "+07:00" (Vietnam)')
        return value.strip()


class AlertSettings(Section):
    email_to: list[str] = Field(default_factory=list, description="who gets press alerts by e-mail")
    report: ReportSettings = Field(default_factory=ReportSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    webhooks: list[WebhookSettings] = Field(
        default_factory=list,
        description="signed webhooks for press alerts (alert.opened / alert.updated, as the web app's SSE)",
    )


class ApiSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    failed_auth_per_minute: int = Field(
        default=30, ge=1, description="requests with a missing or unknown key one address may make (then 429)"
    )
    sse_max_clients: int = Field(default=200, ge=1, description="open /alerts/stream connections in all")
    sse_max_per_key: int = Field(default=5, ge=1, description="open /alerts/stream connections per key")
    cors_origins: list[str] = Field(default_factory=list)
    public_url: str | None = Field(
        default=None,
        description="the address people open Vigil at (e.g. https://vigil.so.example): links in alert "
        "e-mails, digests and reports use it; unset: http://<host>:<port>, which only works on that machine",
    )
    stats_cache_seconds: float = Field(
        default=30.0, ge=0, description="how long /articles/stats answers are reused (0: never)"
    )
    workers: int = Field(default=1, ge=1, le=64, description="API processes sharing the port (vigil run)")
    total_exact_up_to: int = Field(
        default=10_000,
        ge=1,
        description="/articles counts its total exactly up to this many matches, then reports a lower "
        "bound (total_is_lower_bound), as Elasticsearch's track_total_hits",
    )

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                f"{value!r} is not an address people can open: give http(s)://host[:port][/path], "
                "e.g. https://vigil.so.example"
            )
        return value.strip().rstrip("/")

    @property
    def link_base(self) -> str:
        """Where links sent out of Vigil (e-mails, reports) point: public_url, else this host:port."""
        return self.public_url or f"http://{self.host}:{self.port}"


class Settings(BaseSettings):
    """All of Vigil's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="VIGIL_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Path("vigil-data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    store: StoreSettings = Field(default_factory=StoreSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    nlp: NlpSettings = Field(default_factory=NlpSettings)
    secmon: SecmonSettings = Field(default_factory=SecmonSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment wins over the file, which is passed in as init values by `load_settings`.
        return env_settings, init_settings

    def state_path(self, *parts: str) -> Path:
        """A path under the data directory, its parent created: all state lives there."""
        path = self.data_dir.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read `path` (or ./vigil.toml if present), apply VIGIL_* variables, validate.

    Raises ConfigError with one line per bad key: where, the value and what is allowed.
    """
    source = path if path is not None else _default_file()
    values: dict[str, Any] = {}
    if source is not None:
        values = _read_toml(source)
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from None


def config_file_of(path: Path | None) -> Path | None:
    """The file `load_settings(path)` reads (None: defaults and environment only)."""
    return path if path is not None else _default_file()


def _default_file() -> Path | None:
    env = os.environ.get("VIGIL_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file (copy vigil.example.toml to start)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


_SECRET_KEYS = ("password", "api_key", "secret")


def format_validation_error(exc: ValidationError, source: Path | None) -> str:
    """One readable line per error; secret values are never echoed."""
    where = str(source) if source else "configuration"
    lines = [f"{where}: {exc.error_count()} invalid setting(s)"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        value = error.get("input")
        if any(secret in key for secret in _SECRET_KEYS):
            shown = "<hidden>"
        elif error["type"] == "missing":
            shown = "(missing)"
        else:
            shown = repr(value) if not isinstance(value, dict) else "{…}"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against vigil.example.toml)"
        lines.append(f"  {key} = {shown}: {message} ({source_of(error['loc'], where)})")
    return "\n".join(lines)


def env_variable(loc: tuple[Any, ...] | list[Any]) -> str:
    """The VIGIL_* variable that sets the key at `loc` (a list item's index is not part of it)."""
    parts = [str(part).upper() for part in loc if not isinstance(part, int)]
    return "VIGIL_" + "__".join(parts)


def source_of(loc: tuple[Any, ...] | list[Any], where: str) -> str:
    """Where a bad value came from: the environment variable that set it (or set the section holding
    it, as JSON), else the file; an unset key is named both ways."""
    names = {name.upper(): name for name in os.environ}
    parts = [str(part).upper() for part in loc if not isinstance(part, int)]
    for end in range(len(parts), 0, -1):
        candidate = "VIGIL_" + "__".join(parts[:end])
        if candidate in names:
            return f"from the environment variable {names[candidate]}"
    key = ".".join(str(part) for part in loc)
    return (
        f"set in {where}" if where != "configuration" else f"file key `{key}` or variable {env_variable(loc)}"
    )

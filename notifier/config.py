"""The YAML configuration: pydantic models (the only schema), loading, `${ENV}` interpolation.

The file is YAML 1.2 (ruamel.yaml). Errors name the YAML path and the line and column of its
key (`sources[0].url (line 4, column 5): ...`); secrets are `SecretStr` and never printed.
Every duration, count and size uses one of the bounded types (`Seconds`, `Count` ...).
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    PrivateAttr,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from notifier.errors import ConfigError
from notifier.model import Severity, TransitionKind, Trust

DEFAULT_CONFIG = Path("config/notifier.yaml")
CONFIG_ENV = "NOTIFIER_CONFIG"

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Bounded values ----------------------------------------------------------------------------
# Every duration, count and size goes through one of these, so a value that validates can never
# overflow a timer or a date later (`interval_s: 1e14` used to pass and break a reload half-way).
# A field narrows them further with its own Field(ge=..., le=...).

MAX_DURATION_S = 30 * 24 * 3600.0  # 30 days: longer waits are a typo, not a plan
MAX_TIMEOUT_S = 600.0
MAX_BYTES = 64 * 1024 * 1024
MAX_COUNT = 10_000

Seconds = Annotated[float, Field(gt=0, le=MAX_DURATION_S, allow_inf_nan=False)]
"""A positive duration of at most 30 days."""
DelaySeconds = Annotated[float, Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False)]
"""A duration that may be zero (jitter, hold windows), at most 30 days."""
TimeoutSeconds = Annotated[float, Field(gt=0, le=MAX_TIMEOUT_S, allow_inf_nan=False)]
"""How long one network call may take: at most 10 minutes."""
ByteSize = Annotated[int, Field(gt=0, le=MAX_BYTES)]
"""A size in bytes, at most 64 MiB."""
MAX_RETENTION_S = 3653 * 86400.0  # ten years
RetentionSeconds = Annotated[float, Field(ge=86400, le=MAX_RETENTION_S, allow_inf_nan=False)]
"""How long stored history is kept: at least a day, at most ten years."""
Count = Annotated[int, Field(ge=1, le=MAX_COUNT)]
"""A positive count (attempts, concurrency), at most 10,000."""
Ratio = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


# --- Sources -----------------------------------------------------------------------------------


class SourceBase(Strict):
    id: str = Field(pattern=_ID, description="Unique id of the source; used in logs and the API.")
    enabled: bool = True
    interval_s: Seconds = Field(300.0, ge=1, description="Seconds between polls.")
    jitter_s: DelaySeconds = Field(5.0, description="Random delay added to each poll.")
    baseline: bool = Field(
        True,
        description="On the first poll record what is there and notify nobody.",
    )
    min_confidence: Ratio = Field(
        0.6,
        description="Announcements below this confidence go to the review queue.",
    )
    stale_after_s: Seconds | None = Field(
        None, description="Report the source stale after this long without new documents."
    )
    language: str | None = Field(None, description="Language hint for documents of this source.")
    backoff_max_s: Seconds = Field(
        3600.0,
        description="Longest wait before retrying a failing source (the wait doubles per failure).",
    )
    trust: Trust = Field(
        Trust.MEDIA,
        description="official: acts at once; media: unconfirmed until corroborated; "
        "unverified: waits for an operator (README 'Trust').",
    )


class DirSource(SourceBase):
    """Every file in a folder is a document; new and changed files are picked up."""

    type: Literal["dir"]
    path: Path
    pattern: str = Field("*", description="Glob of the files to read, e.g. *.xml or **/*.txt.")
    interval_s: Seconds = Field(10.0, ge=0.1)
    max_bytes: ByteSize = Field(5 * 1024 * 1024, description="Larger files are refused.")

    @field_validator("pattern")
    @classmethod
    def _inside(cls, value: str) -> str:
        # A glob is relative to the folder and stays in it (symlinks out are refused when read).
        if not value or value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
            raise ValueError(f"{value!r} must be a relative glob such as *.xml or **/*.txt")
        if "\\" in value or "\x00" in value or ".." in value.split("/"):
            raise ValueError(
                f"{value!r} may not contain '..', backslashes or NUL: it must stay in the folder"
            )
        return value


class FileSource(SourceBase):
    """One local file; a change of its content is a new document."""

    type: Literal["file"]
    path: Path
    interval_s: Seconds = Field(10.0, ge=0.1)
    max_bytes: ByteSize = Field(5 * 1024 * 1024, description="A larger file is refused.")


class HttpSource(SourceBase):
    url: str = Field(pattern=r"^https?://", description="http:// or https:// URL.")
    timeout_s: TimeoutSeconds = 20.0
    max_bytes: ByteSize = Field(5 * 1024 * 1024, description="Larger bodies are cut off.")
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per request.")
    headers: dict[str, str] = Field(default_factory=dict)


class FeedSource(HttpSource):
    """RSS 0.9x/1.0/2.0 or Atom 0.3/1.0."""

    type: Literal["rss", "atom"]


class CapSource(HttpSource):
    """One CAP 1.1/1.2 document, or an Atom/RSS index of CAP alerts (entries may embed cap:*)."""

    type: Literal["cap"]
    follow_links: bool = Field(
        True, description="For an index, fetch each new entry's linked CAP document."
    )
    max_links: int = Field(
        50, ge=0, le=1000, description="At most this many linked alerts per poll."
    )


class GeoJsonSource(HttpSource):
    """NWS-style GeoJSON alerts (`features[].properties` carry CAP fields)."""

    type: Literal["geojson"]


class JsonFields(Strict):
    """Dotted paths into a JSON response (`data.0.alerts`); unset fields are guessed by name."""

    items: str = Field("", description="Path of the list of items; empty: the top level.")
    id: str | None = None
    title: str | None = None
    text: str | list[str] | None = Field(None, description="One path, or several joined.")
    time: str | None = None
    area: str | None = None
    url: str | None = None


class JsonSource(HttpSource):
    """Any JSON API; `fields` says where the items are and which field is what."""

    type: Literal["json"]
    fields: JsonFields = JsonFields()


class HtmlSource(HttpSource):
    """A web page; its main text is the document (a change in it is a new document)."""

    type: Literal["html"]
    selector: str | None = Field(
        None, description="CSS selector of the main text (tag, #id, .class, [attr=v], a > b)."
    )

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is not None:
            from notifier.errors import ParseError
            from notifier.sources.htmltext import css_to_xpath

            try:
                css_to_xpath(value)
            except ParseError as exc:
                raise ValueError(str(exc)) from None
        return value


Source = Annotated[
    DirSource | FileSource | FeedSource | CapSource | GeoJsonSource | JsonSource | HtmlSource,
    Field(discriminator="type"),
]
SOURCE_TYPES = ("dir", "file", "rss", "atom", "cap", "geojson", "json", "html")


# --- Subscribers and endpoints ----------------------------------------------------------------


class Follower(Strict):
    id: str = Field(pattern=_ID)
    enabled: bool = True
    areas: list[str] = Field(
        min_length=1,
        description="Area ids followed; an area includes the areas inside it.",
    )
    min_severity: Severity = Severity.MINOR
    transitions: list[TransitionKind] | None = Field(
        None, description="Kinds of transition to hear about; all but unchanged by default."
    )
    language: str = Field("en", pattern=r"^[a-z]{2}$")


class QuietHours(Strict):
    """Hours in which SMS below `extreme` wait; extreme alerts are never held back."""

    start: dt.time = Field(description="Local time the quiet period starts, e.g. 22:00.")
    end: dt.time = Field(description="Local time it ends, e.g. 07:00 (may be the next day).")
    timezone: str = Field("UTC", description="IANA time zone, e.g. Asia/Almaty.")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> Any:
        # pydantic reads a number as seconds after midnight (1320 -> 00:22): never what is meant.
        if not isinstance(value, str | dt.time):
            raise ValueError(f"write the time as 'HH:MM' in quotes, e.g. '22:00', not {value!r}")
        return value

    @field_validator("start", "end")
    @classmethod
    def _no_offset(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("give the local time without an offset; `timezone` says where")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Asia/Almaty)"
            ) from None
        return value

    def ends_after(self, now: dt.datetime) -> dt.datetime | None:
        """When the quiet period that `now` falls in ends, or None when `now` is not quiet."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        t = local.time().replace(tzinfo=None)
        overnight = self.start > self.end
        quiet = (self.start <= t or t < self.end) if overnight else (self.start <= t < self.end)
        if not quiet:
            return None
        day = local.date()
        if overnight and t >= self.start:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, self.end, tzinfo=zone)


class SmsSubscriber(Follower):
    phone: str = Field(description="E.164 number, e.g. +77012345678.")
    quiet_hours: QuietHours | None = None

    @field_validator("phone", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            # YAML reads +77011112233 unquoted as a number and drops the +.
            raise ValueError(
                f"read as the number {value!r}: write the phone number in quotes with + and "
                f"the country code, e.g. phone: '+{value}'"
            )
        return value

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            raise ValueError(
                f"{value!r} is not in E.164 form: write + and the country code, e.g. +77012345678"
            ) from None
        if not phonenumbers.is_valid_number(number):
            raise ValueError(f"{value!r} is not a valid phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class WebhookEndpoint(Follower):
    url: str = Field(pattern=r"^https?://")
    secret: SecretStr = Field(description="Standard Webhooks secret, whsec_<base64>.")
    timeout_s: TimeoutSeconds = 15.0
    include_unconfirmed: bool = Field(
        False,
        description="Also receive unconfirmed reports (level.reported, confirmed false) that "
        "changed no level yet.",
    )

    @field_validator("secret")
    @classmethod
    def _whsec(cls, value: SecretStr) -> SecretStr:
        import base64
        import binascii

        raw = value.get_secret_value()
        body = raw.removeprefix("whsec_")
        try:
            key = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be whsec_ followed by base64 (24 to 64 random bytes)") from None
        if not 24 <= len(key) <= 64:
            raise ValueError(f"decodes to {len(key)} bytes; use 24 to 64 random bytes")
        return value


Recipient = SmsSubscriber | WebhookEndpoint


# --- Channels, outbox, storage, server --------------------------------------------------------


class TwilioConfig(Strict):
    account_sid: str | None = Field(None, description="AC...; empty means dry-run.")
    auth_token: SecretStr | None = None
    from_: str | None = Field(None, alias="from", description="Sender number (E.164).")
    messaging_service_sid: str | None = None
    base_url: str | None = Field(
        None, description="Send to this base URL instead of https://api.twilio.com (tests)."
    )
    status_callback_url: str | None = None
    validity_period_s: int = Field(900, ge=1, le=36000)
    timeout_s: TimeoutSeconds = 15.0
    max_per_s: float = Field(
        1.0, gt=0, le=1000, allow_inf_nan=False, description="Messages per second per sender."
    )
    inbound_join: bool = Field(
        False,
        description="Let anyone subscribe by texting JOIN <area> (LEAVE to stop).",
    )
    join_max_per_day: int = Field(
        5,
        ge=1,
        le=1000,
        description="Areas one number may JOIN within 24 hours (each JOIN costs a reply, and "
        "each area followed costs a message per change).",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("account_sid", "messaging_service_sid", "from_", "base_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("auth_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _sender(self) -> TwilioConfig:
        if (self.account_sid is None) != (self.auth_token is None):
            raise ValueError("set both account_sid and auth_token, or neither (dry-run)")
        if self.account_sid is not None and (self.from_ is None) == (
            self.messaging_service_sid is None
        ):
            raise ValueError("set exactly one of from & messaging_service_sid")
        return self

    @property
    def dry_run(self) -> bool:
        return self.account_sid is None


class OutboxConfig(Strict):
    max_attempts: int = Field(8, ge=1, le=100)
    retry_schedule_s: list[Seconds] = Field(
        default_factory=lambda: [5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0],
        min_length=1,
        max_length=100,
        description="Delay before each retry; the last one repeats.",
    )
    jitter_ratio: Ratio = 0.2
    concurrency: Count = Field(64, description="Deliveries in flight at once.")
    per_endpoint: Count = Field(4, le=1000, description="Deliveries in flight per endpoint/number.")
    sweep_interval_s: Seconds = Field(
        1.0,
        le=60,
        description="Longest idle wait between looks at the outbox; new rows, due retries and "
        "finished attempts wake the worker sooner.",
    )
    lease_s: Seconds = Field(
        15.0,
        ge=2,
        le=600,
        description="A claimed row is its worker's for this long; the worker extends it while it "
        "holds the row, so a dead replica's rows are taken after at most this.",
    )
    heartbeat_s: Seconds | None = Field(
        None, description="How often leases are extended; default a third of lease_s."
    )
    breaker_failures: Count = Field(
        5, le=1000, description="Consecutive failures that open an endpoint's circuit."
    )
    breaker_cooldown_s: Seconds = Field(
        30.0, ge=0.1, le=3600, description="How long an open circuit waits before a probe."
    )

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> OutboxConfig:
        if self.heartbeat_s is not None and self.heartbeat_s > self.lease_s / 2:
            raise ValueError(
                f"heartbeat_s ({self.heartbeat_s:g}) must be at most half of lease_s "
                f"({self.lease_s:g}), or a busy worker loses its own rows"
            )
        return self


class LevelsConfig(Strict):
    flap_window_s: DelaySeconds = Field(
        300.0,
        description="Hold a lowering or lift this long; a contradiction within it cancels it.",
    )
    expiry_check_s: Seconds = Field(
        15.0, le=3600, description="How often terms are checked for expiry."
    )


class DispatchConfig(Strict):
    group_wait_s: float = Field(
        30.0,
        ge=0,
        le=600,
        allow_inf_nan=False,
        description="Changes arriving within this many seconds of the first undispatched one "
        "become one notice per follower and channel; 0 sends each document's changes at once. "
        "An extreme change is never held back.",
    )


class RetentionConfig(Strict):
    """How long history is kept (README 'Retention'); null keeps a kind for ever."""

    documents_s: RetentionSeconds | None = Field(
        90 * 86400.0,
        description="Records of documents already read, by when a source last listed them new. "
        "A source still listing a document older than this reads it again (an older document "
        "never overrides a newer level, so this is safe but costs an extraction).",
    )
    events_s: RetentionSeconds | None = Field(
        365 * 86400.0, description="Level changes (the history and the feed)."
    )
    deliveries_s: RetentionSeconds | None = Field(
        30 * 86400.0,
        description="Sent, suppressed and dead deliveries and their attempt history.",
    )
    reports_s: RetentionSeconds | None = Field(
        365 * 86400.0, description="Confirmed and dismissed reports, by their decision time."
    )
    interval_s: Seconds = Field(3600.0, ge=60, le=86400, description="How often it runs.")
    batch: Count = Field(1000, description="Rows deleted per transaction.")


class CorroborationConfig(Strict):
    """When media reports confirm each other (README 'Trust')."""

    publishers: int = Field(
        2,
        ge=2,
        le=10,
        description="Independent publishers (different sources and sites) that must report the "
        "same scheme, area, level and action.",
    )
    window_s: float = Field(
        21600.0,
        ge=60,
        le=7 * 86400,
        description="Reports count together when their times are at most this far apart.",
    )


class TrustConfig(Strict):
    corroboration: CorroborationConfig = CorroborationConfig()
    extreme_nationwide_needs_operator: bool = Field(
        True,
        description="An extreme level for a whole country from a source that is not official "
        "waits for an operator, however many publishers report it.",
    )


class ExtractionConfig(Strict):
    """Bounds on the work and the trust given to one document (README "Hostile input")."""

    budget_s: float = Field(
        2.0,
        gt=0,
        le=600,
        description="Wall-clock seconds extraction may spend on one document; over it, the "
        "document is recorded as failed for its source.",
    )
    future_skew_s: float = Field(
        86400.0,
        ge=0,
        le=366 * 86400,
        description="A published/effective date further than this ahead of the fetch time is "
        "clamped to the fetch time and flagged.",
    )
    max_attempts: int = Field(
        3,
        ge=1,
        le=100,
        description="Polls that may fail on the same document before it is recorded as seen "
        "with status failed, so the documents after it flow.",
    )


class NetworkConfig(Strict):
    """Where sources and webhooks may connect (README "Hostile input and network safety")."""

    allow: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Networks allowed although private, loopback or link-local, e.g. "
        '["127.0.0.0/8"] for a local demo. Public addresses are always allowed.',
    )


class StorageConfig(Strict):
    url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite+aiosqlite:///<data_dir>/notifier.db.",
    )


class ServerConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    public_url: str | None = Field(None, description="URL the world reaches this service at.")
    demo_consumer: bool = Field(
        False, description="Serve POST /demo/webhook, a consumer that verifies signatures."
    )
    timezone: str = Field(
        "UTC",
        max_length=64,
        description="IANA time zone the status page shows times in, e.g. Asia/Almaty.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # OSError: a folder of the zone database ("Europe") or a name too long for a file
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Asia/Almaty or UTC)"
            ) from None
        return value


class TokenScope(StrEnum):
    """What a token may do: `read` every GET of /api, `admin` everything (reads included)."""

    READ = "read"
    ADMIN = "admin"


class ApiToken(Strict):
    """A bearer token of the API, stored as the SHA-256 of the token (`notifier token new`)."""

    name: str = Field(
        pattern=_ID, description="Who holds the token; shown in logs, never the token."
    )
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="Hex SHA-256 of the token (`notifier token hash`)."
    )
    scopes: list[TokenScope] = Field(min_length=1, description="read and/or admin.")

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, int | float):  # all digits, or digits and one e: YAML's number
            raise ValueError("put the hash in quotes: YAML read it as a number")
        return value.strip().lower() if isinstance(value, str) else value


class ApiConfig(Strict):
    """Who may call /api and how often (see the README's operator guide)."""

    tokens: list[ApiToken] = Field(default_factory=list)
    rate_per_s: float = Field(
        10.0, gt=0, le=100000, description="Requests per second per token (or per client address)."
    )
    burst: int = Field(30, ge=1, le=100000, description="Requests allowed at once above the rate.")

    @model_validator(mode="after")
    def _unique(self) -> ApiConfig:
        names: dict[str, int] = {}
        hashes: dict[str, int] = {}
        for i, token in enumerate(self.tokens):
            if token.name in names:
                raise ValueError(
                    f"tokens[{i}].name: duplicate name {token.name!r} (first at tokens[{names[token.name]}])"
                )
            if token.sha256 in hashes:
                raise ValueError(
                    f"tokens[{i}].sha256: the same token as tokens[{hashes[token.sha256]}]"
                )
            names[token.name] = hashes[token.sha256] = i
        return self


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


class CatalogConfig(Strict):
    schemes: Path = Path("schemes")
    areas: Path = Path("areas")


class TemplatesConfig(Strict):
    dir: Path | None = Field(None, description="Folder of templates overriding the defaults.")
    sms_max_segments: int = Field(3, ge=1, le=10)


class EmptyPart(enum.StrEnum):
    """What a reload may empty: it is refused unless the file names the part in `allow_empty`."""

    SOURCES = "sources"
    FOLLOWERS = "followers"
    TWILIO = "twilio"


class Config(Strict):
    data_dir: Path = Path("var")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: LogFormat = Field(
        LogFormat.CONSOLE, description="console (readable) or json (one object per line)."
    )
    storage: StorageConfig = StorageConfig()
    server: ServerConfig = ServerConfig()
    catalog: CatalogConfig = CatalogConfig()
    sources: list[Source] = Field(default_factory=list)
    subscribers: list[SmsSubscriber] = Field(default_factory=list)
    webhooks: list[WebhookEndpoint] = Field(default_factory=list)
    twilio: TwilioConfig = TwilioConfig()
    outbox: OutboxConfig = OutboxConfig()
    dispatch: DispatchConfig = DispatchConfig()
    levels: LevelsConfig = LevelsConfig()
    retention: RetentionConfig = RetentionConfig()
    trust: TrustConfig = TrustConfig()
    templates: TemplatesConfig = TemplatesConfig()
    api: ApiConfig = ApiConfig()
    allow_empty: list[EmptyPart] = Field(
        default_factory=list,
        description="Let a reload remove every source, every follower (subscribers and "
        "webhooks) or the Twilio credentials; the emptied part must also be written out "
        "(`sources: []`). Without it such a reload is refused as a likely half-written file.",
    )
    extraction: ExtractionConfig = ExtractionConfig()
    network: NetworkConfig = NetworkConfig()
    # Where the file was read from; relative paths in it are resolved against its folder.
    base_dir: Path = Field(Path("."), exclude=True)
    # YAML path (as a pydantic loc) -> (line, column), both from 1, of the key that set it;
    # read from the text on first use (`_position_reader`), as only messages need it.
    _positions: dict[tuple[str | int, ...], tuple[int, int]] = PrivateAttr(default_factory=dict)
    _position_reader: Callable[[], dict[tuple[str | int, ...], tuple[int, int]]] | None = (
        PrivateAttr(default=None)
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        for name, items in (
            ("sources", self.sources),
            ("subscribers", self.subscribers),
            ("webhooks", self.webhooks),
        ):
            seen: dict[str, int] = {}
            for i, item in enumerate(items):
                if item.id in seen:
                    raise ValueError(
                        f"{name}[{i}].id: duplicate id {item.id!r} (first at {name}[{seen[item.id]}])"
                    )
                seen[item.id] = i
        # Opt-outs, disabled endpoints and deliveries are keyed by follower id alone.
        subscriber_ids = {s.id: i for i, s in enumerate(self.subscribers)}
        for i, hook in enumerate(self.webhooks):
            if hook.id in subscriber_ids:
                raise ValueError(
                    f"webhooks[{i}].id: id {hook.id!r} is also subscribers"
                    f"[{subscriber_ids[hook.id]}].id; a follower id must be unique across "
                    "subscribers and webhooks"
                )
        for name, followers in (("subscribers", self.subscribers), ("webhooks", self.webhooks)):
            for i, follower in enumerate(followers):
                if follower.id.startswith("sms:"):
                    raise ValueError(
                        f"{name}[{i}].id: ids starting with 'sms:' are reserved for people who "
                        "join by SMS"
                    )
        return self

    def where(self, *loc: str | int) -> str:
        """` (line L, column C)` of the nearest key of `loc` the file wrote, or ''."""
        if self._position_reader is not None:
            self._positions, self._position_reader = self._position_reader(), None
        return _where(self._positions, loc)

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path)

    @property
    def database_url(self) -> str:
        if self.storage.url:
            return self.storage.url
        return f"sqlite+aiosqlite:///{self.resolve(self.data_dir) / 'notifier.db'}"


# --- Loading -----------------------------------------------------------------------------------

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


# 100,000 followers take about 8.5 MiB and 550,000 values. Read as events into plain values
# (`_PlainBuilder`), a value costs ~150 bytes while loading, so these bounds cap what a hostile
# file can make us hold at about the memory the old 4 MiB / 200,000 bounds allowed through a
# round-trip node tree.
MAX_CONFIG_BYTES = 16 * 1024 * 1024
_MAX_NODES = 1_000_000  # aliases may repeat a node; this bounds "billion laughs" expansion
_MAX_DEPTH = 64
_MAX_INDENT = 256

Loc = tuple[str | int, ...]
Positions = dict[Loc, tuple[int, int]]


def load_config(
    path: Path | str | None = None,
    *,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    """Read, interpolate and validate a config file; raise ConfigError with one line per problem."""
    file = Path(path) if path is not None else default_config_path()
    return parse_config(read_config_text(file), file=file, environ=environ, overrides=overrides)


def read_config_text(file: Path) -> str:
    """The file's text, or ConfigError when it is missing, unreadable or absurdly large."""
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([f"config file not found: {file}"], str(file)) from None
    except OSError as exc:
        raise ConfigError([f"cannot read config file: {exc}"], str(file)) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            [f"config file is larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB"], str(file)
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"cannot read config file: not UTF-8 ({exc})"], str(file)) from None


def parse_config(
    text: str,
    *,
    file: Path | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    name = str(file) if file else "<config>"
    # Where each key is written matters only for messages, and for 100,000 followers it weighs
    # more than the followers: read without it, and read the text again when a message needs it.
    data, _ = read_yaml(text, name, positions=False)
    overridden = [tuple(key.split(".")) for key in overrides or {}]

    def positions_of() -> Positions:
        positions = read_yaml(text, name)[1]
        # The command line set these: a line of the file would point at the wrong place.
        for prefix in overridden:
            for loc in [loc for loc in positions if loc[: len(prefix)] == prefix]:
                del positions[loc]
        return positions

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            [f"the top level must be a mapping of settings, not {type(data).__name__}"], name
        )
    env = dict(os.environ) if environ is None else environ
    errors: list[str] = []
    data = _interpolate(data, env, (), errors, {})
    if errors:
        errors = []
        _interpolate(read_yaml(text, name)[0], env, (), errors, positions_of())
        raise ConfigError(errors, name)
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value)
    data["base_dir"] = file.parent if file else Path(".")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_errors(exc, positions_of()), name) from None
    config._position_reader = positions_of
    return config


def read_yaml(
    text: str, name: str = "<config>", *, positions: bool = True
) -> tuple[Any, Positions]:
    """Parse YAML 1.2 into plain dicts and lists, with the line and column of every key
    (unless `positions` is false: then the second item is empty).

    YAML 1.2, not 1.1: `22:00` stays the string "22:00" (1.1 reads 1320), `no` stays "no".
    """
    too_deep = _too_deep(text)
    if too_deep:
        raise ConfigError([f"YAML syntax error at line {too_deep}: nested too deeply"], name)
    try:
        return _PlainBuilder(positions=positions).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"YAML syntax error at {where}{problem}"], name) from None
    except YAMLError as exc:
        raise ConfigError([f"YAML syntax error: {exc}"], name) from None
    except _Unplain as exc:
        raise ConfigError([str(exc)], name) from None


def _too_deep(text: str) -> int:
    """The line where nesting gets absurd, or 0: a linear scan, because the YAML parser is
    recursive and takes seconds to fail on thousands of nested brackets."""
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        content = line.lstrip(" ")
        if not content.strip() or content.startswith("#"):
            continue  # blank lines and comments nest nothing
        if len(line) - len(content) > _MAX_INDENT:
            return number
        for char in line:  # brackets inside quoted strings count too: a harmless overestimate
            if char in "[{":
                depth += 1
                if depth > _MAX_DEPTH:
                    return number
            elif char in "]}":
                depth = max(depth - 1, 0)
    return 0


class _Unplain(Exception):
    pass


_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_CORE + t for t in ("null", "bool", "int", "float", "timestamp"))


class _PlainBuilder:
    """YAML parser events straight into plain dicts and lists, with the line and column of
    every key and item.

    No node tree and no round-trip objects: a document of 100,000 followers would need more
    than a gigabyte as either (every scalar with two position marks), while the events pass
    one at a time and memory stays that of the result. Aliases share the value they refer to
    and are charged to the value budget at their full expanded size (a "billion laughs" is
    refused before anything is copied); merge keys (`<<`) work as in YAML 1.1 and ruamel.
    """

    def __init__(self, *, positions: bool = True) -> None:
        self._record = positions
        self._yaml = YAML(typ="safe", pure=True)
        self._resolver = self._yaml.resolver
        self._constructor = self._yaml.constructor
        self._budget = _MAX_NODES
        self._anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, values inside)
        self.positions: Positions = {}

    def load(self, text: str) -> tuple[Any, Positions]:
        self._events = self._yaml.parse(text)
        self._next: Any = None
        self._expect(StreamStartEvent)
        if isinstance(self._peek(), StreamEndEvent):
            return None, self.positions
        self._expect(DocumentStartEvent)
        value, _count = self._value(())
        self._expect(DocumentEndEvent)
        if not isinstance(self._peek(), StreamEndEvent):
            raise _Unplain("YAML syntax error: expected a single document in the stream")
        return value, self.positions

    # --- events ------------------------------------------------------------------------------

    def _peek(self) -> Any:
        if self._next is None:
            self._next = next(self._events)
        return self._next

    def _take(self) -> Any:
        event = self._peek()
        self._next = None
        return event

    def _expect(self, kind: type) -> Any:
        event = self._take()
        if not isinstance(event, kind):
            raise _Unplain(f"YAML syntax error: unexpected {type(event).__name__}")
        return event

    # --- values ------------------------------------------------------------------------------

    def _charge(self, loc: Loc, count: int) -> None:
        self._budget -= count
        if self._budget < 0:
            raise _Unplain(
                f"YAML too large: more than {_MAX_NODES} values (after expanding aliases)"
            )
        if len(loc) > _MAX_DEPTH:
            raise _Unplain(f"{_path_text(loc[:8])}...: YAML nested deeper than {_MAX_DEPTH} levels")

    def _value(self, loc: Loc) -> tuple[Any, int]:
        """The value at `loc` and how many values it holds (itself included)."""
        event = self._take()
        if isinstance(event, AliasEvent):
            if event.anchor not in self._anchors:
                raise MarkedYAMLError(
                    problem=f"found undefined alias {event.anchor!r}",
                    problem_mark=event.start_mark,
                )
            value, count = self._anchors[event.anchor]
            self._charge(loc, count)
            return value, count
        self._charge(loc, 1)
        if isinstance(event, ScalarEvent):
            value, count = self._scalar(event, loc), 1
        elif isinstance(event, SequenceStartEvent):
            self._collection_tag(event, SequenceNode, "seq", loc)
            value, count = self._sequence(loc)
        elif isinstance(event, MappingStartEvent):
            self._collection_tag(event, MappingNode, "map", loc)
            value, count = self._mapping(event, loc)
        else:
            raise _Unplain(f"YAML syntax error: unexpected {type(event).__name__}")
        if event.anchor is not None:
            self._anchors[event.anchor] = (value, count)
        return value, count

    def _tag(self, event: Any, node_type: type, value: str | None) -> str:
        tag = event.ctag
        if tag is None or str(tag) == "!":
            tag = self._resolver.resolve(node_type, value, event.implicit)
        return str(tag)

    def _collection_tag(self, event: Any, node_type: type, kind: str, loc: Loc) -> None:
        tag = self._tag(event, node_type, None)
        if tag != _CORE + kind:
            raise _Unplain(f"{_path_text(loc) or '<top>'}: unsupported YAML tag {tag}")

    def _scalar(self, event: Any, loc: Loc) -> Any:
        tag = self._tag(event, ScalarNode, event.value)
        if tag == _CORE + "str":
            return str(event.value)
        if tag not in _SCALAR_TAGS:
            raise _Unplain(f"{_path_text(loc) or '<top>'}: unsupported YAML tag {tag}")
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        return self._constructor.yaml_constructors[tag](self._constructor, node)

    def _sequence(self, loc: Loc) -> tuple[list[Any], int]:
        items: list[Any] = []
        total = 1
        while not isinstance(self._peek(), SequenceEndEvent):
            child = (*loc, len(items))
            if self._record:
                mark = self._peek().start_mark
                self.positions[child] = (mark.line + 1, mark.column + 1)
            value, count = self._value(child)
            items.append(value)
            total += count
        self._take()
        return items, total

    def _mapping(self, start: Any, loc: Loc) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        merges: list[dict[str, Any]] = []
        total = 1
        while not isinstance(self._peek(), MappingEndEvent):
            key_event = self._take()
            mark = key_event.start_mark
            if isinstance(key_event, ScalarEvent) and (
                self._tag(key_event, ScalarNode, key_event.value) == _CORE + "merge"
            ):
                merged, count = self._value(loc)
                total += count
                merges.extend(self._mergeable(merged, loc, mark))
                continue
            key = self._key(key_event, loc)
            child = (*loc, key)
            value, count = self._value(child)
            total += count
            if key in out:
                raise MarkedYAMLError(
                    problem=f'found duplicate key "{key}" with value "{value}" '
                    f'(original value: "{out[key]}")',
                    problem_mark=mark,
                )
            if self._record:
                self.positions[child] = (mark.line + 1, mark.column + 1)
            out[key] = value
        self._take()
        # Keys written in the mapping win over merged ones; of the merged, the first wins.
        for merged in merges:
            for key, value in merged.items():
                if key not in out:
                    out[key] = value
                    if self._record:
                        where = start.start_mark
                        self.positions[(*loc, key)] = (where.line + 1, where.column + 1)
        return out, total

    def _key(self, event: Any, loc: Loc) -> str:
        if not isinstance(event, ScalarEvent):
            raise _Unplain(f"{_path_text(loc) or '<top>'}: a key must be a plain word")
        key = self._scalar(event, loc)
        if not isinstance(key, str | int | float | bool):
            raise _Unplain(f"{_path_text(loc) or '<top>'}: a key must be a plain word")
        return str(key)

    def _mergeable(self, value: Any, loc: Loc, mark: Any) -> list[dict[str, Any]]:
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return list(value)
        raise MarkedYAMLError(
            problem="expected a mapping or list of mappings for merging", problem_mark=mark
        )


def format_validation_errors(exc: ValidationError, positions: Positions | None = None) -> list[str]:
    lines = []
    where = positions or {}
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        path = _path_text(loc)
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        ctx = err.get("ctx", {})
        unit = _unit_of(loc)
        if err["type"] == "extra_forbidden":
            msg = "unknown setting (check the spelling; see `notifier config-schema`)"
        elif err["type"] == "union_tag_invalid":
            msg = f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        elif err["type"] == "union_tag_not_found":
            msg = "missing 'type'"
        elif err["type"] == "string_pattern_mismatch":
            msg = _PATTERN_MESSAGES.get(ctx.get("pattern", ""), msg)
        elif err["type"] == "finite_number":
            msg = f"must be a finite number{unit}, not {err.get('input')!r}"
        elif err["type"] in ("less_than_equal", "less_than") and unit:
            msg = f"must be at most {_seconds_text(float(ctx.get('le', ctx.get('lt', 0))))}"
        # A model-level rule may already name its own path ("sources[1].id: ...").
        own = _OWN_PATH.match(msg) if not path else None
        if own:
            lines.append(f"{own[1]}{_where(where, _parse_path(own[1]))}: {own[2]}")
        else:
            lines.append(f"{path or '<top>'}{_where(where, loc)}: {msg}")
    return lines


_OWN_PATH = re.compile(r"^([a-z_]+(?:\[\d+\]|\.[a-z_]+)+): (.*)$", re.DOTALL)
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([a-z_]+)")

_PATTERN_MESSAGES = {
    r"^https?://": "must be an http:// or https:// URL",
    _ID: "must start with a letter or digit and use only letters, digits and _ . : -",
    r"^[a-z]{2}$": "must be a two-letter ISO 639-1 language code such as en, ru or kk",
}


def _unit_of(loc: Loc) -> str:
    named = [part for part in loc if isinstance(part, str)]
    return " of seconds" if named and named[-1].endswith("_s") else ""


def _seconds_text(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds:g} seconds ({seconds / 86400:g} days)"
    return f"{seconds:g} seconds"


def _clean_loc(loc: tuple[int | str, ...]) -> Loc:
    """A pydantic error location as the YAML path: no union tags, no validator names."""
    out: list[str | int] = []
    parts = list(loc)
    for i, part in enumerate(parts):
        # pydantic puts the discriminator tag after a list index: sources[0].rss.url -> drop it.
        if (
            isinstance(part, str)
            and i > 0
            and isinstance(parts[i - 1], int)
            and part in SOURCE_TYPES
            and i + 1 < len(parts)
        ):
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        out.append(part)
    return tuple(out)


def _path_text(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _parse_path(text: str) -> Loc:
    return tuple(int(m[1]) if m[1] else m[2] for m in _PATH_PART.finditer(text))


def _where(positions: Positions, loc: Loc) -> str:
    for end in range(len(loc), 0, -1):
        found = positions.get(loc[:end])
        if found:
            return f" (line {found[0]}, column {found[1]})"
    return ""


def _interpolate(
    value: Any, env: dict[str, str], path: Loc, errors: list[str], positions: Positions
) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, env, (*path, k), errors, positions) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env, (*path, i), errors, positions) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            errors.append(
                f"{_path_text(path)}{_where(positions, path)}: environment variable {name} "
                f"is not set (write ${{{name}:-}} to make it optional)"
            )
            return ""

        return _ENV_REF.sub(sub, value)
    return value


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def config_json_schema() -> dict[str, Any]:
    schema = TypeAdapter(Config).json_schema(by_alias=True)
    schema.get("properties", {}).pop("base_dir", None)
    schema["title"] = "notifier configuration"
    return schema


def iter_followers(config: Config) -> Iterator[Recipient]:
    yield from config.subscribers
    yield from config.webhooks

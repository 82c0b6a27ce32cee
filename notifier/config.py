"""The YAML configuration: pydantic models (the only schema), loading, `${ENV}` interpolation.

Errors name the YAML path (`sources[0].url: ...`); secrets are `SecretStr` and never printed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from notifier.errors import ConfigError
from notifier.model import Severity, TransitionKind, Trust

DEFAULT_CONFIG = Path("config/notifier.yaml")
CONFIG_ENV = "NOTIFIER_CONFIG"

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Sources -----------------------------------------------------------------------------------


class SourceBase(Strict):
    id: str = Field(pattern=_ID, description="Unique id of the source; used in logs and the API.")
    enabled: bool = True
    interval_s: float = Field(300.0, ge=1, description="Seconds between polls.")
    jitter_s: float = Field(5.0, ge=0, description="Random delay added to each poll.")
    baseline: bool = Field(
        True,
        description="On the first poll record what is there and notify nobody.",
    )
    min_confidence: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Announcements below this confidence go to the review queue.",
    )
    stale_after_s: float | None = Field(
        None, gt=0, description="Report the source stale after this long without new documents."
    )
    language: str | None = Field(None, description="Language hint for documents of this source.")
    backoff_max_s: float = Field(
        3600.0,
        gt=0,
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
    interval_s: float = Field(10.0, ge=0.1)
    max_bytes: int = Field(5 * 1024 * 1024, gt=0, description="Larger files are refused.")


class FileSource(SourceBase):
    """One local file; a change of its content is a new document."""

    type: Literal["file"]
    path: Path
    interval_s: float = Field(10.0, ge=0.1)
    max_bytes: int = Field(5 * 1024 * 1024, gt=0, description="A larger file is refused.")


class HttpSource(SourceBase):
    url: str = Field(pattern=r"^https?://", description="http:// or https:// URL.")
    timeout_s: float = Field(20.0, gt=0)
    max_bytes: int = Field(5 * 1024 * 1024, gt=0, description="Larger bodies are cut off.")
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
    max_links: int = Field(50, ge=0, description="At most this many linked alerts per poll.")


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
    timeout_s: float = Field(15.0, gt=0)
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
    timeout_s: float = Field(15.0, gt=0)
    max_per_s: float = Field(1.0, gt=0, description="Messages per second per sender.")
    inbound_join: bool = Field(
        False,
        description="Let anyone subscribe by texting JOIN <area> (LEAVE to stop).",
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
    max_attempts: int = Field(8, ge=1)
    retry_schedule_s: list[float] = Field(
        default_factory=lambda: [5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0],
        min_length=1,
        description="Delay before each retry; the last one repeats.",
    )
    jitter_ratio: float = Field(0.2, ge=0, le=1)
    concurrency: int = Field(16, ge=1, description="Deliveries in flight at once.")
    per_endpoint: int = Field(4, ge=1, description="Deliveries in flight per endpoint/number.")
    sweep_interval_s: float = Field(1.0, gt=0)
    claim_timeout_s: float = Field(120.0, gt=0, description="A claim older than this is stale.")


class LevelsConfig(Strict):
    flap_window_s: float = Field(
        300.0,
        ge=0,
        description="Hold a lowering or lift this long; a contradiction within it cancels it.",
    )
    expiry_check_s: float = Field(15.0, gt=0, description="How often terms are checked for expiry.")


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


class CatalogConfig(Strict):
    schemes: Path = Path("schemes")
    areas: Path = Path("areas")


class TemplatesConfig(Strict):
    dir: Path | None = Field(None, description="Folder of templates overriding the defaults.")
    sms_max_segments: int = Field(3, ge=1, le=10)


class Config(Strict):
    data_dir: Path = Path("var")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    storage: StorageConfig = StorageConfig()
    server: ServerConfig = ServerConfig()
    catalog: CatalogConfig = CatalogConfig()
    sources: list[Source] = Field(default_factory=list)
    subscribers: list[SmsSubscriber] = Field(default_factory=list)
    webhooks: list[WebhookEndpoint] = Field(default_factory=list)
    twilio: TwilioConfig = TwilioConfig()
    outbox: OutboxConfig = OutboxConfig()
    levels: LevelsConfig = LevelsConfig()
    trust: TrustConfig = TrustConfig()
    templates: TemplatesConfig = TemplatesConfig()
    # Where the file was read from; relative paths in it are resolved against its folder.
    base_dir: Path = Field(Path("."), exclude=True)

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
        return self

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


def load_config(
    path: Path | str | None = None,
    *,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    """Read, interpolate and validate a config file; raise ConfigError with one line per problem."""
    file = Path(path) if path is not None else default_config_path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"config file not found: {file}"], str(file)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read config file: {exc}"], str(file)) from None
    return parse_config(text, file=file, environ=environ, overrides=overrides)


def parse_config(
    text: str,
    *,
    file: Path | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    name = str(file) if file else "<config>"
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"YAML syntax error at {where}{problem}"], name) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"YAML syntax error: {exc}"], name) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            [f"the top level must be a mapping of settings, not {type(data).__name__}"], name
        )
    env = dict(os.environ) if environ is None else environ
    errors: list[str] = []
    data = _interpolate(data, env, (), errors)
    if errors:
        raise ConfigError(errors, name)
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value)
    data["base_dir"] = file.parent if file else Path(".")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_errors(exc), name) from None


def format_validation_errors(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        path = _yaml_path(err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown setting (check the spelling; see `notifier config-schema`)"
        elif err["type"] == "union_tag_invalid":
            ctx = err.get("ctx", {})
            msg = f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        elif err["type"] == "union_tag_not_found":
            msg = "missing 'type'"
        elif err["type"] == "string_pattern_mismatch":
            msg = _PATTERN_MESSAGES.get(err.get("ctx", {}).get("pattern", ""), msg)
        # A model-level rule may already name its own path ("sources[1].id: ...").
        if not path and re.match(r"^[a-z_]+\[\d+\]\.", msg):
            lines.append(msg)
        else:
            lines.append(f"{path or '<top>'}: {msg}")
    return lines


_PATTERN_MESSAGES = {
    r"^https?://": "must be an http:// or https:// URL",
    _ID: "must start with a letter or digit and use only letters, digits and _ . : -",
    r"^[a-z]{2}$": "must be a two-letter ISO 639-1 language code such as en, ru or kk",
}


def _yaml_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    parts = list(loc)
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        # pydantic puts the discriminator tag after a list index: sources[0].rss.url -> drop it.
        if i > 0 and isinstance(parts[i - 1], int) and part in SOURCE_TYPES and i + 1 < len(parts):
            continue
        if part.startswith("function-") or part in {"function-after", "function-before"}:
            continue
        out += f".{part}" if out else part
    return out


def _interpolate(value: Any, env: dict[str, str], path: tuple[Any, ...], errors: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, env, (*path, k), errors) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env, (*path, i), errors) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            errors.append(
                f"{_yaml_path(path)}: environment variable {name} is not set "
                f"(write ${{{name}:-}} to make it optional)"
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

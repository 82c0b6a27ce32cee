"""SMS through Twilio's Messages API, with the twilio library's async client.

One `send` is one `POST Messages.json`. The client's own retries (`max_retries`) are never
used: they repeat a POST after a 5xx and can send the same SMS twice; the outbox decides.

Delivery semantics are at-least-once. A 5xx, a timeout or a connection dropped after the
request went out are ambiguous (Twilio may have queued the message) and Twilio's Messages API
has no idempotency key, so they are still reported retryable, with "may duplicate" in the
reason: for a threat-level alert a duplicate costs less than a notice that never arrives.
Pass `retry_ambiguous=False` for at-most-once (those outcomes become permanent).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from notifier.config import TwilioConfig
from notifier.model import ChannelKind, DeliveryResult, Notice

__all__ = ["TokenBucket", "TwilioSmsChannel", "classify_twilio_error"]

# The name operators and `notifier run` tune (it predates the folder).
log = logging.getLogger("notifier.channels.twilio_sms")

OPTED_OUT = 21610
INVALID_NUMBERS = {21211: "invalid 'To' number", 21614: "'To' is not a mobile number"}
RATE_LIMITED = 20429
QUEUE_FULL = 21611  # the sender's queue holds more than 10 h of messages: slow down
_QUEUE_FULL_RETRY_S = 300.0

_TWILIO_HOST = re.compile(r"^https://[A-Za-z0-9.-]+\.twilio\.com")


def classify_twilio_error(
    status: int, code: int | None, message: str = "", *, retry_ambiguous: bool = True
) -> DeliveryResult:
    """Map a Twilio API error (HTTP status and Twilio error code) to a delivery result."""
    label = f"twilio {code or status}: {message}" if message else f"twilio {code or status}"
    if code == OPTED_OUT:
        return DeliveryResult.permanent(f"{label} (recipient opted out)", opted_out=True)
    if code in INVALID_NUMBERS:
        return DeliveryResult.permanent(f"{label} ({INVALID_NUMBERS[code]})")
    if code == RATE_LIMITED or status == 429:
        # Twilio: "never processed, always safe to retry".
        return DeliveryResult.retryable(f"{label} (rate limited)")
    if code == QUEUE_FULL:
        return DeliveryResult.retryable(f"{label} (sender queue full)", _QUEUE_FULL_RETRY_S)
    if 500 <= status < 600:
        if retry_ambiguous:
            return DeliveryResult.retryable(f"{label} (server error; may duplicate if retried)")
        return DeliveryResult.permanent(f"{label} (server error; not retried: may have been sent)")
    return DeliveryResult.permanent(label)


class TokenBucket:
    """Rate limit: `rate_per_s` tokens per second, at most `burst` saved up.

    `reserve()` takes a token now and returns how long the caller must wait before using it, so
    concurrent callers queue in order; the clock is injected so tests need no sleeping.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.rate_per_s = rate_per_s
        self.burst = burst if burst is not None else max(1.0, rate_per_s)
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate_per_s)
        self._stamp = now

    def wait_s(self) -> float:
        """Seconds until a token would be free, without taking one."""
        self._refill()
        return max(0.0, (1.0 - self._tokens) / self.rate_per_s)

    def reserve(self) -> float:
        """Take one token (possibly borrowed from the future); return seconds to wait first."""
        wait = self.wait_s()
        self._tokens -= 1.0
        return wait


class _RoutedHttpClient(AsyncTwilioHttpClient):
    """The async client with a real default timeout and an optional base URL (tests, demo).

    The library ignores its constructor `timeout` on the async path (aiohttp then waits
    forever), so it is applied here on every request; a Twilio URL is rewritten to `base_url`.
    """

    def __init__(self, *, base_url: str | None, timeout_s: float, logger: logging.Logger) -> None:
        super().__init__(timeout=timeout_s, logger=logger)  # never max_retries: duplicate SMS
        self._base_url = base_url.rstrip("/") if base_url else None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the library's signature
        allow_redirects: bool = False,
    ) -> Response:
        if self._base_url:
            url = _TWILIO_HOST.sub(self._base_url, url)
        if auth is not None:
            # As a header rather than aiohttp's deprecated BasicAuth; the client's request log
            # skips Authorization headers.
            creds = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {creds}"}
        return await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=allow_redirects,
        )


# (sender, now_s, interval_s, max_wait_s) -> (booked, seconds to wait): `Store.book_send`.
SendBooker = Callable[[str, float, float, float], Awaitable[tuple[bool, float]]]
# A shared limit spaces sends this much wider than 1/max_per_s, so that network jitter between
# the booked slot and Twilio's receipt never packs more than max_per_s into one second.
SHARED_HEADROOM = 1.02
_SHARED_UNAVAILABLE_RETRY_S = 2.0


def _print(line: str) -> None:
    print(line, flush=True)


class TwilioSmsChannel:
    """Sends a notice as one SMS; dry-run (no credentials) prints it instead.

    Construct anywhere, but `start()` (or the first `send`) must run inside the event loop: the
    twilio async client opens its aiohttp session on construction.
    """

    kind: ChannelKind = ChannelKind.TWILIO_SMS

    def __init__(
        self,
        config: TwilioConfig,
        *,
        echo: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        max_wait_s: float = 30.0,
        retry_ambiguous: bool = True,
        shared_rate: SendBooker | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """`shared_rate`: book send slots in the database so that every replica together
        stays within `max_per_s` (README "SMS through Twilio"); without it the limit is a
        token bucket in this process."""
        self.config = config
        self._shared = shared_rate
        self._wall = wall_clock
        self._shared_interval_s = SHARED_HEADROOM / config.max_per_s
        self._shared_free = 0.0  # the sender's next free slot as last booked (wall clock)
        self._echo = echo or _print
        self._sleep = sleep
        self._max_wait_s = max_wait_s
        self._retry_ambiguous = retry_ambiguous
        self.bucket = TokenBucket(config.max_per_s, clock=clock)
        self._client: Client | None = None
        self._http: _RoutedHttpClient | None = None
        self._started = False

    @property
    def dry_run(self) -> bool:
        return self.config.dry_run

    async def start(self) -> None:
        """Open the Twilio client (or announce dry-run); idempotent."""
        if self._started:
            return
        self._started = True
        if self.dry_run:
            log.warning(
                "SMS DRY-RUN: no Twilio credentials configured (TWILIO_ACCOUNT_SID, "
                "TWILIO_AUTH_TOKEN); messages are printed here, not sent"
            )
            return
        cfg = self.config
        assert cfg.account_sid is not None and cfg.auth_token is not None  # not dry-run
        self._http = _RoutedHttpClient(
            base_url=cfg.base_url,
            timeout_s=cfg.timeout_s,
            logger=_quiet_logger(),
        )
        self._client = Client(
            cfg.account_sid, cfg.auth_token.get_secret_value(), http_client=self._http
        )
        sender = cfg.from_ or f"messaging service {cfg.messaging_service_sid}"
        where = f" via {cfg.base_url}" if cfg.base_url else ""
        log.info("SMS through Twilio account %s from %s%s", cfg.account_sid, sender, where)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._http = None
        self._client = None
        self._started = False

    async def __aenter__(self) -> TwilioSmsChannel:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def rate_per_s(self) -> float | None:
        """Messages per second this sender may start (None: no limit, dry-run). The outbox
        gives SMS only the delivery slots this rate fills in a short window, so messages
        waiting for their turn hold few slots."""
        if self.dry_run:
            return None
        if self._shared is not None:
            return 1.0 / self._shared_interval_s
        return self.bucket.rate_per_s

    def throttle_s(self, ahead: int = 0) -> float:
        """How long a message would wait for the sender's rate limit if `ahead` more were
        started before it; the outbox starts (and claims) no more SMS while this is long, e.g.
        while other replicas have booked the shared limit ahead."""
        if self.dry_run:
            return 0.0
        if self._shared is not None:
            # Other replicas' bookings show up at this replica's next booking.
            wait = max(0.0, self._shared_free - self._wall())
            return wait + ahead * self._shared_interval_s
        return self.bucket.wait_s() + ahead / self.bucket.rate_per_s

    @property
    def sender_key(self) -> str:
        """The rate limit's key: Twilio limits each number or Messaging Service."""
        cfg = self.config
        return f"{cfg.account_sid}:{cfg.from_ or cfg.messaging_service_sid}"

    async def _book_shared(self, book: SendBooker) -> DeliveryResult | None:
        """Wait for a shared slot; a result when the message must not be sent now."""
        now = self._wall()
        try:
            booked, wait = await book(
                self.sender_key, now, self._shared_interval_s, self._max_wait_s
            )
        except Exception as exc:  # the database is away (restarting): nothing went to Twilio
            log.warning("shared SMS rate limit unavailable: %s: %s", type(exc).__name__, exc)
            return DeliveryResult.deferred(
                "not attempted: shared rate limit unavailable", _SHARED_UNAVAILABLE_RETRY_S
            )
        self._shared_free = now + wait + (self._shared_interval_s if booked else 0.0)
        if not booked:
            return DeliveryResult.deferred(
                f"not attempted: sender rate limit ({self.config.max_per_s:g}/s)", wait
            )
        if wait > 0:
            await self._sleep(wait)
        return None

    async def send(self, notice: Notice) -> DeliveryResult:
        await self.start()
        if self.dry_run:
            self._echo(f"[dry-run SMS → {notice.to}] {notice.body}")
            return DeliveryResult.ok(provider_id="dry-run", reason="dry-run: not sent")
        if self._shared is not None:
            refused = await self._book_shared(self._shared)
            return refused if refused is not None else await self._create(notice)
        wait = self.bucket.wait_s()
        if wait > self._max_wait_s:
            # Nothing went to Twilio: not an attempt, so it can never dead-letter a message.
            return DeliveryResult.deferred(
                f"not attempted: sender rate limit ({self.config.max_per_s:g}/s)", wait
            )
        wait = self.bucket.reserve()
        if wait > 0:
            await self._sleep(wait)
        return await self._create(notice)

    async def _create(self, notice: Notice) -> DeliveryResult:
        assert self._client is not None
        cfg = self.config
        kwargs: dict[str, Any] = {
            "to": notice.to,
            "body": notice.body,
            "validity_period": cfg.validity_period_s,
        }
        if cfg.from_:
            kwargs["from_"] = cfg.from_
        else:
            kwargs["messaging_service_sid"] = cfg.messaging_service_sid
        if cfg.status_callback_url:
            kwargs["status_callback"] = cfg.status_callback_url
        try:
            message = await self._client.messages.create_async(**kwargs)
        except TwilioException as exc:
            status = int(getattr(exc, "status", 0) or 0)
            code = getattr(exc, "code", None)
            text = str(getattr(exc, "msg", "") or getattr(exc, "detail", "") or "")
            text = text.removeprefix("Unable to create record: ")
            return classify_twilio_error(status, code, text, retry_ambiguous=self._retry_ambiguous)
        except aiohttp.ClientConnectorError as exc:
            # Includes connect timeouts and DNS failures: nothing reached Twilio.
            return DeliveryResult.retryable(f"cannot connect to Twilio: {exc}")
        except aiohttp.ConnectionTimeoutError:
            return DeliveryResult.retryable("timed out connecting to Twilio")
        except TimeoutError:
            return self._ambiguous(f"no answer from Twilio within {cfg.timeout_s:g} s")
        except aiohttp.ClientError as exc:
            return self._ambiguous(f"connection to Twilio failed: {exc!r}")
        return DeliveryResult.ok(provider_id=str(message.sid or ""))

    def _ambiguous(self, what: str) -> DeliveryResult:
        if self._retry_ambiguous:
            return DeliveryResult.retryable(f"{what} (Twilio may have accepted it: may duplicate)")
        return DeliveryResult.permanent(f"{what} (not retried: Twilio may have accepted it)")


def _quiet_logger() -> logging.Logger:
    """The twilio client logs every request at INFO; keep that out of the service log unless
    someone turns `notifier.channels.twilio_sms.http` up. It never logs the auth header."""
    logger = logging.getLogger(f"{log.name}.http")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)
    return logger

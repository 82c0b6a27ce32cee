"""The one interface every channel implements, and the HTTP status rules they share.

A channel makes exactly one attempt and reports ok, retryable (with an optional delay) or
permanent; retry policy lives in the outbox, never here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, runtime_checkable

from notifier.model import DeliveryResult, Notice

__all__ = ["Channel", "classify_http_status", "parse_retry_after"]

# Statuses that say "not now" rather than "never": timeouts, throttling and server trouble.
_RETRYABLE_4XX = frozenset({408, 425, 429})


@runtime_checkable
class Channel(Protocol):
    """Delivers one rendered notice per call; `aclose` releases its connections."""

    @property
    def kind(self) -> str:
        """The kind it delivers (`ChannelSpec.kind`), as outbox rows name it."""
        ...

    async def send(self, notice: Notice) -> DeliveryResult: ...

    async def aclose(self) -> None: ...


def classify_http_status(
    status: int,
    *,
    retry_after: str | None = None,
    now: datetime | None = None,
    detail: str = "",
) -> DeliveryResult:
    """Map the HTTP status of one delivery attempt to a result.

    2xx ok; 410 Gone permanent and disables the endpoint; every other status is retried, as
    Svix and Stripe do: a 404 or 401 is often a deploy or a key rotation in progress, and the
    schedule ends in the dead letter anyway. 3xx are retried but never followed (the URL needs
    fixing); `Retry-After` is honoured on 408/425/429/5xx.
    """
    suffix = f": {detail}" if detail else ""
    if 200 <= status < 300:
        return DeliveryResult.ok(reason=f"HTTP {status}")
    if 300 <= status < 400:
        return DeliveryResult.retryable(f"HTTP {status} redirect not followed{suffix}")
    if status == 410:
        return DeliveryResult.permanent(
            f"HTTP 410 Gone: endpoint asked to be disabled{suffix}", disable_endpoint=True
        )
    if status in _RETRYABLE_4XX or 500 <= status < 600:
        return DeliveryResult.retryable(
            f"HTTP {status}{suffix}", retry_after_s=parse_retry_after(retry_after, now)
        )
    if 400 <= status < 500:
        return DeliveryResult.retryable(f"HTTP {status}{suffix}")
    return DeliveryResult.retryable(f"unexpected HTTP status {status}{suffix}")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; None if absent
    or unreadable. A date in the past means "now" (0)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive parse means "-0000"
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())

"""Times an operator gives (expiry of an announcement, end of a silence): bounded, aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.app.errors import Invalid

MAX_ISO_CHARS = 64  # an ISO 8601 instant is 32 characters at most; the rest is an attack
MAX_AHEAD = timedelta(days=366)  # an operator's announcement or silence is reviewed yearly


def parse_instant(field: str, value: str | datetime, now: datetime) -> datetime:
    """An aware instant in the future and within a year of `now`, else `Invalid(field)`."""
    if isinstance(value, str):
        if len(value) > MAX_ISO_CHARS:
            raise Invalid(field, f"not an ISO 8601 time (longer than {MAX_ISO_CHARS} characters)")
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid(field, f"not an ISO 8601 time: {value!r}") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(field, "needs a UTC offset (e.g. 2026-12-05T18:00:00+00:00 or ...Z)")
    value = value.astimezone(UTC)
    if value <= now:
        raise Invalid(field, f"{value.isoformat()} is not in the future")
    if value - now > MAX_AHEAD:
        raise Invalid(field, f"{value.isoformat()} is more than {MAX_AHEAD.days} days ahead")
    return value

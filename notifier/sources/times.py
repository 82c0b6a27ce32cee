"""Lenient timestamp parsing for feeds, CAP and JSON: ISO 8601 or RFC 822, else None."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# "Tuesday, March 05, 2024 -  02:52" (the MI5 threat-level feed's pubDate).
# Each `\s*` is followed by something it cannot match, so no two of them share a run of spaces
# (`\s*-?\s*(...)?\s*$` was cubic in the length of one).
_LONG_FORM = re.compile(
    r"^(?:[A-Za-z]+,\s*)?([A-Za-z]+\s+\d{1,2},\s*\d{4})(?:\s*-)?(?:\s*(\d{1,2}:\d{2}))?\s*$"
)


def parse_time(value: object) -> datetime | None:
    """A timezone-aware datetime (UTC when the text names no zone), or None if unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed_long = _long_form(text)
            if parsed_long is None:
                return None
            parsed = parsed_long
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def from_struct_time(value: object) -> datetime | None:
    """feedparser's `*_parsed` fields (UTC struct_time) as an aware datetime."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _long_form(text: str) -> datetime | None:
    m = _LONG_FORM.match(text)
    if not m:
        return None
    day = " ".join(m.group(1).replace(",", " ").split())
    try:
        return datetime.strptime(f"{day} {m.group(2) or '00:00'}", "%B %d %Y %H:%M")
    except ValueError:
        return None

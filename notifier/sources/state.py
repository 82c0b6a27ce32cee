"""Per-source poll state, backoff and the report `notifier sources` and the API show.

`SourceState` is a plain dataclass; `to_json()` gives a JSON-ready dict and `from_json()`
reads one back (unknown keys are ignored, missing ones take defaults), so the store keeps it
as one JSON column per source id. Failures back off exponentially with a cap:
`backoff_delay_s(failures, interval_s, cap_s, rng)`; the poller skips a source whose
`next_poll` is still ahead after a failure.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from notifier.sources.times import parse_time

MAX_WARNINGS = 10
JITTER_RATIO = 0.2


@dataclass(slots=True)
class FileMark:
    """What a dir/file source knew of one file: a file whose mtime and size match is skipped."""

    mtime_ns: int
    size: int
    sha256: str


@dataclass(slots=True)
class SourceState:
    etag: str | None = None
    last_modified: str | None = None
    first_poll: datetime | None = None
    last_poll: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    next_poll: datetime | None = None
    items_seen: int = 0  # documents new to the store, counted by `record_new`
    last_new: datetime | None = None  # when the source last produced a new document
    last_documents: int = 0  # documents the last successful poll returned
    warnings: list[str] = field(default_factory=list)  # the last poll's, at most MAX_WARNINGS
    files: dict[str, FileMark] = field(default_factory=dict)  # dir/file: relative path -> mark
    links: dict[str, str] = field(default_factory=dict)  # cap index: followed URL -> entry key
    # Documents the pipeline failed on (extraction over budget, an apply error): attempts per
    # document (id|hash), the last poll's failure (None when every document went through),
    # and the documents given up after too many attempts, newest last.
    document_attempts: dict[str, int] = field(default_factory=dict)
    document_error: str | None = None
    failed_documents: list[dict[str, str]] = field(default_factory=list)

    def record_document_failures(
        self,
        failures: Sequence[tuple[str, str]],
        given_up: Sequence[tuple[str, str]],
        attempts: Mapping[str, int],
        now: datetime,
    ) -> None:
        """The pipeline's outcome for this poll's documents: (document id, reason) pairs."""
        self.document_attempts = dict(attempts)
        self.document_error = (
            "; ".join(f"document {doc_id}: {reason}" for doc_id, reason in failures)[:300] or None
        )
        at = now.isoformat(timespec="seconds")
        gone = [{"id": doc_id, "reason": reason[:300], "at": at} for doc_id, reason in given_up]
        # A new list: the poller's copy of a state shares this one with the original.
        self.failed_documents = [*self.failed_documents, *gone][-MAX_WARNINGS:]

    def record_success(self, now: datetime, interval_s: float, documents: int) -> None:
        self.last_poll = now
        self.first_poll = self.first_poll or now
        self.last_success = now
        self.consecutive_failures = 0
        self.last_documents = documents
        self.next_poll = now + timedelta(seconds=interval_s)

    def record_failure(
        self,
        now: datetime,
        error: str,
        *,
        interval_s: float,
        backoff_max_s: float,
        rng: Callable[[], float],
    ) -> None:
        self.last_poll = now
        self.first_poll = self.first_poll or now
        self.last_error = error
        self.last_error_at = now
        self.consecutive_failures += 1
        delay = backoff_delay_s(self.consecutive_failures, interval_s, backoff_max_s, rng)
        self.next_poll = now + timedelta(seconds=delay)

    def record_new(self, count: int, now: datetime) -> None:
        """The store found `count` documents it had not seen (called by the service)."""
        if count > 0:
            self.items_seen += count
            self.last_new = now

    def set_warnings(self, warnings: Sequence[str]) -> None:
        self.warnings = [w[:300] for w in warnings[:MAX_WARNINGS]]

    def in_backoff(self, now: datetime) -> bool:
        return self.consecutive_failures > 0 and self.next_poll is not None and now < self.next_poll

    def is_stale(self, now: datetime, stale_after_s: float | None) -> bool:
        """Nothing new for longer than `stale_after_s` (counted from the first poll if never)."""
        if stale_after_s is None:
            return False
        since = self.last_new or self.first_poll
        if since is None:
            return False
        return (now - since).total_seconds() > stale_after_s

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif f.name == "files":
                value = {k: dataclasses.asdict(v) for k, v in value.items()}
            elif isinstance(value, list | dict):
                value = json.loads(json.dumps(value))
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | None) -> SourceState:
        """Read `to_json()` output back; tolerant of missing, unknown and mistyped keys."""
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                data = {}
        if not isinstance(data, Mapping):
            return cls()
        state = cls()
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            default = getattr(state, f.name)
            if f.name == "files":
                state.files = _files(value)
            elif f.name == "links":
                if isinstance(value, Mapping):
                    state.links = {str(k): str(v) for k, v in value.items()}
            elif f.name == "warnings":
                if isinstance(value, list):
                    state.warnings = [str(w) for w in value]
            elif f.name == "document_attempts":
                if isinstance(value, Mapping):
                    state.document_attempts = {
                        str(k): v for k, v in value.items() if isinstance(v, int)
                    }
            elif f.name == "failed_documents":
                if isinstance(value, list):
                    state.failed_documents = [
                        {str(k): str(v) for k, v in item.items()}
                        for item in value
                        if isinstance(item, Mapping)
                    ]
            elif f.name in _DATETIME_FIELDS:
                setattr(state, f.name, parse_time(value) if value else None)
            elif isinstance(default, int) or f.name in ("consecutive_failures", "items_seen"):
                setattr(state, f.name, value if isinstance(value, int) else 0)
            else:
                setattr(state, f.name, value if isinstance(value, str) else None)
        return state


_DATETIME_FIELDS = {
    "first_poll",
    "last_poll",
    "last_success",
    "last_error_at",
    "next_poll",
    "last_new",
}


def _files(value: Any) -> dict[str, FileMark]:
    out: dict[str, FileMark] = {}
    if not isinstance(value, Mapping):
        return out
    for key, mark in value.items():
        if isinstance(mark, Mapping):
            try:
                out[str(key)] = FileMark(
                    int(mark["mtime_ns"]), int(mark["size"]), str(mark["sha256"])
                )
            except (KeyError, TypeError, ValueError):
                continue
    return out


def backoff_delay_s(
    failures: int, interval_s: float, cap_s: float, rng: Callable[[], float]
) -> float:
    """Seconds until the next try after `failures` consecutive failures: interval * 2^(n-1),
    at most `cap_s` (never below the interval), with +/-20% jitter from `rng()` in [0, 1)."""
    if failures <= 0:
        return interval_s
    base = min(interval_s * 2 ** min(failures - 1, 30), max(cap_s, interval_s))
    return base * (1 + JITTER_RATIO * (2 * rng() - 1))


def source_report(source: Any, row: Any, now: datetime) -> dict[str, Any]:
    """One source's line for `notifier sources` and `/api/sources`.

    `source` is the source's config; `row` anything with a `.state` dict (the store's row) or
    None when the source has never been polled.
    """
    state = SourceState.from_json(getattr(row, "state", None) if row is not None else None)
    stale_after_s = getattr(source, "stale_after_s", None)
    if not getattr(source, "enabled", True):
        status = "disabled"
    elif state.consecutive_failures or state.document_error:
        status = "failing"
    elif state.last_poll is None:
        status = "new"
    elif state.is_stale(now, stale_after_s):
        status = "stale"
    else:
        status = "ok"
    return {
        "id": source.id,
        "type": source.type,
        "status": status,
        "stale": state.is_stale(now, stale_after_s),
        "last_poll": _iso(state.last_poll),
        "last_success": _iso(state.last_success),
        "last_error": state.document_error or state.last_error,
        "last_error_at": _iso(state.last_error_at),
        "failures": state.consecutive_failures,
        "next_poll": _iso(state.next_poll),
        "seen": state.items_seen,
        "last_new": _iso(state.last_new),
        "warnings": list(state.warnings),
        "failed_documents": list(state.failed_documents),
    }


def format_sources_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """`source_report` dicts as an aligned text table."""
    columns = (
        "id",
        "type",
        "status",
        "last_success",
        "last_error",
        "failures",
        "next_poll",
        "seen",
    )
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None

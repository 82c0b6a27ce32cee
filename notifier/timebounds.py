"""Sanity bounds on the dates a document claims, applied where the pipeline receives it.

    doc, warnings = bound_document(doc, fetched_at=now, future_skew_s=86400)
    announcements, warnings = bound_announcements(anns, fetched_at=now, future_skew_s=86400)

A date is the publisher's claim, and a far-future one would win every "newer document" test
for ever (a document dated 9999-12-31 would pin its level). So a `published` or `effective`
date more than `future_skew_s` ahead of the fetch time is clamped to the fetch time, and the
announcement is marked `clamped`: the LevelBook never lets its date beat another document's.
An `expires` more than ten years ahead is dropped (the scheme's default term applies, or none).
Each change comes back as a warning line for the log and the source's report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from notifier.model import Announcement, Document

MAX_TERM = timedelta(days=3653)  # ten years


def dated_by_fetch(doc: Document, fetched_at: datetime) -> Document:
    """An undated document read as published when it was fetched (flagged in extra)."""
    extra = {**doc.extra, "dated_by_fetch": fetched_at.isoformat()}
    return dataclasses.replace(doc, published=fetched_at, extra=extra)


def bound_document(
    doc: Document, *, fetched_at: datetime, future_skew_s: float
) -> tuple[Document, list[str]]:
    """The document with a far-future `published` clamped to `fetched_at` (flagged in extra);
    an undated one is dated by its fetch time, so "until 28 October" has a year."""
    published = doc.published
    if published is None:
        return dated_by_fetch(doc, fetched_at), []
    if published <= fetched_at + timedelta(seconds=future_skew_s):
        return doc, []
    warning = (
        f"document {doc.id}: published {published.isoformat()} is more than "
        f"{future_skew_s:g} s after the fetch time; clamped to {fetched_at.isoformat()}"
    )
    extra = {**doc.extra, "clamped_published": published.isoformat()}
    return dataclasses.replace(doc, published=fetched_at, extra=extra), [warning]


def bound_announcements(
    announcements: Sequence[Announcement],
    *,
    fetched_at: datetime,
    future_skew_s: float,
    document_clamped: bool = False,
) -> tuple[list[Announcement], list[str]]:
    """Clamp far-future `published`/`effective`, drop absurd `expires`; see the module doc.

    `document_clamped`: the document's own date was clamped (`bound_document`), so every
    announcement of it is marked `clamped` too."""
    limit = fetched_at + timedelta(seconds=future_skew_s)
    out: list[Announcement] = []
    warnings: list[str] = []
    for a in announcements:
        changes: dict[str, object] = {}
        notes: list[str] = []
        clamped = a.clamped
        for name in ("published", "effective"):
            value: datetime | None = getattr(a, name)
            if value is not None and value > limit:
                changes[name] = fetched_at
                clamped = True
                notes.append(f"{name} {value.isoformat()} clamped to {fetched_at.isoformat()}")
        if a.expires is not None and a.expires > fetched_at + MAX_TERM:
            changes["expires"] = None
            notes.append(f"expires {a.expires.isoformat()} is more than ten years ahead; dropped")
        what = f"{a.scheme} {a.area.id} {a.level or 'lift'}"
        warnings.extend(f"document {a.document_id}: {what}: {note}" for note in notes)
        if document_clamped and not clamped:  # already said once for the whole document
            clamped = True
            notes.append("the document's date was clamped to the fetch time")
        if not notes:
            out.append(a)
            continue
        changes["clamped"] = clamped
        changes["warnings"] = (*a.warnings, *notes)
        out.append(dataclasses.replace(a, **changes))  # type: ignore[arg-type]
    return out, warnings

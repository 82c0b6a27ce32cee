"""Retention: history older than the `retention:` ages is deleted (the `retention` job)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from notifier.config import RetentionConfig
from notifier.store import Store
from notifier.store.queue import DispatchQueue

__all__ = ["purge_history"]

log = logging.getLogger("notifier")


async def purge_history(store: Store, r: RetentionConfig, now: datetime) -> int:
    """Delete history older than the `retention:` ages, in batches; rows deleted."""
    queued = 0
    if r.events_s is not None:
        before = now - timedelta(seconds=r.events_s)
        queued = await DispatchQueue(store.engine).purge(before=before, batch=r.batch)
    deleted = await store.purge(
        now=now,
        documents_s=r.documents_s,
        events_s=r.events_s,
        deliveries_s=r.deliveries_s,
        reports_s=r.reports_s,
        batch=r.batch,
    )
    if any(deleted.values()):
        log.info(
            "retention: deleted %s",
            ", ".join(f"{n} {kind}" for kind, n in deleted.items() if n),
        )
    return sum(deleted.values()) + queued

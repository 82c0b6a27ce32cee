"""Filtered reads for the operator's listings (`/api/events`, `/api/deliveries`, the CLI).

Only SELECTs: what the pipeline wrote, narrowed by the filters an operator gives (area, scheme,
kind, time; status, subscriber, event, channel). The application services validate the
filters; these functions trust them and bound every answer by `limit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from notifier.store import _chunks, _event_row, _jsonable
from notifier.store.tables import deliveries, delivery_attempts, events

CHUNK = 500  # ids per IN (…): far below SQLite's and asyncpg's bound on parameters


async def find_events(
    engine: AsyncEngine,
    *,
    limit: int,
    area_ids: Sequence[str] | None = None,
    scheme: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Events newest first; `area_ids` None for every area, else only those areas."""
    query = select(events).order_by(events.c.created.desc(), events.c.id)
    if scheme:
        query = query.where(events.c.scheme == scheme)
    if kind:
        query = query.where(events.c.kind == kind)
    if since is not None:
        query = query.where(events.c.created >= since)
    async with engine.connect() as conn:
        if area_ids is None:
            rows = (await conn.execute(query.limit(limit))).all()
            return [_event_row(r) for r in rows]
        found: list[Any] = []
        for chunk in _chunks(list(dict.fromkeys(area_ids)), CHUNK):
            found += (
                await conn.execute(query.where(events.c.area_id.in_(chunk)).limit(limit))
            ).all()
    found.sort(key=lambda r: (-r.created.timestamp(), r.id))
    return [_event_row(r) for r in found[:limit]]


async def find_deliveries(
    engine: AsyncEngine,
    *,
    limit: int,
    status: str | None = None,
    subscriber_id: str | None = None,
    event_id: str | None = None,
    channel: str | None = None,
) -> list[dict[str, Any]]:
    """Outbox rows newest first, each with its attempt history (oldest attempt first)."""
    query = select(deliveries).order_by(deliveries.c.created.desc(), deliveries.c.id).limit(limit)
    if status:
        query = query.where(deliveries.c.status == status)
    if subscriber_id:
        query = query.where(deliveries.c.subscriber_id == subscriber_id)
    if event_id:
        query = query.where(deliveries.c.event_id == event_id)
    if channel:
        query = query.where(deliveries.c.channel == channel)
    async with engine.connect() as conn:
        rows = [_jsonable(r._asdict()) for r in (await conn.execute(query)).all()]
        history = await attempt_histories(conn, [r["id"] for r in rows])
    for row in rows:
        row["history"] = history[row["id"]]
    return rows


async def attempt_histories(
    conn: AsyncConnection, ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Every attempt of these deliveries, oldest first, keyed by delivery id."""
    history: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for chunk in _chunks(ids, CHUNK):
        attempts = await conn.execute(
            select(delivery_attempts)
            .where(delivery_attempts.c.delivery_id.in_(chunk))
            .order_by(delivery_attempts.c.id)
        )
        for a in attempts:
            history[a.delivery_id].append(
                {
                    "attempt": a.attempt,
                    "at": a.at.isoformat(),
                    "outcome": a.outcome,
                    "reason": a.reason,
                }
            )
    return history

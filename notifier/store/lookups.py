"""Point reads for explanations: one event, the outbox rows of one event and subscriber."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from notifier.store import _event_row, _jsonable
from notifier.store.tables import deliveries, delivery_attempts, events


async def event_by_id(engine: AsyncEngine, event_id: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(events).where(events.c.id == event_id))).first()
    return _event_row(row) if row is not None else None


async def deliveries_of(
    engine: AsyncEngine, event_id: str, subscriber_id: str
) -> list[dict[str, Any]]:
    """The outbox rows (one per channel) of this event to this subscriber, with attempts;
    also a grouped notice that lists it among other changes."""
    query = select(deliveries).where(
        or_(
            deliveries.c.event_id == event_id,
            deliveries.c.event_ids.contains(event_id, autoescape=True),
        ),
        deliveries.c.subscriber_id == subscriber_id,
    )
    async with engine.connect() as conn:
        rows = [_jsonable(r._asdict()) for r in (await conn.execute(query)).all()]
        for row in rows:
            attempts = await conn.execute(
                select(delivery_attempts)
                .where(delivery_attempts.c.delivery_id == row["id"])
                .order_by(delivery_attempts.c.id)
            )
            row["history"] = [
                {
                    "attempt": a.attempt,
                    "at": a.at.isoformat(),
                    "outcome": a.outcome,
                    "reason": a.reason,
                }
                for a in attempts
            ]
    return rows

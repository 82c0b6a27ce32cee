"""The silences table (new methods kept apart from `Store` so the store module stays as is)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from notifier.store.tables import silences


class SilenceTarget(StrEnum):
    AREA = "area"
    SUBSCRIBER = "subscriber"


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    target: SilenceTarget
    value: str
    starts: datetime
    ends: datetime
    include_extreme: bool
    created_by: str
    comment: str
    created: datetime

    def active(self, now: datetime) -> bool:
        return self.starts <= now < self.ends

    def to_json(self, now: datetime) -> dict[str, Any]:
        state = "active" if self.active(now) else ("pending" if now < self.starts else "expired")
        return {
            "id": self.id,
            "target": self.target.value,
            "value": self.value,
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat(),
            "include_extreme": self.include_extreme,
            "created_by": self.created_by,
            "comment": self.comment,
            "created": self.created.isoformat(),
            "state": state,
        }


def _silence(row: Any) -> Silence:
    return Silence(
        id=row.id,
        target=SilenceTarget(row.target),
        value=row.value,
        starts=row.starts,
        ends=row.ends,
        include_extreme=bool(row.include_extreme),
        created_by=row.created_by,
        comment=row.comment,
        created=row.created,
    )


class SilenceStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(
        self,
        *,
        target: SilenceTarget,
        value: str,
        starts: datetime,
        ends: datetime,
        include_extreme: bool,
        created_by: str,
        comment: str,
        now: datetime,
    ) -> Silence:
        values = {
            "target": target.value,
            "value": value,
            "starts": starts,
            "ends": ends,
            "include_extreme": include_extreme,
            "created_by": created_by,
            "comment": comment,
            "created": now,
        }
        async with self.engine.begin() as conn:
            result = await conn.execute(insert(silences).values(**values))
            new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
            row = (await conn.execute(select(silences).where(silences.c.id == new_id))).one()
        return _silence(row)

    async def get(self, silence_id: int) -> Silence | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(silences).where(silences.c.id == silence_id))).first()
        return _silence(row) if row is not None else None

    async def listing(self, now: datetime, *, include_expired: bool, limit: int) -> list[Silence]:
        """Newest first; without `include_expired` only those not yet ended."""
        query = select(silences).order_by(silences.c.id.desc()).limit(limit)
        if not include_expired:
            query = query.where(silences.c.ends > now)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_silence(r) for r in rows]

    async def active(self, now: datetime) -> list[Silence]:
        query = (
            select(silences)
            .where(silences.c.starts <= now, silences.c.ends > now)
            .order_by(silences.c.id)  # the oldest first: the one an explanation names
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_silence(r) for r in rows]

    async def expire(self, silence_id: int, now: datetime) -> Silence | None:
        """End it now; None when it does not exist or has ended already."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(silences)
                .where(silences.c.id == silence_id, silences.c.ends > now)
                .values(ends=now)
            )
            if not result.rowcount:
                return None
            row = (await conn.execute(select(silences).where(silences.c.id == silence_id))).one()
        return _silence(row)

"""The subscribers, their areas and their contacts (migration 0007).

Every write bumps `meta.subscribers_version` in its own transaction, with one UPDATE that
PostgreSQL serialises on the row: a replica that finds the version moved rebuilds its router
(`Followers.current`), so a subscriber created through one replica is routed by all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, cast, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from notifier.store.tables import (
    contacts,
    meta,
    subscriber_areas,
    subscriber_flags,
    subscribers,
)

VERSION_KEY = "subscribers_version"


def member_id(phone: str) -> str:
    """The subscriber id of someone who joined by SMS: sms:77012345678."""
    return "sms:" + phone.lstrip("+")


class Taken(Exception):
    """The id (or a contact's key) is held by another subscriber already."""


@dataclass(frozen=True, slots=True)
class ContactSpec:
    """A contact to store: `settings` are what its model validated (a webhook's secret too)."""

    kind: str  # sms | webhook
    address: str  # the phone (E.164) or the URL
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SubscriberSpec:
    """A subscriber's own fields, as created or as the YAML says."""

    id: str
    origin: str  # config | api | sms
    areas: tuple[str, ...]
    min_severity: str = "minor"
    transitions: tuple[str, ...] | None = None
    language: str = "en"
    quiet_hours: dict[str, Any] | None = None
    name: str = ""
    enabled: bool = True
    paused: bool = False


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    subscriber_id: str
    key: str
    kind: str
    address: str
    settings: dict[str, Any]
    created: datetime


@dataclass(frozen=True, slots=True)
class SubscriberRow:
    id: str
    origin: str
    areas: tuple[str, ...]
    min_severity: str
    transitions: tuple[str, ...] | None
    language: str
    quiet_hours: dict[str, Any] | None
    name: str
    enabled: bool
    paused: bool
    created: datetime
    updated: datetime
    contacts: tuple[ContactRow, ...] = field(default=())

    def spec(self) -> SubscriberSpec:
        return SubscriberSpec(
            id=self.id,
            origin=self.origin,
            areas=self.areas,
            min_severity=self.min_severity,
            transitions=self.transitions,
            language=self.language,
            quiet_hours=self.quiet_hours,
            name=self.name,
            enabled=self.enabled,
            paused=self.paused,
        )


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


class SubscriberStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # --- reading ---------------------------------------------------------------------------

    async def version(self) -> int:
        async with self.engine.connect() as conn:
            return await _version(conn)

    async def all(self) -> tuple[int, list[SubscriberRow]]:
        """(version, every subscriber with areas and contacts, by id), read in one snapshot."""
        async with self.engine.begin() as conn:
            return await _version(conn), await _read(conn, None)

    async def get(self, subscriber_id: str) -> SubscriberRow | None:
        async with self.engine.connect() as conn:
            found = await _read(conn, [subscriber_id])
        return found[0] if found else None

    async def contacts_at(self, address: str) -> list[ContactRow]:
        """Every contact with this phone number or URL (a STOP stops them all)."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(contacts).where(contacts.c.address == address).order_by(contacts.c.id)
                )
            ).all()
        return [_contact(r) for r in rows]

    async def area_added_since(self, subscriber_id: str, since: datetime) -> int:
        query = select(func.count()).where(
            subscriber_areas.c.subscriber_id == subscriber_id, subscriber_areas.c.added >= since
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    # --- writing ---------------------------------------------------------------------------

    async def create(
        self, spec: SubscriberSpec, specs: Sequence[ContactSpec], now: datetime
    ) -> SubscriberRow:
        """Insert a subscriber and its contacts; Taken when the id exists."""
        try:
            async with self.engine.begin() as conn:
                if await _exists(conn, spec.id):
                    raise Taken(spec.id)
                await _insert(conn, spec, specs, now)
                await bump_version(conn)
        except IntegrityError:
            raise Taken(spec.id) from None
        created = await self.get(spec.id)
        assert created is not None
        return created

    async def update(self, spec: SubscriberSpec, now: datetime) -> SubscriberRow | None:
        """Replace a subscriber's own fields (not its contacts); None when it does not exist."""
        async with self.engine.begin() as conn:
            if not await _exists(conn, spec.id):
                return None
            await _write_fields(conn, spec, now)
            await bump_version(conn)
        return await self.get(spec.id)

    async def set_paused(self, subscriber_id: str, paused: bool, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(subscribers)
                .where(subscribers.c.id == subscriber_id)
                .values(paused=paused, updated=now)
            )
            if not result.rowcount:
                return False
            await bump_version(conn)
        return True

    async def delete(self, subscriber_id: str) -> bool:
        """Delete a subscriber, its areas and contacts. Opt-outs stay (keyed by contact)."""
        async with self.engine.begin() as conn:
            gone = await _delete(conn, [subscriber_id])
            if gone:
                await bump_version(conn)
        return bool(gone)

    async def add_contact(
        self, subscriber_id: str, spec: ContactSpec, now: datetime
    ) -> ContactRow | None:
        async with self.engine.begin() as conn:
            if not await _exists(conn, subscriber_id):
                return None
            row = await _insert_contact(conn, subscriber_id, spec, now, key=None)
            await conn.execute(
                update(subscribers).where(subscribers.c.id == subscriber_id).values(updated=now)
            )
            await bump_version(conn)
        return row

    async def remove_contact(self, subscriber_id: str, contact_id: int) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(contacts).where(
                    contacts.c.id == contact_id, contacts.c.subscriber_id == subscriber_id
                )
            )
            if not result.rowcount:
                return False
            await bump_version(conn)
        return True

    async def clear_flag(self, key: str, *, opted_out: bool, now: datetime) -> bool:
        """Unblock a contact (opted_out=True) or re-enable one (False); False if it was not."""
        column = subscriber_flags.c.opted_out if opted_out else subscriber_flags.c.disabled
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(subscriber_flags)
                .where(subscriber_flags.c.subscriber_id == key, column)
                .values({column.name: False, "reason": "", "updated": now})
            )
            if not result.rowcount:
                return False
            await bump_version(conn)
        return True

    async def bump(self) -> None:
        """Tell every replica to rebuild its router (a flag changed outside this module)."""
        async with self.engine.begin() as conn:
            await bump_version(conn)

    async def sync(
        self, wanted: Sequence[tuple[SubscriberSpec, ContactSpec]], now: datetime
    ) -> SyncOutcome:
        """Make the `config` subscribers exactly `wanted` (one contact each, keyed by the
        subscriber's id); subscribers of other origins are left alone. A paused flag set by an
        operator survives. Taken when a wanted id belongs to an api or sms subscriber."""
        async with self.engine.begin() as conn:
            current = {row.id: row for row in await _read(conn, None)}
            taken = sorted(
                s.id for s, _ in wanted if s.id in current and current[s.id].origin != "config"
            )
            if taken:
                raise Taken(", ".join(taken))
            wanted_ids = {s.id for s, _ in wanted}
            stale = [
                i for i, row in current.items() if row.origin == "config" and i not in wanted_ids
            ]
            deleted = await _delete(conn, stale) if stale else 0
            created = updated = 0
            fresh = []
            for spec, contact in wanted:
                row = current.get(spec.id)
                if row is None:
                    fresh.append((spec, contact))
                    continue
                spec = replace(spec, paused=row.paused)
                fields_changed = row.spec() != spec
                contact_changed = not (
                    len(row.contacts) == 1 and _same_contact(row.contacts[0], contact)
                )
                if fields_changed:
                    await _write_fields(conn, spec, now)
                if contact_changed:
                    await conn.execute(delete(contacts).where(contacts.c.subscriber_id == spec.id))
                    await _insert_contact(conn, spec.id, contact, now, key=spec.id)
                updated += fields_changed or contact_changed
            if fresh:
                await _insert_many(conn, fresh, now)
                created = len(fresh)
            outcome = SyncOutcome(created, updated, deleted)
            if outcome.changed:
                await bump_version(conn)
        return outcome

    # --- JOIN / LEAVE ----------------------------------------------------------------------

    async def join(
        self, subscriber_id: str, phone: str, area_id: str, language: str, now: datetime
    ) -> bool:
        """Add `area_id` to the sms subscriber of `phone`, creating it; False if it had it."""
        async with self.engine.begin() as conn:
            found = await _read(conn, [subscriber_id])
            if not found:
                spec = SubscriberSpec(
                    id=subscriber_id, origin="sms", areas=(area_id,), language=language
                )
                await _insert(conn, spec, [ContactSpec("sms", phone, {"phone": phone})], now)
                await bump_version(conn)
                return True
            row = found[0]
            if area_id in row.areas:
                return False
            await conn.execute(
                insert(subscriber_areas).values(
                    subscriber_id=subscriber_id,
                    area_id=area_id,
                    position=len(row.areas),
                    added=now,
                )
            )
            await conn.execute(
                update(subscribers).where(subscribers.c.id == subscriber_id).values(updated=now)
            )
            await bump_version(conn)
        return True

    async def leave(self, subscriber_id: str, area_id: str | None, now: datetime) -> int:
        """Drop one area (or all) of an sms subscriber; one left with no area is deleted."""
        async with self.engine.begin() as conn:
            found = await _read(conn, [subscriber_id])
            if not found or found[0].origin != "sms":
                return 0
            areas = found[0].areas
            removed = [a for a in areas if area_id is None or a == area_id]
            if not removed:
                return 0
            if len(removed) == len(areas):
                await _delete(conn, [subscriber_id])
            else:
                await conn.execute(
                    delete(subscriber_areas).where(
                        subscriber_areas.c.subscriber_id == subscriber_id,
                        subscriber_areas.c.area_id.in_(removed),
                    )
                )
                await conn.execute(
                    update(subscribers).where(subscribers.c.id == subscriber_id).values(updated=now)
                )
            await bump_version(conn)
        return len(removed)


# --- helpers -------------------------------------------------------------------------------


async def _version(conn: AsyncConnection) -> int:
    row = (await conn.execute(select(meta.c.value).where(meta.c.key == VERSION_KEY))).first()
    return int(row.value) if row else 0


async def bump_version(conn: AsyncConnection) -> None:
    """One atomic increment: concurrent writers on PostgreSQL queue on the row lock."""
    result = await conn.execute(
        update(meta)
        .where(meta.c.key == VERSION_KEY)
        .values(value=cast(cast(meta.c.value, Integer) + 1, String))
    )
    if not result.rowcount:
        await conn.execute(insert(meta).values(key=VERSION_KEY, value="1"))


async def _exists(conn: AsyncConnection, subscriber_id: str) -> bool:
    query = select(subscribers.c.id).where(subscribers.c.id == subscriber_id)
    return (await conn.execute(query)).first() is not None


def _fields(spec: SubscriberSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "origin": spec.origin,
        "min_severity": spec.min_severity,
        "transitions": json.dumps(list(spec.transitions)) if spec.transitions is not None else None,
        "language": spec.language,
        "quiet_hours": json.dumps(spec.quiet_hours) if spec.quiet_hours is not None else None,
        "enabled": spec.enabled,
        "paused": spec.paused,
    }


async def _insert(
    conn: AsyncConnection, spec: SubscriberSpec, specs: Sequence[ContactSpec], now: datetime
) -> None:
    await conn.execute(
        insert(subscribers).values(id=spec.id, created=now, updated=now, **_fields(spec))
    )
    await _write_areas(conn, spec.id, spec.areas, now)
    # The one contact of a config or sms subscriber is keyed by the subscriber's id.
    single = spec.origin in ("config", "sms")
    for contact in specs:
        await _insert_contact(conn, spec.id, contact, now, key=spec.id if single else None)


async def _insert_many(
    conn: AsyncConnection, wanted: Sequence[tuple[SubscriberSpec, ContactSpec]], now: datetime
) -> None:
    """Batched inserts for a large YAML (thousands of followers)."""
    await conn.execute(
        insert(subscribers),
        [{"id": s.id, "created": now, "updated": now, **_fields(s)} for s, _ in wanted],
    )
    await conn.execute(
        insert(subscriber_areas),
        [
            {"subscriber_id": s.id, "area_id": a, "position": i, "added": now}
            for s, _ in wanted
            for i, a in enumerate(dict.fromkeys(s.areas))
        ],
    )
    await conn.execute(
        insert(contacts),
        [
            {
                "subscriber_id": s.id,
                "key": s.id,
                "kind": c.kind,
                "address": c.address,
                "settings": json.dumps(c.settings, sort_keys=True),
                "created": now,
            }
            for s, c in wanted
        ],
    )


async def _write_fields(conn: AsyncConnection, spec: SubscriberSpec, now: datetime) -> None:
    await conn.execute(
        update(subscribers).where(subscribers.c.id == spec.id).values(updated=now, **_fields(spec))
    )
    await _write_areas(conn, spec.id, spec.areas, now)


async def _write_areas(
    conn: AsyncConnection, subscriber_id: str, areas: Iterable[str], now: datetime
) -> None:
    """Replace the areas, keeping when each one that stays was first added."""
    where = subscriber_areas.c.subscriber_id == subscriber_id
    added = {
        r.area_id: r.added
        for r in (await conn.execute(select(subscriber_areas).where(where))).all()
    }
    await conn.execute(delete(subscriber_areas).where(where))
    rows = [
        {"subscriber_id": subscriber_id, "area_id": a, "position": i, "added": added.get(a, now)}
        for i, a in enumerate(dict.fromkeys(areas))
    ]
    if rows:
        await conn.execute(insert(subscriber_areas), rows)


async def _insert_contact(
    conn: AsyncConnection, subscriber_id: str, spec: ContactSpec, now: datetime, *, key: str | None
) -> ContactRow:
    """A contact; without `key` it is keyed `<subscriber>@<contact id>`, unique by construction
    (no subscriber id contains '@')."""
    values = {
        "subscriber_id": subscriber_id,
        "key": key or f"{subscriber_id}@new-{uuid.uuid4().hex}",
        "kind": spec.kind,
        "address": spec.address,
        "settings": json.dumps(spec.settings, sort_keys=True),
        "created": now,
    }
    result = await conn.execute(insert(contacts).values(**values).returning(contacts.c.id))
    contact_id = int(result.scalar_one())
    if key is None:
        values["key"] = f"{subscriber_id}@{contact_id}"
        await conn.execute(
            update(contacts).where(contacts.c.id == contact_id).values(key=values["key"])
        )
    row = (await conn.execute(select(contacts).where(contacts.c.id == contact_id))).one()
    return _contact(row)


async def _delete(conn: AsyncConnection, ids: Sequence[str]) -> int:
    gone = 0
    for chunk in [ids[i : i + 500] for i in range(0, len(ids), 500)]:
        await conn.execute(delete(contacts).where(contacts.c.subscriber_id.in_(chunk)))
        await conn.execute(
            delete(subscriber_areas).where(subscriber_areas.c.subscriber_id.in_(chunk))
        )
        result = await conn.execute(delete(subscribers).where(subscribers.c.id.in_(chunk)))
        gone += int(result.rowcount or 0)
    return gone


async def _read(conn: AsyncConnection, ids: Sequence[str] | None) -> list[SubscriberRow]:
    s_query = select(subscribers).order_by(subscribers.c.id)
    a_query = select(subscriber_areas).order_by(
        subscriber_areas.c.subscriber_id, subscriber_areas.c.position
    )
    c_query = select(contacts).order_by(contacts.c.id)
    if ids is not None:
        s_query = s_query.where(subscribers.c.id.in_(ids))
        a_query = a_query.where(subscriber_areas.c.subscriber_id.in_(ids))
        c_query = c_query.where(contacts.c.subscriber_id.in_(ids))
    areas: dict[str, list[str]] = {}
    for r in (await conn.execute(a_query)).all():
        areas.setdefault(r.subscriber_id, []).append(r.area_id)
    found: dict[str, list[ContactRow]] = {}
    for r in (await conn.execute(c_query)).all():
        found.setdefault(r.subscriber_id, []).append(_contact(r))
    return [
        SubscriberRow(
            id=r.id,
            origin=r.origin,
            areas=tuple(areas.get(r.id, ())),
            min_severity=r.min_severity,
            transitions=tuple(json.loads(r.transitions)) if r.transitions is not None else None,
            language=r.language,
            quiet_hours=json.loads(r.quiet_hours) if r.quiet_hours is not None else None,
            name=r.name,
            enabled=bool(r.enabled),
            paused=bool(r.paused),
            created=r.created,
            updated=r.updated,
            contacts=tuple(found.get(r.id, ())),
        )
        for r in (await conn.execute(s_query)).all()
    ]


def _contact(r: Any) -> ContactRow:
    return ContactRow(
        id=int(r.id),
        subscriber_id=r.subscriber_id,
        key=r.key,
        kind=r.kind,
        address=r.address,
        settings=json.loads(r.settings),
        created=r.created,
    )


def _same_contact(row: ContactRow, spec: ContactSpec) -> bool:
    return (row.kind, row.address, row.settings) == (spec.kind, spec.address, spec.settings)

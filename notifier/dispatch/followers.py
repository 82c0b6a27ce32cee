"""Who hears what: the router over the subscribers table, and each kind's contacts.

One door in, `Followers.current()`: the router as the database holds the subscribers now,
rebuilt when the stored `subscribers_version` moved (a subscriber created, changed, paused,
opted out … through any replica), so every replica routes with the same subscribers. One
door out: the `Router` (for the dispatcher, explain, dry runs) and, refilled in place with
every router, each channel kind's contacts by key (the kind's channel holds that mapping).

A subscriber's contacts become followers here (`recipient`): each contact is validated by its
kind's settings model (`ChannelSpec.follower`) with the subscriber's settings, and the
contact's `key` is its id.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

from notifier.channels import REGISTRY
from notifier.config import Recipient
from notifier.dispatch.route import Router, channel_of
from notifier.model import DeliveryResult
from notifier.store.subscribers import ContactRow, SubscriberRow

if TYPE_CHECKING:
    from notifier.extract import Catalog
    from notifier.store import Delivery, Store

__all__ = ["FollowerCache", "Followers", "build_router", "recipient"]

log = logging.getLogger("notifier.app.subscribers")


def recipient(row: SubscriberRow, contact: ContactRow, known: set[str] | None = None) -> Recipient:
    """The follower one contact of a subscriber is; raises ValidationError when a stored value
    no longer passes (a phone number the rules now reject)."""
    areas = [a for a in row.areas if known is None or a in known]
    common: dict[str, Any] = {
        "id": row.id,
        "enabled": row.enabled and not row.paused,
        "areas": areas,
        "min_severity": row.min_severity,
        "transitions": list(row.transitions) if row.transitions is not None else None,
        "language": row.language,
    }
    spec = REGISTRY.contact(contact.kind)
    if spec is None:
        raise ValueError(f"unknown contact kind {contact.kind!r}")
    if "quiet_hours" in spec.follower.model_fields:  # held back per subscriber, if the kind can
        common["quiet_hours"] = row.quiet_hours
    model = cast(Recipient, spec.follower.model_validate({**common, **contact.settings}))
    # The key is not an id the YAML could write ('@'): set it after validation.
    return model if contact.key == row.id else model.model_copy(update={"id": contact.key})


FollowerCache = dict[str, tuple[str, Recipient]]
"""contact key -> (fingerprint of what built it, the follower): rebuilding the router after
one change validates only what changed (validating 10,000 phone numbers takes seconds)."""


def _fingerprint(row: SubscriberRow, contact: ContactRow) -> str:
    return json.dumps(
        [row.id, row.areas, row.min_severity, row.transitions, row.language, row.quiet_hours,
         row.enabled, row.paused, contact.kind, contact.settings],
        sort_keys=True,
    )  # fmt: skip


def build_router(
    rows: Sequence[SubscriberRow],
    catalog: Catalog,
    blocked: dict[str, str],
    cache: FollowerCache | None = None,
) -> Router:
    """The router over every contact of every subscriber; a row that no longer validates is
    left out with a warning (one bad stored number must not stop routing for all). `cache`
    (built for the same catalog) is read and replaced by this router's followers."""
    known = set(catalog.areas)
    followers: list[Recipient] = []
    owners: dict[str, str] = {}
    fresh: FollowerCache = {}
    for row in rows:
        for contact in row.contacts:
            mark = _fingerprint(row, contact)
            hit = cache.get(contact.key) if cache is not None else None
            if hit is not None and hit[0] == mark:
                follower = hit[1]
            else:
                try:
                    follower = recipient(row, contact, known)
                except (ValidationError, ValueError) as exc:
                    log.warning("subscriber %s contact %d left out: %s", row.id, contact.id, exc)
                    continue
            fresh[contact.key] = (mark, follower)
            followers.append(follower)
            owners[contact.key] = row.id
    if cache is not None:
        cache.clear()
        cache.update(fresh)
    return Router(followers, catalog.contains, blocked=blocked, owners=owners)


class Followers:
    """The router of one replica over the subscribers table (`store().subscribers`)."""

    def __init__(self, store: Callable[[], Store], catalog: Callable[[], Catalog]) -> None:
        self._store = store
        self._catalog = catalog
        self.router: Router  # set by the first `current()`
        self.version = -1  # of the router in memory; -1: build it at the next use
        self.lock = asyncio.Lock()
        # Each channel kind's contacts by key, refilled in place with every router.
        self.contacts: dict[str, dict[str, Recipient]] = {spec.kind: {} for spec in REGISTRY}
        self._cache: FollowerCache = {}  # for the current catalog

    async def current(self) -> Router:
        """The router over the subscribers table as it is now."""
        version = await self._store().subscribers.version()
        if version != self.version:
            async with self.lock:
                if version != self.version:
                    router, version = await self.rebuilt(self._catalog(), self._cache)
                    self.install(router, version)
        return self.router

    async def refresh(self) -> Router:
        """Rebuild who hears what now, whatever the stored version says."""
        self.version = -1
        return await self.current()

    async def rebuilt(self, catalog: Catalog, cache: FollowerCache) -> tuple[Router, int]:
        """A router over the table as it is now (the caller holds `lock`), and its version."""
        store = self._store()
        version, rows = await store.subscribers.all()
        blocked = await store.blocked_subscribers()
        return build_router(rows, catalog, blocked, cache), version

    def install(self, router: Router, version: int, cache: FollowerCache | None = None) -> None:
        """Route with `router` from now on (`cache`: the followers of a new catalog)."""
        self.router = router
        self.version = version
        if cache is not None:
            self._cache = cache
        by_kind: dict[str, dict[str, Recipient]] = {kind: {} for kind in self.contacts}
        for follower in router.followers:
            by_kind.setdefault(channel_of(follower), {})[follower.id] = follower
        for kind, contacts in by_kind.items():
            held = self.contacts.setdefault(kind, {})
            held.clear()
            held.update(contacts)

    def of_kind(self, kind: str) -> dict[str, Recipient]:
        """This kind's contacts by key: the very mapping later routers refill."""
        return self.contacts.setdefault(kind, {})

    async def contact(self, key: str) -> Recipient | None:
        """A contact this replica's router may not know yet (another replica created it a
        moment ago): ask the database."""
        return (await self.current()).follower(key)

    def delivered(self, row: Delivery, result: DeliveryResult) -> None:
        """A contact that opted out or whose endpoint is gone hears nothing more."""
        if result.opted_out or result.disable_endpoint:
            self.router.block(row.subscriber_id, result.reason)

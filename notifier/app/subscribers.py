"""Subscribers with contacts: who hears what, kept in the database.

One door for every transport (HTTP, CLI, Twilio's inbound SMS): `SubscriberService`. A
subscriber has its own settings (areas, minimum severity, transitions, language, quiet hours,
paused) and one or more contacts (`sms` with a phone, `webhook` with URL and secret). Each
contact is validated by the model the YAML uses (`SmsSubscriber`, `WebhookEndpoint`), and
each becomes one follower of the router, with the contact's `key` as its id.

Origins: `config` subscribers are the YAML's (`subscribers:`, `webhooks:`), synced at start and
reload and read-only here, except pause/resume, re-enable and unblock; `sms` ones joined by
texting JOIN (their areas are theirs to change by SMS; the API may edit, pause or delete them,
not add contacts); `api` ones are the operator's, created through the API or the CLI.

A subscriber created (or a JOIN adding an area) for areas that have a level in force is told
that level at once, in its language, on every contact: without it a new subscriber would hear
nothing until the next change.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from notifier.app.errors import Conflict, Invalid, NotFound
from notifier.channels import REGISTRY
from notifier.config import (
    Config,
    QuietHours,
    Recipient,
    SmsSubscriber,
    WebhookEndpoint,
)
from notifier.dispatch.route import Router, channel_of
from notifier.model import Event, Notice, Severity, Transition, TransitionKind
from notifier.netguard import mask_url
from notifier.store import delivery_id
from notifier.store.subscribers import (
    ContactRow,
    ContactSpec,
    SubscriberRow,
    SubscriberSpec,
    SubscriberStore,
    SyncOutcome,
    Taken,
    member_id,
)

if TYPE_CHECKING:
    from notifier.extract import Catalog
    from notifier.service import Service

log = logging.getLogger(__name__)

# An id the API gives out: no ':' (sms: ids are JOIN's) and no '@' (contact keys use it).
API_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
MAX_AREAS = 100
MAX_CONTACTS = 20


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SmsContactIn(_Body):
    kind: Literal["sms"]
    phone: str = Field(max_length=32, description="E.164 number, e.g. +77012345678.")


class WebhookContactIn(_Body):
    kind: Literal["webhook"]
    url: str = Field(max_length=2000, description="http:// or https:// URL.")
    secret: str = Field(max_length=200, description="Standard Webhooks secret, whsec_<base64>.")
    timeout_s: float = Field(15.0, gt=0, le=600)
    include_unconfirmed: bool = Field(
        False, description="Also receive unconfirmed reports (level.reported)."
    )


ContactIn = Annotated[SmsContactIn | WebhookContactIn, Field(discriminator="kind")]


class _Settings(_Body):
    name: str = Field("", max_length=200, description="A label for people; not an address.")
    min_severity: Severity = Severity.MINOR
    transitions: list[TransitionKind] | None = Field(
        None, max_length=10, description="Kinds to hear about; null: all but unchanged."
    )
    language: str = Field("en", pattern=r"^[a-z]{2}$")
    quiet_hours: QuietHours | None = None


class SubscriberIn(_Settings):
    """A new subscriber (origin api)."""

    id: str = Field(pattern=API_ID, description="Letters, digits, _ . - (no ':' or '@').")
    areas: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=MAX_AREAS, description="Area ids or names."
    )
    paused: bool = False
    contacts: list[ContactIn] = Field(min_length=1, max_length=MAX_CONTACTS)


class SubscriberPatch(_Body):
    """Fields to change; those left out stay (null clears transitions and quiet_hours)."""

    name: str | None = Field(None, max_length=200)
    areas: list[Annotated[str, Field(max_length=200)]] | None = Field(
        None, min_length=1, max_length=MAX_AREAS
    )
    min_severity: Severity | None = None
    transitions: list[TransitionKind] | None = Field(None, max_length=10)
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    quiet_hours: QuietHours | None = None


# --- followers from rows --------------------------------------------------------------------


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


def config_specs(config: Config) -> list[tuple[SubscriberSpec, ContactSpec]]:
    """The YAML's followers as `config` subscribers with one contact each."""
    out = []
    for sub in config.subscribers:
        out.append(
            (
                _spec_of(sub, quiet=sub.quiet_hours),
                ContactSpec("sms", sub.phone, {"phone": sub.phone}),
            )
        )
    for hook in config.webhooks:
        out.append((_spec_of(hook, quiet=None), _webhook_spec(hook)))
    return out


def _spec_of(f: Recipient, *, quiet: QuietHours | None) -> SubscriberSpec:
    return SubscriberSpec(
        id=f.id,
        origin="config",
        areas=tuple(f.areas),
        min_severity=f.min_severity.value,
        transitions=tuple(k.value for k in f.transitions) if f.transitions is not None else None,
        language=f.language,
        quiet_hours=quiet.model_dump(mode="json") if quiet is not None else None,
        enabled=f.enabled,
    )


def _webhook_spec(hook: WebhookEndpoint) -> ContactSpec:
    return ContactSpec(
        "webhook",
        hook.url,
        {
            "url": hook.url,
            "secret": hook.secret.get_secret_value(),
            "timeout_s": hook.timeout_s,
            "include_unconfirmed": hook.include_unconfirmed,
        },
    )


def subscriber_json(row: SubscriberRow, blocked: dict[str, str]) -> dict[str, Any]:
    """The API's view: phone numbers masked, secrets never shown."""
    return {
        "id": row.id,
        "name": row.name,
        "origin": row.origin,
        "read_only": row.origin == "config",
        "areas": list(row.areas),
        "min_severity": row.min_severity,
        "transitions": list(row.transitions) if row.transitions is not None else None,
        "language": row.language,
        "quiet_hours": row.quiet_hours,
        "enabled": row.enabled,
        "paused": row.paused,
        "contacts": [contact_json(c, blocked) for c in row.contacts],
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def contact_json(c: ContactRow, blocked: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "key": c.key,
        "kind": c.kind,
        "address": _mask(c.kind, c.address),
        "blocked": blocked.get(c.key),
    }
    if c.kind == "webhook":
        out["include_unconfirmed"] = bool(c.settings.get("include_unconfirmed"))
    return out


def _mask(contact_kind: str, address: str) -> str:
    """An address as listings show it: the kind's own masking (a URL's by default)."""
    spec = REGISTRY.contact(contact_kind)
    return spec.mask(address) if spec is not None else mask_url(address)


# --- the service ----------------------------------------------------------------------------


class SubscriberService:
    def __init__(self, service: Service) -> None:
        self._service = service

    @property
    def _store(self) -> SubscriberStore:
        return self._service.store.subscribers

    def now(self) -> datetime:
        return self._service.clock()

    async def blocked(self) -> dict[str, str]:
        return await self._service.store.blocked_subscribers()

    # --- reading ---------------------------------------------------------------------------

    async def listing(self) -> list[SubscriberRow]:
        _, rows = await self._store.all()
        return rows

    async def get(self, subscriber_id: str) -> SubscriberRow:
        row = await self._store.get(subscriber_id[:200])
        if row is None:
            raise NotFound(f"no subscriber {subscriber_id[:60]!r}")
        return row

    # --- writing ---------------------------------------------------------------------------

    async def create(self, body: SubscriberIn) -> SubscriberRow:
        areas = self._areas(body.areas)
        spec = SubscriberSpec(
            id=body.id,
            origin="api",
            areas=areas,
            min_severity=body.min_severity.value,
            transitions=_kinds(body.transitions),
            language=body.language,
            quiet_hours=_quiet(body.quiet_hours),
            name=body.name,
            paused=body.paused,
        )
        specs = [self._contact(spec, c, f"contacts[{i}]") for i, c in enumerate(body.contacts)]
        try:
            row = await self._store.create(spec, specs, self.now())
        except Taken:
            raise Conflict(f"subscriber {body.id!r} exists already") from None
        await self.tell_level_in_force(row, row.areas)
        return row

    async def update(self, subscriber_id: str, patch: SubscriberPatch) -> SubscriberRow:
        row = self._writable(await self.get(subscriber_id), "edited")
        given = patch.model_fields_set
        spec = row.spec()
        changes: dict[str, Any] = {}
        if "name" in given and patch.name is not None:
            changes["name"] = patch.name
        if "areas" in given and patch.areas is not None:
            changes["areas"] = self._areas(patch.areas)
        if "min_severity" in given and patch.min_severity is not None:
            changes["min_severity"] = patch.min_severity.value
        if "transitions" in given:
            changes["transitions"] = _kinds(patch.transitions)
        if "language" in given and patch.language is not None:
            changes["language"] = patch.language
        if "quiet_hours" in given:
            changes["quiet_hours"] = _quiet(patch.quiet_hours)
        from dataclasses import replace

        spec = replace(spec, **changes)
        for contact in row.contacts:  # the new settings must still suit every contact
            try:
                recipient(_with(row, spec), contact)
            except ValidationError as exc:
                raise _invalid(exc, "body") from None
        updated = await self._store.update(spec, self.now())
        if updated is None:
            raise NotFound(f"no subscriber {subscriber_id[:60]!r}")
        return updated

    async def delete(self, subscriber_id: str) -> SubscriberRow:
        row = self._writable(await self.get(subscriber_id), "deleted")
        await self._store.delete(row.id)
        return row

    async def pause(self, subscriber_id: str, paused: bool = True) -> SubscriberRow:
        """Allowed for every origin: a config subscriber stays paused across reloads."""
        row = await self.get(subscriber_id)
        await self._store.set_paused(row.id, paused, self.now())
        return await self.get(row.id)

    async def add_contact(self, subscriber_id: str, contact: ContactIn) -> SubscriberRow:
        row = await self.get(subscriber_id)
        if row.origin != "api":
            raise Conflict(
                f"subscriber {row.id!r} has origin {row.origin}: its one contact is "
                + ("the YAML's" if row.origin == "config" else "the number that joined")
                + "; create a subscriber through the API for more contacts"
            )
        spec = self._contact(row.spec(), contact, "contact")
        added = await self._store.add_contact(row.id, spec, self.now())
        if added is None:
            raise NotFound(f"no subscriber {subscriber_id[:60]!r}")
        return await self.get(row.id)

    async def remove_contact(self, subscriber_id: str, contact_id: int) -> SubscriberRow:
        row = self._writable(await self.get(subscriber_id), "changed")
        if row.origin != "api":
            raise Conflict(f"the contact of an sms subscriber is its number; delete {row.id!r}")
        self._find_contact(row, contact_id)
        if len(row.contacts) == 1:
            raise Invalid("contact", "the last contact; delete the subscriber instead")
        await self._store.remove_contact(row.id, contact_id)
        return await self.get(row.id)

    async def enable(self, subscriber_id: str, contact_id: int) -> SubscriberRow:
        """Re-enable a webhook contact disabled after a 410 Gone (the consumer is back)."""
        return await self._clear(subscriber_id, contact_id, "webhook", opted_out=False)

    async def unblock(self, subscriber_id: str, contact_id: int) -> SubscriberRow:
        """Lift an opt-out (STOP, Twilio 21610) of an sms contact: only when the person asked
        to receive alerts again, outside SMS (the operator answers for it)."""
        return await self._clear(subscriber_id, contact_id, "sms", opted_out=True)

    async def _clear(
        self, subscriber_id: str, contact_id: int, kind: str, *, opted_out: bool
    ) -> SubscriberRow:
        row = await self.get(subscriber_id)
        contact = self._find_contact(row, contact_id)
        if contact.kind != kind:
            verb = "unblocked" if opted_out else "re-enabled"
            raise Invalid("contact", f"only a {kind} contact can be {verb}")
        if await self._store.clear_flag(contact.key, opted_out=opted_out, now=self.now()):
            log.info(
                "subscriber %s contact %s: %s",
                row.id,
                contact.key,
                "unblocked" if opted_out else "re-enabled",
            )
        return row

    # --- the YAML seed ---------------------------------------------------------------------

    async def sync_config(self, config: Config) -> SyncOutcome:
        """Make the `config` subscribers the file's; ConfigError when an id is taken."""
        from notifier.errors import ConfigError

        try:
            outcome = await self._store.sync(config_specs(config), self.now())
        except Taken as exc:
            raise ConfigError(
                [
                    f"subscribers/webhooks: id {exc} is a subscriber created through the API or "
                    "by SMS already; rename the YAML's follower or delete that subscriber"
                ],
                "",
            ) from None
        if outcome.changed:
            log.info(
                "subscribers from the configuration: %d created, %d updated, %d deleted",
                outcome.created,
                outcome.updated,
                outcome.deleted,
            )
        return outcome

    # --- SMS: JOIN, LEAVE, STOP, START -----------------------------------------------------

    async def join(self, phone: str, area_id: str, language: str) -> bool:
        """Add an area to the number's subscriber (creating it); tell it the level in force."""
        added = await self._store.join(member_id(phone), phone, area_id, language, self.now())
        if added:
            row = await self._store.get(member_id(phone))
            if row is not None:
                await self.tell_level_in_force(row, (area_id,))
        return added

    async def leave(self, phone: str, area_id: str | None) -> int:
        return await self._store.leave(member_id(phone), area_id, self.now())

    async def joins_since(self, phone: str, since: datetime) -> int:
        return await self._store.area_added_since(member_id(phone), since)

    async def keys_of_phone(self, phone: str) -> list[str]:
        """Every contact key of this number (and its JOIN id, which may not exist yet)."""
        keys = [c.key for c in await self._store.contacts_at(phone) if c.kind == "sms"]
        return list(dict.fromkeys([*keys, member_id(phone)]))

    async def set_opt_out(self, phone: str, opted_out: bool, reason: str) -> int:
        keys = await self.keys_of_phone(phone)
        for key in keys:
            await self._service.store.set_opt_out(key, opted_out, reason, self.now())
        return len(keys)

    # --- told the level in force -----------------------------------------------------------

    async def tell_level_in_force(self, row: SubscriberRow, areas: Sequence[str]) -> int:
        """Queue, on every contact, the levels in force for `areas` (those at or above the
        subscriber's minimum severity); the outbox rows written."""
        service = self._service
        if row.paused or not row.enabled:
            return 0
        catalog = service.catalog
        now = self.now()
        states = [
            st
            for st in await service.store.level_states()
            if any(
                catalog.contains(a, st.area.id) or catalog.contains(st.area.id, a) for a in areas
            )
            and st.severity >= Severity(row.min_severity)
        ]
        if not states:
            return 0
        blocked = await self.blocked()
        notices: list[Notice] = []
        for st in states:
            event = Event.from_transition(
                Transition(
                    kind=TransitionKind.ISSUED,
                    scheme=st.scheme,
                    area=st.area,
                    at=st.since,
                    level=st.level,
                    severity=st.severity,
                    expires=st.expires,
                    evidence=st.evidence,
                ),
                now,
            )
            for contact in row.contacts:
                if contact.key in blocked:
                    continue
                try:
                    follower = recipient(row, contact, set(catalog.areas))
                except ValidationError:
                    continue
                channel = channel_of(follower)
                # Its own row key: telling a subscriber again later (re-JOIN) is a new message.
                did = delivery_id(f"{event.id}|in-force|{now.isoformat()}", contact.key, channel)
                notices.append(service.notice_for(event, follower, did))
        written = await service.store.enqueue(notices, now)
        if written:
            log.info("subscriber %s told the level in force (%d notices)", row.id, written)
            service.kick_outbox()
        return written

    # --- helpers ---------------------------------------------------------------------------

    def _areas(self, given: Sequence[str]) -> tuple[str, ...]:
        catalog = self._service.catalog
        out = []
        for i, name in enumerate(given):
            area_id = name if catalog.area(name) is not None else catalog.find_area(name)
            if area_id is None:
                raise Invalid(f"areas[{i}]", f"unknown area {name[:60]!r}")
            out.append(area_id)
        return tuple(dict.fromkeys(out))

    def _contact(self, spec: SubscriberSpec, contact: ContactIn, where: str) -> ContactSpec:
        base = {"id": spec.id, "areas": list(spec.areas), "language": spec.language}
        try:
            if isinstance(contact, SmsContactIn):
                sms = SmsSubscriber.model_validate({**base, "phone": contact.phone})
                return ContactSpec("sms", sms.phone, {"phone": sms.phone})
            hook = WebhookEndpoint.model_validate({**base, **contact.model_dump(exclude={"kind"})})
        except ValidationError as exc:
            raise _invalid(exc, where) from None
        return _webhook_spec(hook)

    @staticmethod
    def _writable(row: SubscriberRow, verb: str) -> SubscriberRow:
        if row.origin == "config":
            raise Conflict(
                f"subscriber {row.id!r} comes from the configuration file and cannot be {verb} "
                "here; change the YAML (pause, resume, enable and unblock do work)"
            )
        return row

    @staticmethod
    def _find_contact(row: SubscriberRow, contact_id: int) -> ContactRow:
        for contact in row.contacts:
            if contact.id == contact_id:
                return contact
        raise NotFound(f"subscriber {row.id!r} has no contact {contact_id}")


def _kinds(kinds: Sequence[TransitionKind] | None) -> tuple[str, ...] | None:
    return tuple(k.value for k in kinds) if kinds is not None else None


def _quiet(quiet: QuietHours | None) -> dict[str, Any] | None:
    return quiet.model_dump(mode="json") if quiet is not None else None


def _with(row: SubscriberRow, spec: SubscriberSpec) -> SubscriberRow:
    from dataclasses import replace

    return replace(
        row,
        areas=spec.areas,
        min_severity=spec.min_severity,
        transitions=spec.transitions,
        language=spec.language,
        quiet_hours=spec.quiet_hours,
    )


def _invalid(exc: ValidationError, where: str) -> Invalid:
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return Invalid(f"{where}.{field}" if field else where, message)

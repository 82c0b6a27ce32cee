"""Subscribers with contacts: who hears what, kept in the database.

One door for every transport (HTTP, CLI, Twilio's inbound SMS): `SubscriberService`. A
subscriber has its own settings (areas, minimum severity, transitions, language, quiet hours,
paused) and one or more contacts of the registered kinds (`notifier.channels.REGISTRY`: `sms`
with a phone, `webhook` with URL and secret …). A contact comes in as its kind's
`contact_model`, is validated again by the kind's settings model (the one the YAML uses:
`SmsSubscriber`, `WebhookEndpoint`), and becomes one follower of the router
(`notifier.dispatch.followers`), with the contact's `key` as its id.

Origins: `config` subscribers are the YAML's (`subscribers:`, `webhooks:`), synced at start and
reload and read-only here, except pause/resume, re-enable and unblock; `sms` ones joined by
texting JOIN (their areas are theirs to change by SMS; the API may edit, pause or delete them,
not add contacts); `api` ones are the operator's, created through the API or the CLI.

A subscriber created (or a JOIN adding an area) for areas that have a level in force is told
that level at once, in its language, on every contact: without it a new subscriber would hear
nothing until the next change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from notifier.app.errors import Conflict, Invalid, NotFound
from notifier.channels import REGISTRY, ChannelSpec
from notifier.channels.fields import ContactIn
from notifier.channels.twilio_sms.contact import SmsContactIn
from notifier.channels.webhook.contact import WebhookContactIn
from notifier.config import Config, Follower, QuietHours, Recipient, iter_followers
from notifier.dispatch.followers import FollowerCache, build_router, recipient
from notifier.dispatch.route import channel_of
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
    from notifier.service import Service

__all__ = [
    "ContactIn",
    "FollowerCache",
    "SmsContactIn",
    "SubscriberIn",
    "SubscriberPatch",
    "SubscriberService",
    "WebhookContactIn",
    "build_router",
    "config_specs",
    "recipient",
    "subscriber_json",
]

F = TypeVar("F", bound=Follower)

log = logging.getLogger(__name__)

# An id the API gives out: no ':' (sms: ids are JOIN's) and no '@' (contact keys use it).
API_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
MAX_AREAS = 100
MAX_CONTACTS = 20


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


def config_specs(config: Config) -> list[tuple[SubscriberSpec, ContactSpec]]:
    """The YAML's followers as `config` subscribers with one contact each."""
    return [
        (_spec_of(f, quiet=getattr(f, "quiet_hours", None)), contact_spec(f))
        for f in iter_followers(config)
    ]


def contact_spec(follower: Follower, spec: ChannelSpec | None = None) -> ContactSpec:
    """The contact a validated follower is stored as: its kind's contact kind, address and
    the settings its contact model names."""
    spec = spec or REGISTRY.of(follower)
    return ContactSpec(spec.contact, spec.address(follower), spec.stored(follower))


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
    spec = REGISTRY.contact(c.kind)
    for name in spec.shown if spec is not None else ():
        out[name] = c.settings.get(name)
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

    async def add_contact(self, subscriber_id: str, contact: BaseModel) -> SubscriberRow:
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
        """Re-enable a contact whose endpoint was disabled after it answered gone (a webhook's
        410: the consumer is back); kinds whose spec says `disables`."""
        return await self._clear(subscriber_id, contact_id, opted_out=False)

    async def unblock(self, subscriber_id: str, contact_id: int) -> SubscriberRow:
        """Lift an opt-out (STOP, Twilio 21610) of a contact whose kind lets people opt out
        (`opts_out`): only when the person asked to receive alerts again, outside that
        channel (the operator answers for it)."""
        return await self._clear(subscriber_id, contact_id, opted_out=True)

    async def _clear(
        self, subscriber_id: str, contact_id: int, *, opted_out: bool
    ) -> SubscriberRow:
        row = await self.get(subscriber_id)
        contact = self._find_contact(row, contact_id)
        spec = REGISTRY.contact(contact.kind)
        if spec is None or not (spec.opts_out if opted_out else spec.disables):
            able = [s.contact for s in REGISTRY if (s.opts_out if opted_out else s.disables)]
            verb = "unblocked" if opted_out else "re-enabled"
            raise Invalid("contact", f"only a {' or '.join(able)} contact can be {verb}")
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

    async def joined_areas(self, phone: str) -> set[str]:
        """The areas this number joined by SMS."""
        row = await self._store.get(member_id(phone))
        return set(row.areas) if row is not None else set()

    async def sms_members(self) -> list[Recipient]:
        """People who texted JOIN <area>, as followers with the id `member_id(phone)`."""
        _, rows = await self._store.all()
        router = build_router([r for r in rows if r.origin == "sms"], self._service.catalog, {})
        return [f for f in router.followers if f.areas]

    async def keys_at(self, contact_kind: str, address: str) -> list[str]:
        """Every contact key of this kind at this address (a number's, whoever created
        it), and the number's JOIN id (which may not exist yet)."""
        contacts = await self._store.contacts_at(address)
        keys = [c.key for c in contacts if c.kind == contact_kind]
        return list(dict.fromkeys([*keys, member_id(address)]))

    async def set_opt_out(
        self, contact_kind: str, address: str, opted_out: bool, reason: str
    ) -> int:
        """Stop (or resume) every contact of this kind at this address (STOP, START)."""
        keys = await self.keys_at(contact_kind, address)
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
                notices.append(self._notice(event, follower, did))
        written = await service.store.enqueue(notices, now)
        if written:
            log.info("subscriber %s told the level in force (%d notices)", row.id, written)
            service.kick_outbox()
        return written

    def _notice(self, event: Event, follower: Recipient, did: str) -> Notice:
        """The rendered notice of one follower outside the dispatcher; quiet hours hold a
        notice below extreme (a kind whose follower has them)."""
        notice = self._service.renderer.render(event, follower, delivery_id=did)
        quiet = getattr(follower, "quiet_hours", None)
        if quiet is not None and event.severity is not Severity.EXTREME:
            notice = replace(notice, not_before=quiet.ends_after(event.created))
        return notice

    # --- the router's view -----------------------------------------------------------------

    async def followers(self, model: type[F]) -> list[F]:
        """The followers of one settings model (`WebhookEndpoint` …) the router has now."""
        router = await self._service.followers.current()
        return [f for f in router.followers if isinstance(f, model)]

    async def recipients(self, named: str) -> list[Recipient]:
        """The followers `named` denotes: one contact's key (`ops@7`), or every contact of a
        subscriber (`ops`); empty when nothing matches. What `notifier send-test` sends to."""
        router = await self._service.followers.current()
        found = router.follower(named)
        if found is not None:
            return [found]
        return [f for f in router.followers if router.owner(f.id) == named]

    async def language_at(self, contact_kind: str, address: str) -> str | None:
        """The language of the subscriber (from the YAML, the API or a JOIN) with a contact
        of this kind at this address; None if nobody has one."""
        for follower in (await self._service.followers.current()).followers:
            spec = REGISTRY.of(follower)
            if spec.contact == contact_kind and spec.address(follower) == address:
                return follower.language
        return None

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

    def _contact(self, spec: SubscriberSpec, contact: BaseModel, where: str) -> ContactSpec:
        """A contact (its kind's `contact_model`) validated by its kind's settings model with
        the subscriber's settings, as it is stored."""
        kind = REGISTRY.contact(str(getattr(contact, "kind", "")))
        if kind is None:
            raise Invalid(f"{where}.kind", f"unknown contact kind {getattr(contact, 'kind', '')!r}")
        base = {"id": spec.id, "areas": list(spec.areas), "language": spec.language}
        try:
            follower = kind.follower.model_validate(
                {**base, **contact.model_dump(exclude={"kind"})}
            )
        except ValidationError as exc:
            raise _invalid(exc, where) from None
        return contact_spec(follower, kind)

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

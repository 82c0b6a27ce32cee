"""What a channel kind is, in one value: `ChannelSpec`.

Routing, rendering, the service's channel construction, the subscribers service, the API's
contact models and OpenAPI document, and the web app's provider routes ask the registry
(`notifier.channels.REGISTRY`) instead of branching on SMS or webhook, so a new kind is one
folder under `notifier/channels/` exporting a `SPEC` (README "Delivery").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from pydantic import BaseModel, SecretStr

from notifier.channels.base import Channel
from notifier.config import Config, Follower
from notifier.model import Event

if TYPE_CHECKING:
    from aiohttp import web

    from notifier.app import AppServices
    from notifier.dispatch.render import Renderer
    from notifier.extract import Catalog

__all__ = [
    "ChannelContext",
    "ChannelSpec",
    "RouteContext",
    "json_body",
    "json_group_body",
    "json_test_body",
]

# (sender, now_s, interval_s, max_wait_s) -> (booked, seconds to wait): `Store.book_send`.
SendBooker = Callable[[str, float, float, float], Awaitable[tuple[bool, float]]]


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What the service hands a spec to build its channel: shared, owned by the service."""

    config: Config
    session: aiohttp.ClientSession
    clock: Callable[[], datetime]
    echo: Callable[[str], None]
    # This kind's followers by id, refilled in place whenever subscriptions change.
    followers: Mapping[str, Follower]
    # Asked for an id `followers` lacks: a contact another replica created a moment ago.
    resolve: Callable[[str], Awaitable[Follower | None]]
    # A send-rate booking shared by every replica (PostgreSQL), or None (one process).
    book_send: SendBooker | None = None


@dataclass(frozen=True, slots=True)
class RouteContext:
    """What the web app hands a kind's provider routes (`ChannelSpec.routes`): the
    application layer (handlers call it, never the store or the router), and the
    configuration and catalog in force, read at each call (a reload swaps them)."""

    services: AppServices
    config: Callable[[], Config]
    catalog: Callable[[], Catalog]
    clock: Callable[[], datetime]
    echo: Callable[[str], None]


def json_body(renderer: Renderer, event: Event, language: str) -> str:
    """The signed-webhook JSON body (schema version 1): the default for a new kind."""
    payload = renderer.webhook_payload(event, language)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def json_group_body(renderer: Renderer, events: Sequence[Event], language: str) -> str:
    """The JSON body listing several changes (`changes`), lead change first."""
    payload = renderer.group_payload(events, language)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def json_test_body(follower: Follower, now: str) -> str:
    """The `test` event of the webhook schema (README "Webhook payload"): no level changed.
    `notifier send-test` sends it; `now` is an RFC 3339 time in UTC."""
    payload = {
        "type": "test",
        "schema_version": 1,
        "event_id": f"evt_test_{uuid.uuid4().hex[:20]}",
        "occurred_at": now.replace("+00:00", "Z"),
        "data": {
            "subscriber_id": follower.id,
            "language": follower.language,
            "text": f"notifier test message ({now}). If you read this, webhooks reach you.",
        },
    }
    return json.dumps(payload)


def _unchanging(config: Config) -> object:
    return None


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One channel kind: how its followers look, are addressed, rendered for and reached.

    `kind` is the value stored in outbox rows (`channel`); `contact` the contact kind the API,
    the CLI and the subscribers table use. `follower` is the settings model a contact's
    settings validate into (it subclasses `Follower`; a `quiet_hours` field, if it has one, is
    filled from the subscriber). `contact_model` is what the API and the CLI take for a new
    contact of this kind: a pydantic model with `kind: Literal[<contact>]` and the follower
    fields a contact stores (validated again by `follower` with the subscriber's settings);
    the API validates a contact by it and the OpenAPI document describes it.

    `settings` picks the part of the config the channel is built from (`section` names it in
    errors): on reload a new channel is built (and started) only when it changed.
    `test_body` is what `notifier send-test` sends. `routes`, if given, adds the kind's
    provider routes to the web app (a delivery-status callback, inbound messages), called
    with a `RouteContext`; they sit outside /api and check their own signatures. `shown`
    names stored settings the API's contact listing shows (besides the masked address);
    `echo_results` prints each recorded attempt (the demo's webhook lines). `opts_out`: its
    people can opt out (STOP), which an operator may lift (`unblock`); `disables`: a permanent
    failure can disable its endpoint (410 Gone), which an operator may re-enable (`enable`).
    """

    kind: str
    contact: str
    follower: type[Follower]
    address: Callable[[Any], str]
    mask: Callable[[str], str]
    build: Callable[[ChannelContext], Channel]
    contact_model: type[BaseModel]
    body: Callable[[Renderer, Event, str], str] = json_body
    group_body: Callable[[Renderer, Sequence[Event], str], str] = json_group_body
    settings: Callable[[Config], object] = _unchanging
    section: str = ""
    test_body: Callable[[Follower, str], str] = json_test_body
    routes: Callable[[web.Application, RouteContext], None] | None = None
    shown: tuple[str, ...] = ()
    echo_results: bool = False
    opts_out: bool = False
    disables: bool = False

    def stored(self, follower: Follower) -> dict[str, Any]:
        """The settings a contact stores: the contact model's fields (but `kind`) as the
        validated follower has them (a phone number normalised, a secret in clear)."""
        out: dict[str, Any] = {}
        for name in self.contact_model.model_fields:
            if name == "kind":
                continue
            value = getattr(follower, name)
            out[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
        return out

"""The channel registry: a new kind is one spec, and routing, rendering, the outbox, the API
and the web app reach it.

A toy `pager` kind is registered here and nowhere else: its follower model, its contact model,
its address, its channel (a POST to a local aiohttp server), its plain-text body and a provider
route. Nothing else in notifier knows about it, yet a routed change is rendered for it, queued
and delivered; through a running service, the API accepts its contacts (and the OpenAPI
document describes them), an announcement reaches it, and its route is served.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import BaseModel, ConfigDict, Field

from notifier.channels import REGISTRY, ChannelContext, ChannelSpec, Registry
from notifier.channels.spec import RouteContext
from notifier.channels.twilio_sms import SmsContactIn
from notifier.config import Follower, SmsSubscriber, WebhookEndpoint, parse_config
from notifier.dispatch.dispatcher import plan_notices
from notifier.dispatch.outbox import OutboxWorker, RetryPolicy
from notifier.dispatch.render import Renderer
from notifier.dispatch.route import Router, channel_of
from notifier.model import ChannelKind, DeliveryResult, Event, Notice
from notifier.netguard import mask_url
from notifier.service import Service
from notifier.store import Store
from notifier.web.app import create_app
from notifier.web.auth import token_hash
from tests.test_outbox import Clock
from tests.test_render import SECRET, renderer
from tests.test_store import T0, red_event


class Pager(Follower):
    """The toy kind's settings: where the pager gateway is."""

    pager_url: str


class PagerContactIn(BaseModel):
    """A pager contact as the API takes it."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["pager"]
    pager_url: str = Field(max_length=500, description="The pager gateway's URL.")


class PagerChannel:
    kind = "pager"

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def send(self, notice: Notice) -> DeliveryResult:
        async with self._session.post(notice.to, data=notice.body.encode()) as response:
            if response.status == 200:
                return DeliveryResult.ok(reason="paged")
            return DeliveryResult.retryable(f"HTTP {response.status}")

    async def aclose(self) -> None:
        """The session is the caller's."""


def _pager_body(r: Renderer, event: Event, language: str) -> str:
    return "PAGE " + r.sms_text(event.transition, language)


def _pager_group(r: Renderer, events: Sequence[Event], language: str) -> str:
    return " | ".join(_pager_body(r, ev, language) for ev in events)


def _address(follower: Pager) -> str:
    return follower.pager_url


def _no_channel(ctx: ChannelContext) -> PagerChannel:
    return PagerChannel(ctx.session)


PAGER_CONTEXT: web.AppKey[RouteContext] = web.AppKey("pager", RouteContext)


def _pager_routes(app: web.Application, ctx: RouteContext) -> None:
    """The gateway's acknowledgement callback: answers which pagers the service knows."""
    app[PAGER_CONTEXT] = ctx
    app.router.add_post("/pager/ack", _pager_ack)


async def _pager_ack(request: web.Request) -> web.Response:
    ctx = request.app[PAGER_CONTEXT]
    pagers = await ctx.services.subscribers.followers(Pager)
    return web.json_response({"pagers": sorted(p.id for p in pagers)})


PAGER = ChannelSpec(
    kind="pager",
    contact="pager",
    follower=Pager,
    address=_address,
    mask=mask_url,
    build=_no_channel,
    contact_model=PagerContactIn,
    body=_pager_body,
    group_body=_pager_group,
    routes=_pager_routes,
)


@pytest.fixture
def pager_kind() -> Iterator[ChannelSpec]:
    REGISTRY.register(PAGER)
    try:
        yield PAGER
    finally:
        REGISTRY.unregister(PAGER.kind)


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[TestServer, list[str]]]:
    received: list[str] = []

    async def page(request: web.Request) -> web.Response:
        received.append(await request.text())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/page", page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server, received
    finally:
        await server.close()


def test_builtin_kinds_are_registered_once_by_model_and_contact() -> None:
    assert [s.kind for s in REGISTRY] == [ChannelKind.TWILIO_SMS, ChannelKind.WEBHOOK]
    assert REGISTRY.contact_kinds == ("sms", "webhook")
    phone = SmsSubscriber(id="a", phone="+77012345678", areas=["KZ"])
    hook = WebhookEndpoint(id="b", url="https://x.example/h", secret=SECRET, areas=["KZ"])
    assert channel_of(phone) is ChannelKind.TWILIO_SMS and channel_of(hook) is ChannelKind.WEBHOOK
    assert REGISTRY.contact("fax") is None
    assert REGISTRY.contact("sms").contact_model is SmsContactIn  # type: ignore[union-attr]
    # Twilio's callbacks and the demo consumer come from the kinds' folders.
    assert all(spec.routes is not None for spec in REGISTRY)


def test_a_kind_or_model_cannot_be_registered_twice() -> None:
    registry = Registry(PAGER)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(PAGER)
    twin = ChannelSpec("pager2", "pager2", Pager, _address, mask_url, _no_channel, PagerContactIn)
    with pytest.raises(ValueError, match="already belongs"):
        registry.register(twin)
    with pytest.raises(TypeError, match="no channel for Follower"):
        Registry().of(Follower(id="x", areas=["KZ"]))


async def test_a_registered_kind_is_routed_rendered_and_delivered(
    pager_kind: ChannelSpec, gateway: tuple[TestServer, list[str]], store: Store
) -> None:
    server, received = gateway
    pager = Pager(id="duty", areas=["KZ"], pager_url=str(server.make_url("/page")))
    phone = SmsSubscriber(id="aigul", phone="+77012345678", areas=["KZ"])
    router = Router([pager, phone], lambda outer, inner: inner.startswith(outer))
    ev = red_event()

    plan = plan_notices([ev], [], router, renderer())

    by_kind = {n.channel: n for n in plan.notices}
    assert set(by_kind) == {"pager", ChannelKind.TWILIO_SMS}
    paged = by_kind["pager"]
    assert paged.to == pager.pager_url and paged.subscriber_id == "duty"
    assert paged.body == "PAGE " + by_kind[ChannelKind.TWILIO_SMS].body
    await store.commit_outcome(
        source_id="s", document=None, level_writes=[], new_events=[ev], notices=[paged], now=T0
    )
    async with aiohttp.ClientSession() as session:
        channel = pager_kind.build(
            ChannelContext(
                config=None,  # type: ignore[arg-type]  # the toy needs no configuration
                session=session,
                clock=Clock(T0),
                echo=print,
                followers={},
                resolve=_nobody,
            )
        )
        worker = OutboxWorker(store, {"pager": channel}, RetryPolicy(), clock=Clock(T0))
        await worker.drain(5)

    assert received == [paged.body]
    rows: list[dict[str, Any]] = await store.deliveries()
    assert [(r["channel"], r["status"], r["subscriber_id"]) for r in rows] == [
        ("pager", "sent", "duty")
    ]
    assert [a["reason"] for a in rows[0]["history"]] == ["paged"]


async def _nobody(key: str) -> Follower | None:
    return None


async def test_a_queued_row_of_a_kind_no_longer_registered_is_dead_lettered(store: Store) -> None:
    """A kind removed while its rows wait (a rollback) fails them with a reason, not a crash."""
    ev = red_event()
    row = Notice(ev.id, "duty", "pager", "http://127.0.0.1:1/page", "PAGE", delivery_id="dlv_p")
    await store.commit_outcome(
        source_id="s", document=None, level_writes=[], new_events=[ev], notices=[row], now=T0
    )
    worker = OutboxWorker(store, {}, RetryPolicy(), clock=Clock(T0))
    await worker.drain(5)
    (stored,) = await store.deliveries()
    assert stored["status"] == "dead"
    assert stored["last_error"] == "no channel 'pager' configured"


# --- through a running service: the API, the OpenAPI document and the provider route ---------

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "ntf_admin-token-for-the-registry-tests-000"


async def _serve(database_url: str) -> tuple[Service, web.AppRunner, str]:
    text = f"""
storage: {{url: '{database_url}'}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}
api: {{rate_per_s: 1000, burst: 1000, tokens: [{{name: ops, sha256: {token_hash(ADMIN)}, scopes: [admin]}}]}}
outbox: {{retry_schedule_s: [60], jitter_ratio: 0}}
network: {{allow: ["127.0.0.0/8"]}}
"""
    service = Service(parse_config(text, environ={}), echo=lambda _: None, start_scheduler=False)
    runner = web.AppRunner(create_app(service, {}), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return service, runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def _call(base: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, base + path, data=data, headers=headers) as r,
    ):
        return r.status, await r.json() if r.content_type == "application/json" else await r.text()


def _subscriber(contact: dict[str, Any]) -> dict[str, Any]:
    return {"id": "duty", "areas": ["KZ"], "contacts": [contact]}


async def test_a_registered_kind_gets_its_contacts_its_openapi_schema_and_its_route(
    pager_kind: ChannelSpec, gateway: tuple[TestServer, list[str]], database_url: str
) -> None:
    import jsonschema
    from openapi_spec_validator import validate

    server, received = gateway
    url = str(server.make_url("/page"))
    service, runner, base = await _serve(database_url)
    try:
        async with service:
            status, doc = await _call(base, "GET", "/api/openapi.json")
            assert status == 200
            validate(doc)
            schemas = doc["components"]["schemas"]
            assert schemas["PagerContactIn"]["properties"]["kind"]["const"] == "pager"
            items = schemas["SubscriberIn"]["properties"]["contacts"]["items"]
            pager_ref = "#/components/schemas/PagerContactIn"
            assert {"$ref": pager_ref} in items["oneOf"]
            assert items["discriminator"]["mapping"]["pager"] == pager_ref
            assert "pager" in schemas["ContactOut"]["properties"]["kind"]["enum"]
            assert "pager" in schemas["DeliveryOut"]["properties"]["channel"]["enum"]

            # The kind's contact model validates (422 naming the field), then its settings model.
            status, refused = await _call(
                base, "POST", "/api/subscribers", _subscriber({"kind": "pager"})
            )
            assert status == 422, refused
            assert refused["error"]["message"].startswith("contacts.0.pager_url:")
            status, created = await _call(
                base, "POST", "/api/subscribers", _subscriber({"kind": "pager", "pager_url": url})
            )
            assert status == 201, created
            [contact] = created["contacts"]
            key = f"duty@{contact['id']}"  # an API contact's key
            assert (contact["kind"], contact["key"], contact["address"]) == ("pager", key, url)
            body = doc["paths"]["/api/subscribers"]["post"]["responses"]["201"]["content"]
            schema = {**body["application/json"]["schema"], "components": doc["components"]}
            jsonschema.Draft202012Validator(schema).validate(created)

            # An announcement reaches the pager through the outbox.
            ask = {"scheme": "kz", "area": "KZ-AKT", "level": "red"}
            status, announced = await _call(base, "POST", "/api/announcements", ask)
            assert status == 200 and announced["notified"] == [key], announced
            await service.outbox.drain(10)
            assert len(received) == 1 and received[0].startswith("PAGE ")
            status, rows = await _call(base, "GET", "/api/deliveries?channel=pager")
            assert status == 200, rows
            assert [(r["channel"], r["status"]) for r in rows["deliveries"]] == [("pager", "sent")]

            # Its provider route is served, and reaches the application layer.
            status, acked = await _call(base, "POST", "/pager/ack", {})
            assert (status, acked) == (200, {"pagers": [key]})
    finally:
        await runner.cleanup()


async def test_without_its_spec_the_kind_is_unknown_to_the_api_and_the_web(
    tmp_path: Path,
) -> None:
    service, runner, base = await _serve(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    try:
        async with service:
            status, doc = await _call(base, "GET", "/api/openapi.json")
            assert "PagerContactIn" not in doc["components"]["schemas"]
            assert doc["components"]["schemas"]["ContactOut"]["properties"]["kind"]["enum"] == [
                "sms",
                "webhook",
            ]
            contact = {"kind": "pager", "pager_url": "http://127.0.0.1:1/page"}
            status, refused = await _call(base, "POST", "/api/subscribers", _subscriber(contact))
            assert status == 422
            assert "unknown contact kind 'pager' (known: sms, webhook)" in str(refused)
            status, _ = await _call(base, "POST", "/pager/ack", {})
            assert status == 404
            status, _ = await _call(base, "GET", "/api/deliveries?channel=pager")
            assert status in (400, 422)
    finally:
        await runner.cleanup()

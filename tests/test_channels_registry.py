"""The channel registry: a new kind is one spec, and routing, rendering and the outbox reach it.

A toy `pager` kind is registered here and nowhere else: its follower model, its address, its
channel (a POST to a local aiohttp server) and its plain-text body. Nothing else in notifier
knows about it, yet a routed change is rendered for it, queued and delivered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from notifier.channels import REGISTRY, ChannelContext, ChannelSpec, Registry
from notifier.config import Follower, SmsSubscriber, WebhookEndpoint
from notifier.dispatch.dispatcher import plan_notices
from notifier.dispatch.outbox import OutboxWorker, RetryPolicy
from notifier.dispatch.render import Renderer
from notifier.dispatch.route import Router, channel_of
from notifier.model import ChannelKind, DeliveryResult, Event, Notice
from notifier.netguard import mask_url
from notifier.store import Store
from tests.test_outbox import Clock
from tests.test_render import SECRET, renderer
from tests.test_store import T0, red_event


class Pager(Follower):
    """The toy kind's settings: where the pager gateway is."""

    pager_url: str


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


PAGER = ChannelSpec(
    kind="pager",
    contact="pager",
    follower=Pager,
    address=_address,
    mask=mask_url,
    build=_no_channel,
    body=_pager_body,
    group_body=_pager_group,
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


def test_a_kind_or_model_cannot_be_registered_twice() -> None:
    registry = Registry(PAGER)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(PAGER)
    twin = ChannelSpec("pager2", "pager2", Pager, _address, mask_url, _no_channel)
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

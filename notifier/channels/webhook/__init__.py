"""Signed webhooks (Standard Webhooks): the `webhook` channel kind and contact kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from notifier.channels.base import Channel
from notifier.channels.spec import ChannelContext, ChannelSpec, RouteContext
from notifier.channels.webhook.channel import USER_AGENT, WebhookChannel
from notifier.channels.webhook.contact import WebhookContactIn
from notifier.config import WebhookEndpoint
from notifier.model import ChannelKind
from notifier.netguard import mask_url

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["SPEC", "USER_AGENT", "WebhookChannel", "WebhookContactIn"]


def _build(ctx: ChannelContext) -> Channel:
    # The registry hands every kind only its own followers: these are webhook endpoints.
    endpoints = cast(Mapping[str, WebhookEndpoint], ctx.followers)

    async def resolve(key: str) -> WebhookEndpoint | None:
        found = await ctx.resolve(key)
        return found if isinstance(found, WebhookEndpoint) else None

    return WebhookChannel(ctx.session, endpoints, clock=ctx.clock, resolve=resolve)


def _address(follower: WebhookEndpoint) -> str:
    return follower.url


def _routes(app: web.Application, ctx: RouteContext) -> None:
    """The demo consumer (`server.demo_consumer`), which verifies what this service signs."""
    from notifier.channels.webhook.routes import add_routes

    add_routes(app, ctx)


SPEC = ChannelSpec(
    kind=ChannelKind.WEBHOOK,
    contact="webhook",
    follower=WebhookEndpoint,
    address=_address,
    mask=mask_url,
    build=_build,
    contact_model=WebhookContactIn,
    routes=_routes,
    shown=("include_unconfirmed",),
    echo_results=True,
    disables=True,
)

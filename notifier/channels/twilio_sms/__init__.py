"""SMS through Twilio: the `twilio_sms` channel kind (contact kind `sms`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from notifier.channels.base import Channel
from notifier.channels.spec import ChannelContext, ChannelSpec, RouteContext
from notifier.channels.twilio_sms.channel import (
    INVALID_NUMBERS,
    OPTED_OUT,
    QUEUE_FULL,
    RATE_LIMITED,
    SHARED_HEADROOM,
    SendBooker,
    TokenBucket,
    TwilioSmsChannel,
    classify_twilio_error,
)
from notifier.channels.twilio_sms.contact import SmsContactIn
from notifier.config import Config, Follower, SmsSubscriber
from notifier.dispatch.segments import fit_segments
from notifier.model import ChannelKind, Event
from notifier.netguard import mask_phone

if TYPE_CHECKING:
    from aiohttp import web

    from notifier.dispatch.render import Renderer

__all__ = [
    "INVALID_NUMBERS",
    "OPTED_OUT",
    "QUEUE_FULL",
    "RATE_LIMITED",
    "SHARED_HEADROOM",
    "SPEC",
    "SendBooker",
    "SmsContactIn",
    "TokenBucket",
    "TwilioSmsChannel",
    "classify_twilio_error",
]


def _build(ctx: ChannelContext) -> Channel:
    """On PostgreSQL the sender's rate limit is shared by every replica (one row per sender,
    `Store.book_send`); on SQLite there is one process and the bucket is local."""
    return TwilioSmsChannel(ctx.config.twilio, echo=ctx.echo, shared_rate=ctx.book_send)


def _body(renderer: Renderer, event: Event, language: str) -> str:
    return fit_segments(renderer.sms_text(event.transition, language), renderer.max_segments)


def _group_body(renderer: Renderer, events: Sequence[Event], language: str) -> str:
    return renderer.group_sms_text([ev.transition for ev in events], language)


def _address(follower: SmsSubscriber) -> str:
    return follower.phone


def _test_body(follower: Follower, now: str) -> str:
    return f"notifier test message ({now}). If you read this, SMS alerts reach you."


def _twilio(config: Config) -> object:
    return config.twilio


def _routes(app: web.Application, ctx: RouteContext) -> None:
    """Twilio's signed callbacks: delivery status and inbound SMS (STOP, START, HELP, JOIN)."""
    from notifier.channels.twilio_sms.routes import add_routes  # imports the app layer

    add_routes(app, ctx)


SPEC = ChannelSpec(
    kind=ChannelKind.TWILIO_SMS,
    contact="sms",
    follower=SmsSubscriber,
    address=_address,
    mask=mask_phone,
    build=_build,
    contact_model=SmsContactIn,
    body=_body,
    group_body=_group_body,
    settings=_twilio,
    section="twilio",
    test_body=_test_body,
    routes=_routes,
    opts_out=True,
)

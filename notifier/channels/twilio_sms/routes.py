"""Twilio's callbacks: delivery status of sent SMS, and inbound SMS keywords (STOP / START / HELP).

The `twilio_sms` kind's provider routes (`ChannelSpec.routes`): the web app adds them from
the registry. Both are signed with X-Twilio-Signature (HMAC-SHA1 of the public URL and the
form, keyed with the auth token); unsigned or wrongly signed requests are refused with 403.
Every answer to an inbound SMS is in the sender's language (`notifier.app.sms_language`): its
words are the `replies` of the language packs, never English strings in this module. The
handlers call the application layer (`RouteContext.services`), never the store or router.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from xml.sax.saxutils import escape

from aiohttp import web
from pydantic import ValidationError
from twilio.request_validator import RequestValidator

from notifier.app.sms_language import FALLBACK, join_language, reply, script_language
from notifier.channels.spec import RouteContext
from notifier.channels.twilio_sms import SPEC
from notifier.config import SmsSubscriber
from notifier.store.subscribers import member_id

__all__ = ["HELP", "OPT_IN", "OPT_OUT", "add_routes"]

log = logging.getLogger(__name__)

# Twilio's own keyword lists: only a message that is exactly the keyword counts.
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})

CONTEXT: web.AppKey[RouteContext] = web.AppKey("twilio_sms", RouteContext)


def add_routes(app: web.Application, ctx: RouteContext) -> None:
    app[CONTEXT] = ctx
    app.router.add_post("/twilio/status", status_callback)
    app.router.add_post("/twilio/inbound", inbound_sms)


async def _join_or_leave(
    ctx: RouteContext, phone: str, command: str, text: str, known: str | None
) -> str:
    now = ctx.clock()
    catalog = ctx.catalog()
    area_id = catalog.find_area(text) if text else None
    asked = known or join_language(catalog, text, area_id)  # the language of any answer here
    if text and area_id is None:
        return reply(catalog, asked, "unknown_area", text=text[:40], command=command)
    members = ctx.services.subscribers
    if command == "LEAVE":
        removed = await members.leave(phone, area_id)
        if removed:
            return reply(catalog, asked, "left", count=removed)
        return reply(catalog, asked, "left_none")
    if area_id is None:
        return reply(catalog, asked, "which_area")
    # The alerts of this area come in the language the JOIN was written in.
    language = join_language(catalog, text, area_id)
    try:
        SmsSubscriber(id=member_id(phone), phone=phone, areas=[area_id], language=language)
    except ValidationError:
        return reply(catalog, asked, "cannot", phone=phone[:20])
    limit = ctx.config().twilio.join_max_per_day
    if await members.joins_since(phone, now - timedelta(days=1)) >= limit and (
        area_id not in await members.joined_areas(phone)
    ):
        return reply(catalog, asked, "join_limit", limit=limit)
    added = await members.join(phone, area_id, language)
    name = catalog.area_name(area_id, language)
    return reply(catalog, language, "joined" if added else "already", area=name)


async def _verified_form(request: web.Request) -> dict[str, str]:
    config = request.app[CONTEXT].config()
    token = config.twilio.auth_token
    if token is None:
        raise web.HTTPForbidden(text="Twilio callbacks need twilio.auth_token to verify them")
    form = await request.post()
    public = config.server.public_url
    url = (public.rstrip("/") + request.path_qs) if public else str(request.url)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(token.get_secret_value()).validate(url, form, signature):
        log.warning(
            "Twilio callback to %s refused: bad or missing X-Twilio-Signature", request.path
        )
        raise web.HTTPForbidden(text="bad signature")
    return {k: str(v) for k, v in form.items()}


async def status_callback(request: web.Request) -> web.Response:
    """Record the delivery status Twilio reports; a status never moves backwards."""
    ctx = request.app[CONTEXT]
    form = await _verified_form(request)
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if not sid or not status:
        raise web.HTTPBadRequest(text="MessageSid and MessageStatus are required")
    updated = await ctx.services.deliveries.provider_status(sid, status, form.get("ErrorCode", ""))
    if not updated:
        log.info("status %s for unknown or newer message %s ignored", status, sid)
    return web.Response(status=204)


async def inbound_sms(request: web.Request) -> web.Response:
    """STOP-type keywords opt the sender out of every subscription, START ones back in;
    with `twilio.inbound_join`, JOIN <area> subscribes the sender and LEAVE [area] ends it."""
    ctx = request.app[CONTEXT]
    form = await _verified_form(request)
    catalog, twilio = ctx.catalog(), ctx.config().twilio
    members = ctx.services.subscribers
    sender = form.get("From", "")
    body = form.get("Body", "").strip()
    keyword = body.upper()
    answer = ""
    # The language of the subscriber (from the YAML, the API or a JOIN) with this number.
    known = await members.language_at(SPEC.contact, sender)
    language = known or script_language(body) or FALLBACK
    command, _, rest = body.partition(" ")
    if twilio.inbound_join and command.upper() in {"JOIN", "LEAVE"} and sender:
        answer = await _join_or_leave(ctx, sender, command.upper(), rest.strip(), known)
    elif keyword in OPT_OUT:
        # Every contact of the number, whoever created it; the database is what routes.
        count = await members.set_opt_out(SPEC.contact, sender, True, f"replied {keyword}")
        log.info("inbound %s from a subscriber: %d subscriptions stopped", keyword, count)
        answer = reply(catalog, language, "stopped")
    elif keyword in OPT_IN:
        count = await members.set_opt_out(SPEC.contact, sender, False, "")
        log.info("inbound %s from a subscriber: %d subscriptions resumed", keyword, count)
        answer = reply(catalog, language, "resumed")
    elif keyword in HELP:
        answer = reply(catalog, language, "help")
        if twilio.inbound_join:
            answer += reply(catalog, language, "join_help")
    body = f"<Message>{escape(answer)}</Message>" if answer else ""
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        content_type="application/xml",
    )

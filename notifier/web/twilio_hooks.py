"""Twilio's callbacks: delivery status of sent SMS, and inbound SMS keywords (STOP / START / HELP).

Both are signed with X-Twilio-Signature (HMAC-SHA1 of the public URL and the form, keyed with
the auth token); unsigned or wrongly signed requests are refused with 403.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from xml.sax.saxutils import escape

from aiohttp import web
from pydantic import ValidationError
from twilio.request_validator import RequestValidator

from notifier.config import SmsSubscriber
from notifier.service import Service
from notifier.store.subscribers import member_id
from notifier.web.app import SERVICE

log = logging.getLogger(__name__)

# Twilio's own keyword lists: only a message that is exactly the keyword counts.
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})

HELP_TEXT = (
    "notifier: threat-level alerts for the areas you follow. Reply STOP to stop, START to resume."
)
JOIN_HELP = " JOIN <area> to follow an area, LEAVE to stop following."
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_KAZAKH = re.compile(r"[әғқңөұүһі]", re.I)


async def _join_or_leave(service: Service, phone: str, command: str, text: str) -> str:
    now = service.clock()
    area_id = service.catalog.find_area(text) if text else None
    if text and area_id is None:
        return f"'{text[:40]}' is not an area I know. Try e.g. {command} Aktobe"
    members = service.services.subscribers
    if command == "LEAVE":
        removed = await members.leave(phone, area_id)
        return f"Stopped {removed} subscription(s)." if removed else "You follow no area here."
    if area_id is None:
        return "Which area? Text e.g. JOIN Aktobe"
    language = "kk" if _KAZAKH.search(text) else "ru" if _CYRILLIC.search(text) else "en"
    try:
        SmsSubscriber(id=member_id(phone), phone=phone, areas=[area_id], language=language)
    except ValidationError:
        return f"Sorry, {phone[:20]} cannot receive alerts by SMS from here."
    limit = service.config.twilio.join_max_per_day
    if await members.joins_since(phone, now - timedelta(days=1)) >= limit and area_id not in {
        a for p, a, _ in await service.store.sms_subscriptions() if p == phone
    }:
        return f"You joined {limit} areas today, the most a number may in a day. Try tomorrow."
    added = await members.join(phone, area_id, language)
    name = service.catalog.area_name(area_id, language)
    verb = "Subscribed to" if added else "You already follow"
    return f"{verb} threat-level alerts for {name}. Reply LEAVE to stop."


def add_routes(app: web.Application) -> None:
    app.router.add_post("/twilio/status", status_callback)
    app.router.add_post("/twilio/inbound", inbound_sms)


async def _verified_form(request: web.Request) -> dict[str, str]:
    service = request.app[SERVICE]
    token = service.config.twilio.auth_token
    if token is None:
        raise web.HTTPForbidden(text="Twilio callbacks need twilio.auth_token to verify them")
    form = await request.post()
    public = service.config.server.public_url
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
    service = request.app[SERVICE]
    form = await _verified_form(request)
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if not sid or not status:
        raise web.HTTPBadRequest(text="MessageSid and MessageStatus are required")
    updated = await service.store.update_provider_status(
        sid, status, form.get("ErrorCode", ""), service.clock()
    )
    if not updated:
        log.info("status %s for unknown or newer message %s ignored", status, sid)
    return web.Response(status=204)


async def inbound_sms(request: web.Request) -> web.Response:
    """STOP-type keywords opt the sender out of every subscription, START ones back in;
    with `twilio.inbound_join`, JOIN <area> subscribes the sender and LEAVE [area] ends it."""
    service = request.app[SERVICE]
    form = await _verified_form(request)
    sender = form.get("From", "")
    body = form.get("Body", "").strip()
    keyword = body.upper()
    reply = ""
    command, _, rest = body.partition(" ")
    if service.config.twilio.inbound_join and command.upper() in {"JOIN", "LEAVE"} and sender:
        reply = await _join_or_leave(service, sender, command.upper(), rest.strip())
    elif keyword in OPT_OUT:
        # Every contact of the number, whoever created it; the database is what routes.
        count = await service.services.subscribers.set_opt_out(sender, True, f"replied {keyword}")
        log.info("inbound %s from a subscriber: %d subscriptions stopped", keyword, count)
    elif keyword in OPT_IN:
        count = await service.services.subscribers.set_opt_out(sender, False, "")
        log.info("inbound %s from a subscriber: %d subscriptions resumed", keyword, count)
    elif keyword in HELP:
        reply = HELP_TEXT + (JOIN_HELP if service.config.twilio.inbound_join else "")
    body = f"<Message>{escape(reply)}</Message>" if reply else ""
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        content_type="application/xml",
    )

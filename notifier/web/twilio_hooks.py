"""Twilio's callbacks: delivery status of sent SMS, and inbound SMS keywords (STOP / START / HELP).

Both are signed with X-Twilio-Signature (HMAC-SHA1 of the public URL and the form, keyed with
the auth token); unsigned or wrongly signed requests are refused with 403.
"""

from __future__ import annotations

import logging
from xml.sax.saxutils import escape

from aiohttp import web
from twilio.request_validator import RequestValidator

from notifier.web.app import SERVICE

log = logging.getLogger(__name__)

# Twilio's own keyword lists: only a message that is exactly the keyword counts.
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})

HELP_TEXT = (
    "notifier: threat-level alerts for the areas you follow. Reply STOP to stop, START to resume."
)


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
    """STOP-type keywords opt the sender out of every subscription, START ones back in."""
    service = request.app[SERVICE]
    form = await _verified_form(request)
    sender = form.get("From", "")
    keyword = form.get("Body", "").strip().upper()
    ids = [s.id for s in service.config.subscribers if s.phone == sender]
    reply = ""
    if keyword in OPT_OUT:
        for sid in ids:
            await service.store.set_opt_out(sid, True, f"replied {keyword}", service.clock())
            service.router.block(sid, f"replied {keyword}")
        log.info("inbound %s from a subscriber: %d subscriptions stopped", keyword, len(ids))
    elif keyword in OPT_IN:
        for sid in ids:
            await service.store.set_opt_out(sid, False, "", service.clock())
            service.router.unblock(sid)
        log.info("inbound %s from a subscriber: %d subscriptions resumed", keyword, len(ids))
    elif keyword in HELP:
        reply = HELP_TEXT
    body = f"<Message>{escape(reply)}</Message>" if reply else ""
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        content_type="application/xml",
    )

"""The `webhook` kind's provider route: the demo consumer (`server.demo_consumer`).

A consumer like the ones operators point notifier at: it verifies the signature of what this
service sent to a subscriber whose URL ends in /demo/webhook, then says what arrived. The web
app adds it from the registry (`ChannelSpec.routes`); it calls the application layer only.
"""

from __future__ import annotations

import logging

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

from notifier.channels.spec import RouteContext
from notifier.config import WebhookEndpoint

__all__ = ["DEMO_PATH", "add_routes"]

log = logging.getLogger("notifier.web.app")

DEMO_PATH = "/demo/webhook"
CONTEXT: web.AppKey[RouteContext] = web.AppKey("webhook", RouteContext)


def add_routes(app: web.Application, ctx: RouteContext) -> None:
    if ctx.config().server.demo_consumer:
        app[CONTEXT] = ctx
        app.router.add_post(DEMO_PATH, demo_webhook)


async def demo_webhook(request: web.Request) -> web.Response:
    """Verify, then show what arrived."""
    ctx = request.app[CONTEXT]
    body = await request.read()
    headers = {k.lower(): v for k, v in request.headers.items()}
    # The YAML's webhooks and those of the API, as the router has them now.
    for endpoint in await ctx.services.subscribers.followers(WebhookEndpoint):
        if not endpoint.url.endswith(DEMO_PATH):
            continue
        try:
            payload = Webhook(endpoint.secret.get_secret_value()).verify(body, headers)
        except (WebhookVerificationError, ValueError):
            continue
        data = payload.get("data", {}) if isinstance(payload, dict) else {}
        area = data.get("area", {}).get("name", "?")
        ctx.echo(
            f"[demo consumer] verified webhook {headers.get('webhook-id')}: "
            f"{payload.get('type')} {area} {data.get('level')} ({data.get('severity')})"
            + (" — unconfirmed" if data.get("confirmed") is False else "")
        )
        return web.json_response({"ok": True})
    log.warning("demo consumer: a request failed signature verification")
    return web.json_response({"ok": False, "error": "bad signature"}, status=401)

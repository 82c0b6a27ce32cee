"""The HTTP surface (aiohttp.web): health, readiness, metrics, the JSON API, the status page,
the feed, and each registered channel kind's provider routes (`ChannelSpec.routes`: Twilio's
callbacks, the webhook demo consumer)."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from notifier.app.deliveries import DeliveryService
from notifier.app.health import HealthService
from notifier.channels import REGISTRY
from notifier.channels.spec import RouteContext
from notifier.web.auth import GUARD, ApiGuard, api_middleware
from notifier.web.openapi import add_openapi_route

if TYPE_CHECKING:
    from notifier.service import Service

log = logging.getLogger(__name__)

# Handlers get what they need through their own keys: application services, never the
# Service, its store or its router.
HEALTH: web.AppKey[HealthService] = web.AppKey("health", HealthService)
OUTBOX_COUNTS: web.AppKey[DeliveryService] = web.AppKey("outbox_counts", DeliveryService)
__all__ = ["HEALTH", "OUTBOX_COUNTS", "create_app"]


def create_app(
    service: Service, environ: Mapping[str, str] | None = None, *, owns_service: bool = False
) -> web.Application:
    """The HTTP app; `environ` (default: the process's) supplies NOTIFIER_ADMIN_TOKEN.

    With `owns_service` the app's lifecycle is the service's (aiohttp `cleanup_ctx`): the
    runner's set-up completes `service.start()` before any site serves a request, and its
    clean-up stops the service after the sites stopped accepting. Tests that start the
    service themselves leave it False.
    """
    app = web.Application(middlewares=[api_middleware])
    if owns_service:

        async def lifecycle(app: web.Application) -> AsyncIterator[None]:
            await service.start()
            try:
                yield
            finally:
                await service.stop()

        app.cleanup_ctx.append(lifecycle)
    app[HEALTH] = service.services.health
    app[OUTBOX_COUNTS] = service.services.deliveries
    app[GUARD] = ApiGuard(lambda: service.config, os.environ if environ is None else environ)
    add_openapi_route(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    from notifier.web import control, feed, listings, status_page, subscribers

    status_page.add_routes(app, service.services)
    feed.add_routes(app, service.services)
    control.add_routes(app, service.services)
    listings.add_routes(app, service.services)
    subscribers.add_routes(app, service.services.subscribers)
    routes = RouteContext(
        services=service.services,
        config=lambda: service.config,
        catalog=lambda: service.catalog,
        clock=service.clock,
        echo=service.echo,
    )
    for spec in REGISTRY:  # each channel kind's provider routes, if it has any
        if spec.routes is not None:
            spec.routes(app, routes)
    return app


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """503 until started and while the database does not answer; `status` says degraded (a
    refused reload, failing sources) while still ready."""
    readiness = await request.app[HEALTH].readiness()
    return web.json_response(readiness.to_json(), status=200 if readiness.ready else 503)


async def metrics(request: web.Request) -> web.Response:
    from notifier import metrics as m

    for status, count in (await request.app[OUTBOX_COUNTS].counts()).items():
        m.OUTBOX.labels(status).set(count)
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

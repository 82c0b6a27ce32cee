"""The HTTP surface (aiohttp.web): health, readiness, metrics, the JSON API, the status page,
the feed, and each registered channel kind's provider routes (`ChannelSpec.routes`: Twilio's
callbacks, the webhook demo consumer)."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from notifier.channels import REGISTRY
from notifier.channels.spec import RouteContext
from notifier.web.auth import GUARD, ApiGuard, api_middleware
from notifier.web.openapi import add_openapi_route

if TYPE_CHECKING:
    from notifier.service import Service

log = logging.getLogger(__name__)

SERVICE: web.AppKey[Service] = web.AppKey("service")
__all__ = ["SERVICE", "create_app"]


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
    app[SERVICE] = service
    if owns_service:
        app.cleanup_ctx.append(_service_lifecycle)
    app[GUARD] = ApiGuard(lambda: service.config, os.environ if environ is None else environ)
    add_openapi_route(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    from notifier.web import control, listings, subscribers
    from notifier.web.feed import events_feed
    from notifier.web.status_page import status_page

    app.router.add_get("/", status_page)
    app.router.add_get("/feed.atom", events_feed)
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


async def _service_lifecycle(app: web.Application) -> AsyncIterator[None]:
    service = app[SERVICE]
    await service.start()
    try:
        yield
    finally:
        await service.stop()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    problems = []
    if not service.started:
        problems.append("service not started")
    else:
        try:
            async with service.store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            problems.append(f"database: {type(exc).__name__}")
    status = 503 if problems else 200
    body: dict[str, Any] = {"ready": not problems, "problems": problems}
    # Degraded is still ready: the service runs, but not as the operator configured it (a
    # refused reload), or a source fails; every replica shares the sources, so taking this one
    # out of rotation would not help. `degraded` and `failing_sources` say what and why.
    body["degraded"] = service.reloader.degradations()
    failing = []
    if not problems:
        failing = [
            {"id": r["id"], "error": r["last_error"]}
            for r in await service.services.sources.listing()
            if r["status"] == "failing"
        ]
    body["status"] = "degraded" if failing or body["degraded"] else "ok"
    body["failing_sources"] = failing
    return web.json_response(body, status=status)


async def metrics(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    from notifier import metrics as m

    for status, count in (await service.services.deliveries.counts()).items():
        m.OUTBOX.labels(status).set(count)
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

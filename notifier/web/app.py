"""The HTTP surface (aiohttp.web): health, readiness, metrics, the JSON API, the demo consumer."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from standardwebhooks import Webhook, WebhookVerificationError

from notifier.app.subscribers import mask_phone
from notifier.config import WebhookEndpoint
from notifier.model import LevelState
from notifier.netguard import mask_url, mask_urls_in
from notifier.trust import StoredReport
from notifier.web import api_models as m
from notifier.web.auth import GUARD, ApiGuard, api_middleware
from notifier.web.openapi import add_openapi_route, documented

if TYPE_CHECKING:
    from notifier.service import Service

log = logging.getLogger(__name__)

SERVICE: web.AppKey[Service] = web.AppKey("service")


def create_app(service: Service, environ: Mapping[str, str] | None = None) -> web.Application:
    """The HTTP app; `environ` (default: the process's) supplies NOTIFIER_ADMIN_TOKEN."""
    app = web.Application(middlewares=[api_middleware])
    app[SERVICE] = service
    app[GUARD] = ApiGuard(lambda: service.config, os.environ if environ is None else environ)
    add_openapi_route(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/levels", api_levels)
    app.router.add_get("/api/levels/{area_id}", api_area_levels)
    app.router.add_get("/api/events", api_events)
    app.router.add_get("/api/deliveries", api_deliveries)
    app.router.add_get("/api/endpoints", api_endpoints)
    app.router.add_get("/api/sources", api_sources)
    app.router.add_get("/api/review", api_review)
    app.router.add_get("/api/reports", api_reports)
    from notifier.web import twilio_hooks
    from notifier.web.feed import events_feed
    from notifier.web.status_page import status_page

    app.router.add_get("/", status_page)
    app.router.add_get("/feed.atom", events_feed)
    twilio_hooks.add_routes(app)
    from notifier.web import control

    control.add_routes(app, service.services)
    from notifier.web import subscribers

    subscribers.add_routes(app, service.services.subscribers)
    if service.config.server.demo_consumer:
        app.router.add_post("/demo/webhook", demo_webhook)
    return app


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
    body["degraded"] = service.degradations()
    failing = []
    if not problems:
        failing = [
            {"id": r["id"], "error": r["last_error"]}
            for r in await service.source_reports()
            if r["status"] == "failing"
        ]
    body["status"] = "degraded" if failing or body["degraded"] else "ok"
    body["failing_sources"] = failing
    return web.json_response(body, status=status)


async def metrics(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    from notifier import metrics as m

    for status, count in (await service.store.delivery_counts()).items():
        m.OUTBOX.labels(status).set(count)
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def level_json(state: LevelState) -> dict[str, Any]:
    return {
        "scheme": state.scheme,
        "area": {"id": state.area.id, "name": state.area.name},
        "level": state.level,
        "severity": state.severity.value,
        "since": state.since.isoformat(),
        "expires": state.expires.isoformat() if state.expires else None,
        "updated": state.updated.isoformat(),
        "evidence": state.evidence,
    }


@documented(response=m.LevelsResponse)
async def api_levels(request: web.Request) -> web.Response:
    """Current levels as stored (one per scheme and area)."""
    service = request.app[SERVICE]
    states = await service.store.level_states()
    return web.json_response({"levels": [level_json(s) for s in states]})


@documented(
    response=m.AreaLevelsResponse, path_params={"area_id": "An area id (KZ-AKT) or name (Aktobe)."}
)
async def api_area_levels(request: web.Request) -> web.Response:
    """The level in force in one area under every scheme: its own, or inherited from an area
    that contains it (`decided_for` says which)."""
    service = request.app[SERVICE]
    area_id = request.match_info["area_id"]
    area = service.catalog.area(area_id) or service.catalog.area(
        service.catalog.find_area(area_id) or ""
    )
    if area is None:
        raise web.HTTPNotFound(text=f"unknown area {area_id!r}")
    # The database's levels, not this replica's copy, which another replica may have outdated.
    book = service.new_book(await service.store.level_states(), await service.store.level_memory())
    levels = []
    for scheme in sorted({state.scheme for state in book.states()}):
        state = book.effective(scheme, area.id)
        if state is not None:
            levels.append({**level_json(state), "decided_for": state.area.id})
    return web.json_response({"area": {"id": area.id, "name": area.name}, "levels": levels})


def query_limit(request: web.Request, default: int = 100) -> int:
    raw = request.query.get("limit", str(default))
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"limit must be a whole number, not {raw!r}") from None
    if not 1 <= value <= 1000:
        raise web.HTTPBadRequest(text="limit must be between 1 and 1000")
    return value


@documented(response=m.EventsResponse, query=m.LimitQuery)
async def api_events(request: web.Request) -> web.Response:
    """Newest events: the transitions that notified someone."""
    service = request.app[SERVICE]
    return web.json_response({"events": await service.store.recent_events(query_limit(request))})


@documented(response=m.DeliveriesResponse, query=m.DeliveriesQuery)
async def api_deliveries(request: web.Request) -> web.Response:
    """The outbox, newest first: one row per event, subscriber and channel."""
    service = request.app[SERVICE]
    status = request.query.get("status") or None
    if status not in (None, "pending", "claimed", "sent", "dead", "suppressed"):
        raise web.HTTPBadRequest(
            text="status must be one of pending, claimed, sent, dead, suppressed"
        )
    rows = await service.store.deliveries(status=status, limit=query_limit(request))
    for row in rows:  # phone numbers are personal data; the subscriber id names the person
        if row["channel"] == "twilio_sms":
            row["address"] = mask_phone(row["address"])
        else:  # a webhook URL may carry credentials (user:pass@, ?token=)
            row["address"] = mask_url(row["address"])
        row["last_error"] = mask_urls_in(row.get("last_error") or "")
    return web.json_response({"deliveries": rows})


@documented(response=m.EndpointsResponse)
async def api_endpoints(request: web.Request) -> web.Response:
    """Webhook endpoints whose circuit breaker has seen failures (open, half-open or counting),
    as this replica sees them."""
    service = request.app[SERVICE]
    return web.json_response({"endpoints": service.outbox.circuits()})


@documented(response=m.SourcesResponse)
async def api_sources(request: web.Request) -> web.Response:
    """Each source's state: last success, last error, failures, next poll, staleness."""
    service = request.app[SERVICE]
    return web.json_response({"sources": await service.source_reports()})


@documented(response=m.ReviewResponse, query=m.ReviewQuery)
async def api_review(request: web.Request) -> web.Response:
    """Announcements held for review (below their source's confidence threshold)."""
    service = request.app[SERVICE]
    items = await service.store.review_items(request.query.get("status", "pending") or None)
    return web.json_response(
        {
            "review": [
                {
                    "id": i.id,
                    "source_id": i.source_id,
                    "document_id": i.document_id,
                    "confidence": i.confidence,
                    "status": i.status,
                    "created": i.created.isoformat(),
                    "announcement": i.announcement,
                }
                for i in items
            ]
        }
    )


REPORT_STATUSES = ("unconfirmed", "approved", "confirmed", "dismissed", "all")


def report_json(report: StoredReport) -> dict[str, Any]:
    a = report.announcement
    return {
        "id": report.id,
        "status": report.status.value,
        "needs": report.needs or None,
        "decided_by": report.decided_by or None,
        "scheme": a.scheme,
        "area": {"id": a.area.id, "name": a.area.name},
        "level": a.level,
        "severity": a.severity.value if a.severity else None,
        "action": a.action.value,
        "expires": a.expires.isoformat() if a.expires else None,
        "evidence": a.evidence,
        "confidence": a.confidence,
        "source": report.source.to_json(),
        "reported_at": report.reported_at.isoformat(),
        "created": report.created.isoformat(),
        "decided": report.decided.isoformat() if report.decided else None,
    }


@documented(response=m.ReportsResponse, query=m.ReportsQuery)
async def api_reports(request: web.Request) -> web.Response:
    """What the trust stage holds or held: `?status=unconfirmed` (default) … or `all`.

    Operators confirm or dismiss with `POST /api/reports/{id}/confirm|dismiss` or `notifier reports confirm|dismiss ID`."""
    service = request.app[SERVICE]
    status = request.query.get("status", "unconfirmed")
    if status not in REPORT_STATUSES:
        raise web.HTTPBadRequest(text=f"status must be one of {', '.join(REPORT_STATUSES)}")
    found = await service.store.reports(
        None if status == "all" else status, limit=query_limit(request)
    )
    return web.json_response({"reports": [report_json(r) for r in found]})


async def demo_webhook(request: web.Request) -> web.Response:
    """A consumer like the ones operators point notifier at: verify, then show what arrived."""
    service = request.app[SERVICE]
    body = await request.read()
    headers = {k.lower(): v for k, v in request.headers.items()}
    router = await service.current_router()  # the YAML's webhooks and those of the API
    for endpoint in (f for f in router.followers if isinstance(f, WebhookEndpoint)):
        if not endpoint.url.endswith("/demo/webhook"):
            continue
        try:
            payload = Webhook(endpoint.secret.get_secret_value()).verify(body, headers)
        except (WebhookVerificationError, ValueError):
            continue
        data = payload.get("data", {}) if isinstance(payload, dict) else {}
        area = data.get("area", {}).get("name", "?")
        service.echo(
            f"[demo consumer] verified webhook {headers.get('webhook-id')}: "
            f"{payload.get('type')} {area} {data.get('level')} ({data.get('severity')})"
            + (" — unconfirmed" if data.get("confirmed") is False else "")
        )
        return web.json_response({"ok": True})
    log.warning("demo consumer: a request failed signature verification")
    return web.json_response({"ok": False, "error": "bad signature"}, status=401)

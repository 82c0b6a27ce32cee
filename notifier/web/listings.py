"""The operator's reading routes (levels, events, deliveries, sources, review, reports) and
the two that act on what they list (review decisions, replay of dead letters).

Every handler reads its query, asks one application service through its own AppKey, and
shapes the answer; none touches the store. A wrong query parameter is a 400 naming it, an
unknown thing named in the path a 404, a body naming something impossible a 422.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import web

from notifier.app import AppServices
from notifier.app.deliveries import DeliveryService
from notifier.app.errors import Invalid, NotFound
from notifier.app.events import EventService
from notifier.app.levels import LevelService, level_json
from notifier.app.reports import ReportService, report_json
from notifier.app.review import ReviewService, review_json
from notifier.app.sources import SourceService
from notifier.web import api_models as m
from notifier.web.auth import error_response
from notifier.web.control import invalid, read_body
from notifier.web.openapi import documented

LEVELS: web.AppKey[LevelService] = web.AppKey("levels", LevelService)
EVENTS: web.AppKey[EventService] = web.AppKey("events", EventService)
DELIVERIES: web.AppKey[DeliveryService] = web.AppKey("deliveries", DeliveryService)
SOURCES: web.AppKey[SourceService] = web.AppKey("sources", SourceService)
REVIEW: web.AppKey[ReviewService] = web.AppKey("review", ReviewService)
REPORT_LIST: web.AppKey[ReportService] = web.AppKey("report_list", ReportService)

T = TypeVar("T")
MAX_ID_DIGITS = 12


def add_routes(app: web.Application, services: AppServices) -> None:
    app[LEVELS] = services.levels
    app[EVENTS] = services.events
    app[DELIVERIES] = services.deliveries
    app[SOURCES] = services.sources
    app[REVIEW] = services.review
    app[REPORT_LIST] = services.reports
    app.router.add_get("/api/levels", api_levels)
    app.router.add_get("/api/levels/{area_id}", api_area_levels)
    app.router.add_get("/api/events", api_events)
    app.router.add_get("/api/deliveries", api_deliveries)
    app.router.add_post("/api/replay", api_replay)
    app.router.add_get("/api/endpoints", api_endpoints)
    app.router.add_get("/api/sources", api_sources)
    app.router.add_get("/api/review", api_review)
    app.router.add_post("/api/review/{item_id}/approve", api_review_approve)
    app.router.add_post("/api/review/{item_id}/reject", api_review_reject)
    app.router.add_get("/api/reports", api_reports)


def query_limit(request: web.Request, default: int = 100) -> int:
    raw = request.query.get("limit", str(default))
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"limit must be a whole number, not {raw[:40]!r}") from None
    if not 1 <= value <= 1000:
        raise web.HTTPBadRequest(text="limit must be between 1 and 1000")
    return value


async def queried(work: Awaitable[T]) -> T:
    """The service's answer to a listing; its `Invalid` is a 400 naming the parameter."""
    try:
        return await work
    except Invalid as exc:
        raise web.HTTPBadRequest(text=f"{exc.field} {exc.message}") from None


@documented(response=m.LevelsResponse, query=m.LevelsQuery)
async def api_levels(request: web.Request) -> web.Response:
    """Current levels as stored (one per scheme and area); `?scheme=` and `?area=` narrow it."""
    q = request.query
    states = await queried(request.app[LEVELS].listing(scheme=q.get("scheme"), area=q.get("area")))
    return web.json_response({"levels": [level_json(s) for s in states]})


@documented(
    response=m.AreaLevelsResponse,
    query=m.AreaLevelsQuery,
    path_params={"area_id": "An area id (KZ-AKT) or name (Aktobe)."},
)
async def api_area_levels(request: web.Request) -> web.Response:
    """The level in force in one area under every scheme: its own, or inherited from an area
    that contains it (`decided_for` says which); its own stored levels; and its history."""
    raw = request.query.get("history", "20")
    if not raw.isdigit() or len(raw) > 4:
        raise web.HTTPBadRequest(text=f"history must be a whole number, not {raw[:40]!r}")
    try:
        found = await queried(
            request.app[LEVELS].of_area(request.match_info["area_id"], history=int(raw))
        )
    except NotFound as exc:
        return error_response(404, str(exc))
    return web.json_response(found.to_json())


@documented(response=m.EventsResponse, query=m.EventsQuery)
async def api_events(request: web.Request) -> web.Response:
    """Newest events: the transitions that notified someone; filter by area (and the areas
    inside it), scheme, kind and `since`."""
    q = request.query
    found = await queried(
        request.app[EVENTS].listing(
            limit=query_limit(request),
            area=q.get("area"),
            scheme=q.get("scheme"),
            kind=q.get("kind"),
            since=q.get("since"),
        )
    )
    return web.json_response({"events": found})


@documented(response=m.DeliveriesResponse, query=m.DeliveriesQuery)
async def api_deliveries(request: web.Request) -> web.Response:
    """The outbox, newest first: one row per event, subscriber and channel, with every
    attempt; filter by status, subscriber, event and channel."""
    q = request.query
    found = await queried(
        request.app[DELIVERIES].listing(
            limit=query_limit(request),
            status=q.get("status") or None,
            subscriber=q.get("subscriber"),
            event=q.get("event"),
            channel=q.get("channel"),
        )
    )
    return web.json_response({"deliveries": found})


@documented(response=m.ReplayResponse, body=m.ReplayBody)
async def api_replay(request: web.Request) -> web.Response:
    """Put dead-lettered deliveries back in the outbox: those listed in `ids`, or all of them.

    What `notifier replay` does; the outbox sends them at its next look."""
    body = await read_body(request, m.ReplayBody)
    if isinstance(body, web.Response):
        return body
    try:
        count = await request.app[DELIVERIES].replay(body.ids)
    except Invalid as exc:
        return invalid(exc.field, exc.message)
    return web.json_response({"queued": count})


@documented(response=m.EndpointsResponse)
async def api_endpoints(request: web.Request) -> web.Response:
    """Webhook endpoints whose circuit breaker has seen failures (open, half-open or counting),
    as this replica sees them."""
    return web.json_response({"endpoints": request.app[DELIVERIES].circuits()})


@documented(response=m.SourcesResponse)
async def api_sources(request: web.Request) -> web.Response:
    """Each source's state: last success, last error, failures, next poll, staleness."""
    return web.json_response({"sources": await request.app[SOURCES].listing()})


@documented(response=m.ReviewResponse, query=m.ReviewQuery)
async def api_review(request: web.Request) -> web.Response:
    """Announcements held for review (below their source's confidence threshold).

    Approve or reject with `POST /api/review/{id}/approve|reject`."""
    status = request.query.get("status", "pending")
    items = await queried(request.app[REVIEW].listing(status or None))
    return web.json_response({"review": [review_json(i) for i in items]})


REVIEW_ID = {"item_id": "The review item's number (from /api/review)."}


async def _review_decision(request: web.Request, *, approve: bool) -> web.Response:
    raw = request.match_info["item_id"]
    if not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        return error_response(404, f"no review item {raw[:40]!r}")
    try:
        item = await request.app[REVIEW].decide(int(raw), approve=approve)
    except NotFound as exc:
        return error_response(404, str(exc))
    return web.json_response(review_json(item))


@documented(response=m.ReviewItemOut, path_params=REVIEW_ID)
async def api_review_approve(request: web.Request) -> web.Response:
    """Approve a pending item: the running service applies it within seconds (status applied)."""
    return await _review_decision(request, approve=True)


@documented(response=m.ReviewItemOut, path_params=REVIEW_ID)
async def api_review_reject(request: web.Request) -> web.Response:
    """Reject a pending item: it never reaches anyone."""
    return await _review_decision(request, approve=False)


@documented(response=m.ReportsResponse, query=m.ReportsQuery)
async def api_reports(request: web.Request) -> web.Response:
    """What the trust stage holds or held: `?status=unconfirmed` (default) … or `all`.

    Operators confirm or dismiss with `POST /api/reports/{id}/confirm|dismiss` or `notifier reports confirm|dismiss ID`."""
    status = request.query.get("status", "unconfirmed")
    found = await queried(request.app[REPORT_LIST].listing(status, limit=query_limit(request)))
    return web.json_response({"reports": [report_json(r) for r in found]})

"""The operator's control routes: manual announcements and silences (explain joins them).

Handlers reach the application layer through their own AppKeys, never the Service itself.
"""

from __future__ import annotations

import json
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from notifier.app import AppServices
from notifier.app.announcements import AnnouncementRequest, AnnouncementService
from notifier.app.errors import Invalid, NotFound
from notifier.app.explain import ExplainService
from notifier.app.reports import ReportService
from notifier.app.silences import SilenceService
from notifier.model import Action
from notifier.web import api_models as m
from notifier.web.auth import CALLER, error_response
from notifier.web.openapi import documented

ANNOUNCEMENTS: web.AppKey[AnnouncementService] = web.AppKey("announcements", AnnouncementService)
SILENCES: web.AppKey[SilenceService] = web.AppKey("silences", SilenceService)
EXPLAIN: web.AppKey[ExplainService] = web.AppKey("explain", ExplainService)
REPORTS: web.AppKey[ReportService] = web.AppKey("reports", ReportService)

B = TypeVar("B", bound=BaseModel)


def add_routes(app: web.Application, services: AppServices) -> None:
    app[ANNOUNCEMENTS] = services.announcements
    app[SILENCES] = services.silences
    app[EXPLAIN] = services.explain
    app.router.add_get("/api/explain", api_explain)
    app[REPORTS] = services.reports
    app.router.add_post("/api/reports/{report_id}/confirm", api_report_confirm)
    app.router.add_post("/api/reports/{report_id}/dismiss", api_report_dismiss)
    app.router.add_post("/api/announcements", api_announce)
    app.router.add_get("/api/silences", api_silences)
    app.router.add_post("/api/silences", api_silence_add)
    app.router.add_delete("/api/silences/{silence_id}", api_silence_expire)


def invalid(field: str, message: str) -> web.Response:
    return error_response(422, f"{field}: {message}", code="invalid")


async def read_body(request: web.Request, model: type[B]) -> B | web.Response:
    """The JSON body as `model`, or the error answer (400 malformed, 422 naming the field)."""
    if request.content_type != "application/json":
        return error_response(400, "the body must be JSON (Content-Type: application/json)")
    try:
        raw = await request.read()  # bounded by the app's client_max_size
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return error_response(400, "the body is not valid JSON")
    if not isinstance(data, dict):
        return error_response(400, "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return invalid(where, first["msg"])


def caller_name(request: web.Request) -> str:
    caller = request.get(CALLER)
    return caller.name if caller is not None else "operator"


@documented(response=m.AnnouncementResponse, body=m.AnnouncementBody)
async def api_announce(request: web.Request) -> web.Response:
    """Set, extend or lift a level as the operator's own official announcement.

    It runs through the pipeline like a source's (levels, events, outbox, silences);
    `dry_run: true` changes nothing and answers who would be notified and with what text."""
    body = await read_body(request, m.AnnouncementBody)
    if isinstance(body, web.Response):
        return body
    try:
        outcome = await request.app[ANNOUNCEMENTS].announce(
            AnnouncementRequest(
                scheme=body.scheme,
                area=body.area,
                level=body.level,
                action=Action(body.action.value),
                expires=body.expires,
                note=body.note,
                dry_run=body.dry_run,
                by=caller_name(request),
            )
        )
    except Invalid as exc:
        return invalid(exc.field, exc.message)
    return web.json_response(outcome.to_json())


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise web.HTTPBadRequest(text="limit must be a whole number between 1 and 1000")
    return int(raw)


@documented(response=m.SilencesResponse, query=m.SilencesQuery)
async def api_silences(request: web.Request) -> web.Response:
    """Silences, newest first: those not yet ended, or with `expired=true` all of them."""
    expired = request.query.get("expired", "false")
    if expired not in ("true", "false"):
        raise web.HTTPBadRequest(text="expired must be true or false")
    service = request.app[SILENCES]
    found = await service.listing(include_expired=expired == "true", limit=_limit(request))
    now = service.now()
    return web.json_response({"silences": [s.to_json(now) for s in found]})


@documented(response=m.SilenceOut, status=201, body=m.SilenceBody)
async def api_silence_add(request: web.Request) -> web.Response:
    """Mute an area (and the areas inside it) or one subscriber until `ends`.

    Notices it mutes are not written to the outbox; extreme events pass unless
    `include_extreme` is true."""
    body = await read_body(request, m.SilenceBody)
    if isinstance(body, web.Response):
        return body
    service = request.app[SILENCES]
    try:
        silence = await service.add(
            area=body.area,
            subscriber=body.subscriber,
            starts=body.starts,
            ends=body.ends,
            created_by=body.created_by,
            comment=body.comment,
            include_extreme=body.include_extreme,
        )
    except Invalid as exc:
        return invalid(exc.field, exc.message)
    return web.json_response(silence.to_json(service.now()), status=201)


@documented(
    response=m.SilenceOut, path_params={"silence_id": "The silence's number (from the listing)."}
)
async def api_silence_expire(request: web.Request) -> web.Response:
    """Expire a silence now (it stays listed with `expired=true`)."""
    raw = request.match_info["silence_id"]
    if not raw.isdigit() or len(raw) > 12:
        return error_response(404, f"no silence {raw[:40]!r}")
    service = request.app[SILENCES]
    try:
        silence = await service.expire(int(raw))
    except NotFound as exc:
        return error_response(404, str(exc))
    return web.json_response(silence.to_json(service.now()))


@documented(response=m.ExplainResponse, query=m.ExplainQuery)
async def api_explain(request: web.Request) -> web.Response:
    """Why a follower was or was not notified of an event.

    Area (through the hierarchy), minimum severity, transition kind, enabled, opt-out or
    disabled endpoint, silence, quiet hours, trust, and the delivery rows with their status."""
    event = request.query.get("event", "")
    subscriber = request.query.get("subscriber", "")
    if not event or not subscriber:
        raise web.HTTPBadRequest(text="give both ?event=ID and &subscriber=ID")
    try:
        answer = await request.app[EXPLAIN].explain(event, subscriber)
    except NotFound as exc:
        return error_response(404, str(exc))
    return web.json_response(answer)


REPORT_ID = {"report_id": "The report's number (from /api/reports)."}


async def _decide(request: web.Request, *, confirm: bool) -> web.Response:
    from notifier.app.reports import report_json

    raw = request.match_info["report_id"]
    if not raw.isdigit() or len(raw) > 12:
        return error_response(404, f"no report {raw[:40]!r}")
    try:
        report = await request.app[REPORTS].decide(int(raw), confirm=confirm)
    except NotFound as exc:
        return error_response(404, str(exc))
    return web.json_response(report_json(report))


@documented(response=m.ReportOut, path_params=REPORT_ID)
async def api_report_confirm(request: web.Request) -> web.Response:
    """Confirm an unconfirmed report: the service applies it within seconds (status approved)."""
    return await _decide(request, confirm=True)


@documented(response=m.ReportOut, path_params=REPORT_ID)
async def api_report_dismiss(request: web.Request) -> web.Response:
    """Dismiss an unconfirmed report: it never reaches anyone and corroborates nothing."""
    return await _decide(request, confirm=False)

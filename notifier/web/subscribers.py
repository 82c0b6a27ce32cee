"""/api/subscribers: list, create, edit, pause, and manage the contacts of subscribers.

Handlers call `SubscriberService` through their own AppKey. Errors are the API's shape:
422 invalid (naming the field), 404 unknown subscriber or contact, 409 read-only (a subscriber
the YAML owns) or an id that is taken.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from notifier.app.errors import Conflict, Invalid, NotFound
from notifier.app.subscribers import (
    SubscriberIn,
    SubscriberPatch,
    SubscriberService,
    subscriber_json,
)
from notifier.store.subscribers import SubscriberRow
from notifier.web import api_models as m
from notifier.web.auth import error_response
from notifier.web.control import invalid, read_body
from notifier.web.openapi import documented

SUBSCRIBERS: web.AppKey[SubscriberService] = web.AppKey("subscribers", SubscriberService)

ID = {"subscriber_id": "The subscriber's id."}
CONTACT = {**ID, "contact_id": "The contact's number (`contacts[].id`)."}
BASE = "/api/subscribers"


def add_routes(app: web.Application, service: SubscriberService) -> None:
    app[SUBSCRIBERS] = service
    app.router.add_get(BASE, api_subscribers)
    app.router.add_post(BASE, api_subscriber_create)
    app.router.add_get(BASE + "/{subscriber_id}", api_subscriber)
    app.router.add_patch(BASE + "/{subscriber_id}", api_subscriber_update)
    app.router.add_delete(BASE + "/{subscriber_id}", api_subscriber_delete)
    app.router.add_post(BASE + "/{subscriber_id}/pause", api_subscriber_pause)
    app.router.add_post(BASE + "/{subscriber_id}/resume", api_subscriber_resume)
    app.router.add_post(BASE + "/{subscriber_id}/contacts", api_contact_add)
    app.router.add_delete(BASE + "/{subscriber_id}/contacts/{contact_id}", api_contact_remove)
    app.router.add_post(BASE + "/{subscriber_id}/contacts/{contact_id}/enable", api_contact_enable)
    app.router.add_post(
        BASE + "/{subscriber_id}/contacts/{contact_id}/unblock", api_contact_unblock
    )


async def _answer(
    request: web.Request,
    act: Callable[[SubscriberService], Awaitable[SubscriberRow]],
    status: int = 200,
) -> web.Response:
    """Run one service call and answer the subscriber as it is now, or the error."""
    service = request.app[SUBSCRIBERS]
    try:
        row = await act(service)
    except Invalid as exc:
        return invalid(exc.field, exc.message)
    except NotFound as exc:
        return error_response(404, str(exc))
    except Conflict as exc:
        return error_response(409, str(exc), code="conflict")
    return web.json_response(subscriber_json(row, await service.blocked()), status=status)


def _sid(request: web.Request) -> str:
    return request.match_info["subscriber_id"]


def _contact_id(request: web.Request) -> int:
    raw = request.match_info["contact_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound(text=f"no contact {raw[:40]!r}")
    return int(raw)


@documented(response=m.SubscribersResponse)
async def api_subscribers(request: web.Request) -> web.Response:
    """Every subscriber with its contacts, by id; phone numbers masked, secrets never shown."""
    service = request.app[SUBSCRIBERS]
    blocked = await service.blocked()
    rows = await service.listing()
    return web.json_response({"subscribers": [subscriber_json(r, blocked) for r in rows]})


@documented(response=m.SubscriberOut, path_params=ID)
async def api_subscriber(request: web.Request) -> web.Response:
    """One subscriber with its contacts."""
    return await _answer(request, lambda s: s.get(_sid(request)))


@documented(response=m.SubscriberOut, status=201, body=SubscriberIn, errors=(409,))
async def api_subscriber_create(request: web.Request) -> web.Response:
    """Create a subscriber (origin api) with one or more contacts.

    Areas may be ids or names. If its areas have a level in force, every contact is told
    that level at once (an outbox notice in the subscriber's language)."""
    body = await read_body(request, SubscriberIn)
    if isinstance(body, web.Response):
        return body
    return await _answer(request, lambda s: s.create(body), status=201)


@documented(response=m.SubscriberOut, body=SubscriberPatch, path_params=ID, errors=(409,))
async def api_subscriber_update(request: web.Request) -> web.Response:
    """Change a subscriber's settings (fields left out stay); 409 for the YAML's."""
    body = await read_body(request, SubscriberPatch)
    if isinstance(body, web.Response):
        return body
    return await _answer(request, lambda s: s.update(_sid(request), body))


@documented(response=m.SubscriberOut, path_params=ID, errors=(409,))
async def api_subscriber_delete(request: web.Request) -> web.Response:
    """Delete a subscriber and its contacts (answers it as it was); 409 for the YAML's."""
    return await _answer(request, lambda s: s.delete(_sid(request)))


@documented(response=m.SubscriberOut, path_params=ID)
async def api_subscriber_pause(request: web.Request) -> web.Response:
    """Pause a subscriber: it gets nothing until resumed (the YAML's too, across reloads)."""
    return await _answer(request, lambda s: s.pause(_sid(request), True))


@documented(response=m.SubscriberOut, path_params=ID)
async def api_subscriber_resume(request: web.Request) -> web.Response:
    """Resume a paused subscriber."""
    return await _answer(request, lambda s: s.pause(_sid(request), False))


@documented(response=m.SubscriberOut, status=201, body=m.ContactBody, path_params=ID, errors=(409,))
async def api_contact_add(request: web.Request) -> web.Response:
    """Add a contact to an api subscriber (409 for the YAML's and JOIN's)."""
    body = await read_body(request, m.ContactBody)
    if isinstance(body, web.Response):
        return body
    return await _answer(request, lambda s: s.add_contact(_sid(request), body.root), status=201)


@documented(response=m.SubscriberOut, path_params=CONTACT, errors=(409,))
async def api_contact_remove(request: web.Request) -> web.Response:
    """Remove a contact of an api subscriber (not its last one: 422)."""
    contact_id = _contact_id(request)
    return await _answer(request, lambda s: s.remove_contact(_sid(request), contact_id))


@documented(response=m.SubscriberOut, path_params=CONTACT)
async def api_contact_enable(request: web.Request) -> web.Response:
    """Re-enable a webhook contact disabled after it answered 410 Gone."""
    contact_id = _contact_id(request)
    return await _answer(request, lambda s: s.enable(_sid(request), contact_id))


@documented(response=m.SubscriberOut, path_params=CONTACT)
async def api_contact_unblock(request: web.Request) -> web.Response:
    """Lift the opt-out of an sms contact (after STOP or Twilio 21610).

    Only when the person asked, outside SMS, to receive alerts again; texting START does
    the same from their phone."""
    contact_id = _contact_id(request)
    return await _answer(request, lambda s: s.unblock(_sid(request), contact_id))

"""GET /feed.atom — the service's own events as Atom, each entry carrying a CAP 1.2 alert.

Other alerting systems can subscribe to notifier the way notifier subscribes to them: every
entry has a `<cap:alert>` child (the NWS style), so CAP aggregators and notifier's own `cap`
source read it. Lifts and expiries are `Update`s with responseType `AllClear`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

from notifier import __version__
from notifier.app import AppServices
from notifier.app.events import EventService
from notifier.app.health import HealthService
from notifier.web.listings import query_limit

FEED_EVENTS: web.AppKey[EventService] = web.AppKey("feed_events", EventService)
FEED_HEALTH: web.AppKey[HealthService] = web.AppKey("feed_health", HealthService)

ATOM = "http://www.w3.org/2005/Atom"
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
ET.register_namespace("", ATOM)
ET.register_namespace("cap", CAP)

_ENDED = {"lifted", "expired"}
_EPOCH = "1970-01-01T00:00:00+00:00"


# Characters XML 1.0 cannot carry at all (not even escaped): C0 controls but tab, LF and CR,
# lone surrogates, U+FFFE and U+FFFF. A document's text may hold them; the feed must parse.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _XML_ILLEGAL.sub("", text)


def _sub(parent: ET.Element, ns: str, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        el.text = xml_text(text)
    return el


def _cap_time(iso: str) -> str:
    """CAP's form: whole seconds with an explicit offset, 2022-01-07T00:00:00+00:00."""
    return datetime.fromisoformat(iso).replace(microsecond=0).isoformat()


def cap_alert(event: dict[str, Any], sender: str) -> ET.Element:
    """One event as a CAP 1.2 alert element."""
    ended = event["kind"] in _ENDED
    alert = ET.Element(f"{{{CAP}}}alert")
    _sub(alert, CAP, "identifier", event["id"])
    _sub(alert, CAP, "sender", sender)
    _sub(alert, CAP, "sent", _cap_time(event["created"]))
    _sub(alert, CAP, "status", "Actual")
    _sub(alert, CAP, "msgType", "Update" if ended else "Alert")
    _sub(alert, CAP, "scope", "Public")
    info = _sub(alert, CAP, "info")
    _sub(info, CAP, "language", "en")
    _sub(info, CAP, "category", "Security")
    _sub(info, CAP, "event", "Terrorism threat level")
    _sub(info, CAP, "responseType", "AllClear" if ended else "Monitor")
    _sub(info, CAP, "urgency", "Past" if ended else "Immediate")
    severity = event["previous_severity"] if ended else event["severity"]
    _sub(info, CAP, "severity", (severity or "unknown").capitalize())
    _sub(info, CAP, "certainty", "Observed")
    if event.get("expires") and not ended:
        _sub(info, CAP, "expires", _cap_time(event["expires"]))
    _sub(info, CAP, "headline", headline(event))
    if event.get("evidence"):
        _sub(info, CAP, "description", event["evidence"])
    for name, value in (
        ("scheme", event["scheme"]),
        ("level", event["level"] or ""),
        ("previous_level", event["previous_level"] or ""),
        ("transition", event["kind"]),
    ):
        param = _sub(info, CAP, "parameter")
        _sub(param, CAP, "valueName", name)
        _sub(param, CAP, "value", value)
    area = _sub(info, CAP, "area")
    _sub(area, CAP, "areaDesc", event["area_name"])
    geocode = _sub(area, CAP, "geocode")
    _sub(geocode, CAP, "valueName", "ISO3166")
    _sub(geocode, CAP, "value", event["area_id"])
    return alert


def headline(event: dict[str, Any]) -> str:
    scheme, area, kind = event["scheme"], event["area_name"], event["kind"]
    if kind in _ENDED:
        return f"{area}: {scheme} level {event['previous_level']} {kind}"
    return f"{area}: {scheme} level {event['level']} ({event['severity']}) {kind}"


def atom_feed(events: list[dict[str, Any]], *, self_url: str, sender: str) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, ATOM, "id", f"urn:notifier:{sender}:events")
    _sub(feed, ATOM, "title", "notifier: threat-level changes")
    _sub(feed, ATOM, "updated", _cap_time(events[0]["created"]) if events else _EPOCH)
    _sub(feed, ATOM, "generator", "notifier").set("version", __version__)
    link = _sub(feed, ATOM, "link")
    link.set("rel", "self")
    link.set("href", xml_text(self_url))
    for event in events:
        entry = _sub(feed, ATOM, "entry")
        _sub(entry, ATOM, "id", f"urn:notifier:{sender}:{event['id']}")
        _sub(entry, ATOM, "title", headline(event))
        _sub(entry, ATOM, "updated", _cap_time(event["created"]))
        _sub(_sub(entry, ATOM, "author"), ATOM, "name", sender)
        _sub(entry, ATOM, "summary", event.get("evidence") or headline(event))
        entry.append(cap_alert(event, sender))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def add_routes(app: web.Application, services: AppServices) -> None:
    app[FEED_EVENTS] = services.events
    app[FEED_HEALTH] = services.health
    app.router.add_get("/feed.atom", events_feed)


async def events_feed(request: web.Request) -> web.Response:
    events = await request.app[FEED_EVENTS].listing(limit=query_limit(request, 50))
    public = request.app[FEED_HEALTH].public_url()
    self_url = (public.rstrip("/") + request.path_qs) if public else str(request.url)
    sender = request.host.split(":")[0] if not public else public.split("//")[-1].split("/")[0]
    body = atom_feed(events, self_url=self_url, sender=sender)
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")

"""JSON sources: NWS-style GeoJSON alerts (mapped into CapAlert) and any JSON API.

A generic JSON API is read with a `FieldMap` (dotted paths, `items` locating the list of
items; numeric parts index lists: `data.0.alerts`). Without one, the list is looked for under
common keys and the fields are guessed from common names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from notifier.model import CapAlert, CapArea, CapInfo, Document
from notifier.sources.cap import document_from_alert
from notifier.sources.decode import clean_line, clean_text
from notifier.sources.htmltext import fragment_to_text
from notifier.sources.times import parse_time

_LIST_KEYS = ("items", "alerts", "entries", "data", "results", "articles", "news", "features")
_GUESS = {
    "id": ("id", "guid", "uuid", "identifier", "key"),
    "title": ("title", "headline", "name", "subject"),
    "text": ("text", "description", "body", "content", "summary", "message"),
    "time": ("published", "time", "date", "sent", "updated", "created", "timestamp"),
    "area": ("area", "areaDesc", "region", "location", "areas"),
    "url": ("url", "link", "href", "uri"),
}


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Where the items are and which field of an item holds what (dotted paths)."""

    items: str = ""
    id: str | None = None
    title: str | None = None
    text: tuple[str, ...] = ()
    time: str | None = None
    area: str | None = None
    url: str | None = None


def is_nws_geojson(data: Any) -> bool:
    features = _features(data)
    return bool(features) and any(
        isinstance(p, Mapping) and ("messageType" in p or "areaDesc" in p or "event" in p)
        for p in (f.get("properties") for f in features if isinstance(f, Mapping))
    )


def parse_geojson(data: Any, *, source_id: str, warnings: list[str]) -> list[Document]:
    """One Document (with its CapAlert) per feature of an NWS alerts response."""
    docs = []
    for i, feature in enumerate(_features(data)):
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(props, Mapping):
            warnings.append(f"feature {i}: no properties, skipped")
            continue
        alert = _nws_alert(props, feature, warnings)
        doc = document_from_alert(
            alert,
            source_id=source_id,
            url=_str(feature.get("id")) or _str(props.get("@id")),
            fmt="geojson",
            fallback_id=_str(feature.get("id")),
        )
        ends = parse_time(props.get("ends"))
        extra = {"ends": ends} if ends is not None else {}
        docs.append(_with_extra(doc, extra))
    return docs


def parse_json_items(
    data: Any, *, source_id: str, fields: FieldMap | None, warnings: list[str]
) -> list[Document]:
    """Documents from a JSON API, one per item of the mapped (or guessed) list."""
    items = _items(data, fields, warnings)
    docs = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            warnings.append(f"item {i}: not an object, skipped")
            continue
        title = clean_line(_as_text(_field(item, fields.title if fields else None, "title")))
        if fields and fields.text:
            raw_text = "\n\n".join(_as_text(_get(item, p)) for p in fields.text)
        else:
            raw_text = _as_text(_field(item, None, "text"))
        text = clean_text(fragment_to_text(raw_text))
        raw_time = _field(item, fields.time if fields else None, "time")
        published = parse_time(raw_time)
        if raw_time not in (None, "") and published is None:
            warnings.append(f"item {i}: unreadable time {str(raw_time)[:40]!r}")
        area = _as_text(_field(item, fields.area if fields else None, "area"), sep="; ")
        url = _str(_field(item, fields.url if fields else None, "url"))
        ident = _str(_field(item, fields.id if fields else None, "id"))
        if not (title or text):
            warnings.append(f"item {i}: no title or text, skipped")
            continue
        if not ident:
            digest = hashlib.sha256(f"{title}\x00{url}\x00{text}".encode("utf-8", "replace"))
            ident = "sha256:" + digest.hexdigest()[:32]
        extra: dict[str, Any] = {"area": clean_line(area)} if area else {}
        docs.append(
            Document(
                source_id=source_id,
                id=ident,
                text=text,
                title=title,
                url=url,
                published=published,
                format="json",
                extra=extra,
            )
        )
    return docs


def _nws_alert(
    props: Mapping[str, Any], feature: Mapping[str, Any], warnings: list[str]
) -> CapAlert:
    ident = _str(props.get("id")) or _str(props.get("identifier")) or _str(feature.get("id"))
    refs: list[str] = []
    for ref in props.get("references") or ():
        if isinstance(ref, Mapping):
            value = _str(ref.get("identifier")) or _str(ref.get("@id"))
        else:
            value = _str(ref)
        if value and value not in refs:
            refs.append(value)
    geocodes: list[tuple[str, str]] = []
    geocode = props.get("geocode")
    if isinstance(geocode, Mapping):
        for name, values in geocode.items():
            for value in values if isinstance(values, list) else [values]:
                geocodes.append((str(name), _str(value)))
    params: list[tuple[str, str]] = []
    parameters = props.get("parameters")
    if isinstance(parameters, Mapping):
        for name, values in parameters.items():
            for value in values if isinstance(values, list) else [values]:
                params.append((str(name), _str(value)))
    area = CapArea(
        desc=clean_line(_str(props.get("areaDesc"))),
        polygons=tuple(_polygons(feature.get("geometry"))),
        geocodes=tuple(geocodes),
    )
    times = {}
    for key in ("sent", "effective", "onset", "expires", "ends"):
        raw = props.get(key)
        times[key] = parse_time(raw)
        if raw not in (None, "") and times[key] is None:
            warnings.append(f"alert {ident or '?'}: unreadable {key} {str(raw)[:40]!r}")
    if times["ends"] is not None:
        params.append(("ends", times["ends"].isoformat()))
    category = props.get("category")
    response = props.get("response")
    info = CapInfo(
        language=_str(props.get("language")) or "en-US",
        categories=tuple(category if isinstance(category, list) else [_str(category)])
        if category
        else (),
        event=clean_line(_str(props.get("event"))),
        response_types=tuple(response if isinstance(response, list) else [_str(response)])
        if response
        else (),
        urgency=_str(props.get("urgency")),
        severity=_str(props.get("severity")),
        certainty=_str(props.get("certainty")),
        effective=times["effective"],
        onset=times["onset"],
        expires=times["expires"],
        sender_name=clean_line(_str(props.get("senderName"))),
        headline=clean_line(_str(props.get("headline"))),
        description=clean_text(_str(props.get("description"))),
        instruction=clean_text(_str(props.get("instruction"))),
        parameters=tuple(params),
        areas=(area,),
    )
    return CapAlert(
        identifier=ident,
        sender=_str(props.get("sender")),
        sent=times["sent"],
        status=_str(props.get("status")),
        msg_type=_str(props.get("messageType")),
        scope=_str(props.get("scope")),
        references=tuple(refs),
        note=clean_text(_str(props.get("note"))),
        infos=(info,),
    )


def _polygons(geometry: Any) -> list[str]:
    """GeoJSON [lon, lat] rings as CAP polygons ("lat,lon lat,lon ...")."""
    if not isinstance(geometry, Mapping):
        return []
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    rings: list[Any] = []
    if kind == "Polygon" and isinstance(coords, list):
        rings = coords[:1]
    elif kind == "MultiPolygon" and isinstance(coords, list):
        rings = [poly[0] for poly in coords if isinstance(poly, list) and poly]
    out = []
    for ring in rings:
        if not isinstance(ring, list):
            continue
        points = [
            f"{p[1]},{p[0]}"
            for p in ring
            if isinstance(p, list)
            and len(p) >= 2
            and all(isinstance(v, int | float) for v in p[:2])
        ]
        if points:
            out.append(" ".join(points))
    return out


def _features(data: Any) -> list[Any]:
    if isinstance(data, Mapping):
        if data.get("type") == "Feature":
            return [data]
        features = data.get("features")
        if isinstance(features, list):
            return features
    return []


def _items(data: Any, fields: FieldMap | None, warnings: list[str]) -> list[Any]:
    if fields is not None and fields.items:
        found = _get(data, fields.items)
        if found is None:
            warnings.append(f"no items at {fields.items!r}")
            return []
        return found if isinstance(found, list) else [found]
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        for key in _LIST_KEYS:
            value = data.get(key)
            if isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
                return value
        return [data]
    return []


def _get(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.lstrip("-").isdigit():
            index = int(part)
            node = node[index] if -len(node) <= index < len(node) else None
        else:
            return None
        if node is None:
            return None
    return node


def _field(item: Mapping[str, Any], path: str | None, kind: str) -> Any:
    if path:
        return _get(item, path)
    for name in _GUESS[kind]:
        if name in item and item[name] not in (None, ""):
            return item[name]
    return None


def _as_text(value: Any, sep: str = "\n\n") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return sep.join(_as_text(v, sep) for v in value if v is not None)
    if isinstance(value, Mapping):
        return sep.join(_as_text(v, sep) for v in value.values() if isinstance(v, str | list))
    return str(value)


def _str(value: Any) -> str:
    if value is None or (isinstance(value, Mapping | Sequence) and not isinstance(value, str)):
        return ""
    return str(value).strip()


def _with_extra(doc: Document, extra: dict[str, Any]) -> Document:
    if extra:
        doc.extra.update(extra)
    return doc

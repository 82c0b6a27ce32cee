"""CAP 1.0/1.1/1.2 alerts (plain, inside EDXL-DE, or as `cap:` elements of Atom entries).

Parsed with an XML parser (never feedparser, which keeps only the last repeated
`cap:parameter`/`cap:geocode`). Every `info` block, parameter, area, geocode and reference is
kept; MeteoAlarm's `cap:message_type` is read as msgType; empty elements are tolerated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from xml.etree.ElementTree import Element

from notifier.model import CapAlert, CapArea, CapInfo, Document
from notifier.sources.decode import clean_line, clean_text
from notifier.sources.times import parse_time
from notifier.sources.xmlsafe import local, namespace

CAP_NAMESPACES = (
    "urn:oasis:names:tc:emergency:cap:1.0",
    "urn:oasis:names:tc:emergency:cap:1.1",
    "urn:oasis:names:tc:emergency:cap:1.2",
    "http://www.incident.com/cap/1.0",
)


def is_cap_namespace(ns: str) -> bool:
    return ns in CAP_NAMESPACES or ns.startswith("urn:oasis:names:tc:emergency:cap:")


def find_alerts(root: Element) -> list[Element]:
    """Every CAP `alert` element in the tree: the root itself, or those an EDXL-DE wraps."""
    return [
        el
        for el in root.iter()
        if local(el.tag) == "alert"
        and (is_cap_namespace(namespace(el.tag)) or _child(el, "identifier") is not None)
    ]


def alert_from_element(el: Element, warnings: list[str]) -> CapAlert:
    """A CapAlert from an `alert` element; unreadable times become None with a warning."""
    idx = _index(el, cap_only=False)
    identifier = _text(idx, "identifier")
    infos = tuple(_info(info, warnings, identifier) for info in _children(idx, "info"))
    return CapAlert(
        identifier=identifier,
        sender=_text(idx, "sender"),
        sent=_time(idx, "sent", warnings, identifier),
        status=_text(idx, "status"),
        msg_type=_text(idx, "msgType") or _text(idx, "message_type"),
        scope=_text(idx, "scope"),
        references=parse_references(" ".join(_texts(idx, "references"))),
        note=clean_text(_text(idx, "note")),
        infos=infos,
    )


def alert_from_atom_entry(
    entry: Element,
    *,
    fallback_id: str,
    fallback_sent: datetime | None,
    sender: str,
    language: str,
    warnings: list[str],
) -> CapAlert | None:
    """CAP fields flattened into an Atom entry (NWS index, MeteoAlarm); None if there are none."""
    cap_children = [c for c in entry if is_cap_namespace(namespace(c.tag))]
    if not cap_children:
        return None
    nested = [c for c in cap_children if local(c.tag) == "alert"]
    if nested:
        return alert_from_element(nested[0], warnings)
    idx = _index(entry, cap_only=True)
    identifier = _text(idx, "identifier") or fallback_id
    area = _area_from(idx)
    info = _info_from(
        idx,
        warnings,
        identifier,
        language=language or "en-US",
        sender_name=sender,
        areas=(area,) if area.desc or area.polygons or area.circles or area.geocodes else (),
    )
    return CapAlert(
        identifier=identifier,
        sender=_text(idx, "sender") or sender,
        sent=_time(idx, "sent", warnings, identifier) or fallback_sent,
        status=_text(idx, "status"),
        msg_type=_text(idx, "msgType") or _text(idx, "message_type"),
        scope=_text(idx, "scope"),
        references=parse_references(" ".join(_texts(idx, "references"))),
        infos=(info,),
    )


def parse_references(value: str) -> tuple[str, ...]:
    """`sender,identifier,sent sender,identifier,sent` -> the identifiers, in order."""
    out: list[str] = []
    for token in value.split():
        parts = token.split(",")
        ident = ",".join(parts[1:-1]) if len(parts) >= 3 else token
        if ident and ident not in out:
            out.append(ident)
    return tuple(out)


def document_from_alert(
    alert: CapAlert, *, source_id: str, url: str = "", fmt: str = "cap", fallback_id: str = ""
) -> Document:
    """A Document for one alert: id is the CAP identifier, text every info's words."""
    first = alert.infos[0] if alert.infos else None
    title = ""
    if first is not None:
        title = first.headline or first.event
    if not title:
        title = f"{alert.msg_type or 'CAP'} {alert.identifier}".strip()
    parts: list[str] = []
    for info in alert.infos:
        if info.headline and info.headline != title:
            parts.append(info.headline)
        parts.extend(p for p in (info.description, info.instruction) if p)
        parts.extend(a.desc for a in info.areas if a.desc)
    if not parts and alert.note:
        parts.append(alert.note)
    ident = alert.identifier or fallback_id
    if not ident:
        ident = "cap:" + hashlib.sha256(repr(alert).encode()).hexdigest()[:24]
    return Document(
        source_id=source_id,
        id=ident,
        text="\n\n".join(dict.fromkeys(parts)),
        title=title,
        url=url,
        published=alert.sent,
        format=fmt,
        language=first.language if first is not None else None,
        cap=alert,
    )


def _info(el: Element, warnings: list[str], identifier: str) -> CapInfo:
    idx = _index(el, cap_only=False)
    return _info_from(
        idx,
        warnings,
        identifier,
        language="en-US",
        sender_name=clean_line(_text(idx, "senderName")),
        areas=tuple(_area(a) for a in _children(idx, "area")),
    )


def _info_from(
    idx: dict[str, list[Element]],
    warnings: list[str],
    identifier: str,
    *,
    language: str,
    sender_name: str,
    areas: tuple[CapArea, ...],
) -> CapInfo:
    """The fields of an indexed `<info>` element, or of an Atom entry's flat `cap:` ones."""
    return CapInfo(
        language=_text(idx, "language") or language,
        categories=tuple(_texts(idx, "category")),
        event=clean_line(_text(idx, "event")),
        response_types=tuple(_texts(idx, "responseType")),
        urgency=_text(idx, "urgency"),
        severity=_text(idx, "severity"),
        certainty=_text(idx, "certainty"),
        effective=_time(idx, "effective", warnings, identifier),
        onset=_time(idx, "onset", warnings, identifier),
        expires=_time(idx, "expires", warnings, identifier),
        sender_name=sender_name,
        headline=clean_line(_text(idx, "headline")),
        description=clean_text(_text(idx, "description")),
        instruction=clean_text(_text(idx, "instruction")),
        parameters=tuple(pair for p in _children(idx, "parameter") for pair in _pairs(p)),
        areas=areas,
    )


def _area(el: Element) -> CapArea:
    return _area_from(_index(el, cap_only=False))


def _area_from(idx: dict[str, list[Element]]) -> CapArea:
    return CapArea(
        desc=clean_line(" ".join(_texts(idx, "areaDesc"))),
        polygons=tuple(p for p in _texts(idx, "polygon") if p),
        circles=tuple(c for c in _texts(idx, "circle") if c),
        geocodes=tuple(pair for g in _children(idx, "geocode") for pair in _pairs(g)),
    )


def _pairs(el: Element) -> Iterator[tuple[str, str]]:
    """valueName/value pairs in document order (NWS puts several pairs in one geocode)."""
    name: str | None = None
    for child in el:
        tag = local(child.tag)
        if tag == "valueName":
            name = (child.text or "").strip()
        elif tag == "value" and name is not None:
            yield (name, clean_line(child.text or ""))
            name = None


def _index(el: Element, cap_only: bool) -> dict[str, list[Element]]:
    """Children by local name, built once per element (entries are read field by field)."""
    out: dict[str, list[Element]] = {}
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag[0] == "{":
            ns, _, name = tag[1:].partition("}")
            if cap_only and not is_cap_namespace(ns):
                continue
        elif cap_only:
            continue
        else:
            name = tag
        out.setdefault(name, []).append(child)
    return out


Index = dict[str, list[Element]]


def _children(el: Element | Index, name: str, *, cap_only: bool = False) -> Iterator[Element]:
    index = el if isinstance(el, dict) else _index(el, cap_only)
    return iter(index.get(name, ()))


def _child(el: Element | Index, name: str) -> Element | None:
    return next(_children(el, name), None)


def _texts(el: Element | Index, name: str, *, cap_only: bool = False) -> list[str]:
    return [(c.text or "").strip() for c in _children(el, name, cap_only=cap_only)]


def _text(el: Element | Index, name: str, *, cap_only: bool = False) -> str:
    for child in _children(el, name, cap_only=cap_only):
        return (child.text or "").strip()
    return ""


def _time(
    el: Element | Index, name: str, warnings: list[str], identifier: str, *, cap_only: bool = False
) -> datetime | None:
    raw = _text(el, name, cap_only=cap_only)
    if not raw:
        return None
    value = parse_time(raw)
    if value is None:
        warnings.append(f"CAP {identifier or '?'}: unreadable {name} {raw[:40]!r}")
    return value

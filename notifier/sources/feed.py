"""RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser, with CAP-in-Atom read by an XML parser.

feedparser never sees a document that declares entities (see `xmlsafe`). A malformed feed
yields the entries feedparser could read plus a warning; an entry without a guid gets an id
from its content. Atom entries carrying `cap:` elements (NWS index, MeteoAlarm) or Pelmorex's
`status=`/`msgType=` categories get a `CapAlert` built from them.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

import feedparser

from notifier.errors import ParseError
from notifier.model import CapAlert, CapInfo, Document
from notifier.sources.cap import alert_from_atom_entry, is_cap_namespace
from notifier.sources.decode import clean_line, clean_text
from notifier.sources.htmltext import fragment_to_text
from notifier.sources.times import from_struct_time, parse_time
from notifier.sources.xmlsafe import local, parse_xml

ATOM_NS = "http://www.w3.org/2005/Atom"
_CATEGORY_CAP_KEYS = {
    "status",
    "msgType",
    "scope",
    "language",
    "category",
    "severity",
    "urgency",
    "certainty",
    "event",
}


def parse_feed(
    text: str, *, source_id: str, default_language: str | None, warnings: list[str]
) -> tuple[str, list[Document]]:
    """Entries of an RSS/Atom feed given as decoded text; returns (format, documents)."""
    parsed: Any = feedparser.parse(
        io.BytesIO(text.encode("utf-8", "surrogatepass")),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = str(parsed.get("version") or "")
    fmt = "atom" if version.startswith("atom") else "rss"
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        warnings.append(f"malformed feed, read what could be read: {exc}")
        if not parsed.entries and not version:
            raise ParseError(f"not a readable RSS/Atom feed: {exc}")
    feed_language = parsed.feed.get("language") or default_language
    caps = _cap_entries(text, warnings) if _mentions_cap(text) else {}
    docs: list[Document] = []
    for index, entry in enumerate(parsed.entries):
        doc = _document(entry, index, source_id, fmt, feed_language, caps, warnings)
        if doc is not None:
            docs.append(doc)
    return fmt, docs


def _document(
    entry: Any,
    index: int,
    source_id: str,
    fmt: str,
    language: str | None,
    caps: dict[str, tuple[int, CapAlert]],
    warnings: list[str],
) -> Document | None:
    title = clean_line(fragment_to_text(entry.get("title") or ""))
    body = ""
    for content in entry.get("content") or ():
        body = content.get("value") or ""
        if body:
            break
    if not body:
        body = entry.get("summary") or entry.get("description") or ""
    text = clean_text(fragment_to_text(body))
    link = str(entry.get("link") or "")
    guid = str(entry.get("id") or "").strip()
    published = _entry_time(entry, guid or title, warnings)
    cap = _cap_for(entry, index, guid, caps, published, language, warnings)
    if not (title or text or cap):
        warnings.append(f"entry {index}: empty (no title, text or CAP fields), skipped")
        return None
    if not guid:
        digest = hashlib.sha256(f"{title}\x00{link}\x00{text}".encode("utf-8", "replace"))
        guid = "sha256:" + digest.hexdigest()[:32]
    return Document(
        source_id=source_id,
        id=guid,
        text=text,
        title=title,
        url=link,
        published=published,
        format=fmt,
        language=entry.get("language")
        or (cap.infos[0].language if cap and cap.infos else language),
        cap=cap,
        extra={"feed_index": index},
    )


def _entry_time(entry: Any, ident: str, warnings: list[str]) -> datetime | None:
    unreadable: list[str] = []
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw:
            continue
        value = from_struct_time(entry.get(key + "_parsed")) or parse_time(raw)
        if value is not None:
            return value
        if raw not in unreadable:
            unreadable.append(str(raw))
    for raw in unreadable:
        warnings.append(f"entry {ident[:80]!r}: unreadable date {raw[:40]!r}")
    return None


def _mentions_cap(text: str) -> bool:
    return "emergency:cap:" in text or "incident.com/cap" in text


def _cap_entries(text: str, warnings: list[str]) -> dict[str, tuple[int, CapAlert]]:
    """CAP alerts of Atom entries keyed by entry id (and by position as "#<i>")."""
    try:
        root = parse_xml(text)
    except ParseError as exc:
        warnings.append(f"CAP elements of the feed not read: {exc}")
        return {}
    out: dict[str, tuple[int, CapAlert]] = {}
    entries = (
        list(root.iter(f"{{{ATOM_NS}}}entry"))
        or list(root.iter("{http://purl.org/atom/ns#}entry"))
        or list(root.iter("item"))
        or list(root.iter("{http://purl.org/rss/1.0/}item"))
    )
    for i, el in enumerate(entries):
        if not any(is_cap_namespace(_ns(c.tag)) for c in el):
            continue
        entry_id = _child_text(el, "id") or _child_text(el, "guid")
        alert = alert_from_atom_entry(
            el,
            fallback_id=entry_id,
            fallback_sent=parse_time(_child_text(el, "published") or _child_text(el, "updated")),
            sender=_author(el),
            language=_child_text(el, "language"),
            warnings=warnings,
        )
        if alert is not None:
            out[f"#{i}"] = (i, alert)
            if entry_id:
                out[entry_id] = (i, alert)
    return out


def _cap_for(
    entry: Any,
    index: int,
    guid: str,
    caps: dict[str, tuple[int, CapAlert]],
    published: datetime | None,
    language: str | None,
    warnings: list[str],
) -> CapAlert | None:
    if guid and guid in caps:
        return caps[guid][1]
    if not guid and f"#{index}" in caps:
        return caps[f"#{index}"][1]
    return _cap_from_categories(entry, guid, published, language)


def _cap_from_categories(
    entry: Any, guid: str, published: datetime | None, language: str | None
) -> CapAlert | None:
    """Pelmorex NAAD puts CAP fields in Atom categories: `<category term="msgType=Update"/>`."""
    fields: dict[str, list[str]] = {}
    for tag in entry.get("tags") or ():
        key, sep, value = str(tag.get("term") or "").partition("=")
        if sep and key in _CATEGORY_CAP_KEYS:
            fields.setdefault(key, []).append(value.strip())
    if "status" not in fields and "msgType" not in fields:
        return None

    def first(key: str) -> str:
        return fields.get(key, [""])[0]

    info = CapInfo(
        language=first("language") or language or "en-US",
        categories=tuple(fields.get("category", ())),
        event=first("event"),
        urgency=first("urgency"),
        severity=first("severity"),
        certainty=first("certainty"),
        sender_name=str(entry.get("author") or ""),
        headline=clean_line(str(entry.get("title") or "")),
    )
    return CapAlert(
        identifier=guid,
        sender=str(entry.get("author") or ""),
        sent=published,
        status=first("status"),
        msg_type=first("msgType"),
        scope=first("scope"),
        infos=(info,),
    )


def _ns(tag: object) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _child_text(el: Element, name: str) -> str:
    for child in el:
        if local(child.tag) == name and not is_cap_namespace(_ns(child.tag)):
            return (child.text or "").strip()
    return ""


def _author(el: Element) -> str:
    for child in el:
        if local(child.tag) == "author":
            return _child_text(child, "name")
    return ""

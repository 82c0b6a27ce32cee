"""Bytes to `Document`s: the one entry point every caller uses (service, `notifier extract`, eval).

    parse_bytes(data, *, source_id, name="", content_type=None, hint=None, options=None)
        -> list[Document]

The format is detected from the content (CAP XML, Atom, RSS, GeoJSON, JSON, HTML, plain
text); `hint` is a format or a source type (`rss`, `atom`, `cap`, `geojson`, `json`, `html`,
`text`) saying what the caller expects: `html`/`text`/`json` force that reading, the others
make a different kind of content (a Cloudflare challenge page instead of a feed) a
`ParseError` instead of a document. `name` is the file path or URL; a document without a
guid gets it as id (files, pages) or an id from its content (feed entries, JSON items).

`parse(...)` is the same with the format and the warnings (malformed feed, unreadable date)
in a `ParseResult`. Only `ParseError` escapes: hostile XML (entity declarations), bodies over
`options.max_bytes` and unreadable documents are refused with one clear line.

Plain-text files in the corpus form start with `Source: <url>` and `Date: <YYYY-MM-DD ...>`
header lines: they are removed from the text and become `url` and `published`; the first
non-empty line becomes the title and the whole body stays in `text`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from notifier.errors import ParseError
from notifier.model import Document
from notifier.sources.cap import alert_from_element, document_from_alert, find_alerts
from notifier.sources.decode import clean_line, clean_text, decode_bytes
from notifier.sources.feed import parse_feed
from notifier.sources.htmltext import page_text, title_tag
from notifier.sources.jsondocs import FieldMap, is_nws_geojson, parse_geojson, parse_json_items
from notifier.sources.xmlsafe import parse_xml, refuse_entities

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
FORMATS = ("rss", "atom", "cap", "geojson", "json", "html", "text")
# What each hint accepts; None means "whatever the content is".
_EXPECTED: dict[str, tuple[str, ...] | None] = {
    "rss": ("rss", "atom"),
    "atom": ("rss", "atom"),
    "feed": ("rss", "atom"),
    "cap": ("cap", "atom", "rss"),
    "geojson": ("geojson",),
    "json": ("json", "geojson"),
    "html": ("html",),
    "text": ("text",),
    "dir": None,
    "file": None,
}
_ROOT_NAME = re.compile(r"[A-Za-z_][\w:.-]*")
_HTML_HINT = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", re.I)
_HEADER = re.compile(r"^(Source|Date)\s*:\s*(.*)$", re.I)
_HEADER_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\b")


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Per-source reading options (from the source's YAML)."""

    fields: FieldMap | None = None  # json: where the items are and which field is what
    selector: str | None = None  # html: CSS selector of the main text
    language: str | None = None  # language of documents that do not say
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(slots=True)
class ParseResult:
    format: str
    documents: list[Document]
    warnings: list[str] = field(default_factory=list)


def parse_bytes(
    data: bytes,
    *,
    source_id: str,
    name: str = "",
    content_type: str | None = None,
    hint: str | None = None,
    options: ParseOptions | None = None,
) -> list[Document]:
    """Documents read from `data`; warnings are logged. Raises only ParseError."""
    result = parse(
        data,
        source_id=source_id,
        name=name,
        content_type=content_type,
        hint=hint,
        options=options,
    )
    for warning in result.warnings:
        log.warning("%s %s: %s", source_id, name or "<bytes>", warning)
    return result.documents


def parse(
    data: bytes,
    *,
    source_id: str,
    name: str = "",
    content_type: str | None = None,
    hint: str | None = None,
    options: ParseOptions | None = None,
) -> ParseResult:
    """`parse_bytes` returning the detected format and the warnings too."""
    opts = options or ParseOptions()
    if len(data) > opts.max_bytes:
        raise ParseError(
            f"document of {len(data)} bytes is over the limit of {opts.max_bytes} bytes"
        )
    if hint is not None and hint not in _EXPECTED and hint not in FORMATS:
        raise ParseError(f"unknown format hint {hint!r}; expected one of {sorted(_EXPECTED)}")
    text = decode_bytes(data, content_type).text
    warnings: list[str] = []
    fmt, parsed_json = _detect(text, hint, warnings)
    expected = _EXPECTED.get(hint) if hint else None
    if expected is not None and fmt not in expected:
        raise ParseError(f"expected {_describe(hint)}, got {_describe(fmt)}{_title_of(fmt, text)}")
    try:
        docs = _parse_as(fmt, text, parsed_json, source_id, name, opts, warnings)
    except ParseError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # A parser library tripping over hostile input must not take the poller down with it.
        log.debug("parser failure", exc_info=True)
        raise ParseError(f"{fmt} document could not be read: {type(exc).__name__}: {exc}") from None
    if opts.language:
        docs = [d if d.language else dataclasses.replace(d, language=opts.language) for d in docs]
    return ParseResult(fmt, docs, warnings)


def detect_format(data: bytes, content_type: str | None = None) -> str:
    """The format `parse` would read `data` as (no hint)."""
    return _detect(decode_bytes(data, content_type).text, None, [])[0]


def _detect(text: str, hint: str | None, warnings: list[str]) -> tuple[str, Any]:
    stripped = text.lstrip("\ufeff \t\r\n")
    if hint == "text":
        return "text", None
    if hint == "html":
        refuse_entities(stripped[:65536])
        return "html", None
    if stripped[:1] in ("{", "["):
        try:
            value = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            if hint in ("json", "geojson") or stripped[:1] == "{":
                raise ParseError(f"malformed JSON: {exc}") from None
            warnings.append(f"not JSON ({exc}); read as plain text")
            return "text", None
        if hint == "json":
            return "json", value
        return ("geojson" if is_nws_geojson(value) else "json"), value
    if stripped[:1] == "<":
        refuse_entities(stripped)
        name = root_element_name(stripped[:65536])
        root = name.rpartition(":")[2].lower()
        if root in ("alert", "edxldistribution"):
            return "cap", None
        if root == "feed":
            return "atom", None
        if root in ("rss", "rdf", "channel"):
            return "rss", None
        if root in ("html", "body", "head") or _HTML_HINT.search(stripped[:4096]):
            return "html", None
        if root:
            raise ParseError(f"unrecognised XML document (root element <{name}>)")
        return "html", None
    if _HTML_HINT.search(stripped[:2048]):
        refuse_entities(stripped)
        return "html", None
    return "text", None


def root_element_name(text: str) -> str:
    """The name of the first element after the prolog (declarations, processing instructions,
    comments, a DOCTYPE with its internal subset), or "" when there is none.

    A scan, not a regex: each construct ends at its first terminator, found with `str.find`, so
    the work is linear in the length of `text` whatever it holds (the regex this replaces
    backtracked exponentially on `'<?a?>' * 40 + '<1'`).
    """
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return ""
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return ""
            i = end + 3
        elif text[i : i + 9].upper() == "<!DOCTYPE":
            i = _doctype_end(text, i + 9)
            if i < 0:
                return ""
        elif text.startswith("<", i):
            m = _ROOT_NAME.match(text, i + 1)
            return m.group(0) if m else ""
        else:
            return ""


def _doctype_end(text: str, i: int) -> int:
    """Index just past a DOCTYPE that starts before `i`, or -1 when it does not end."""
    close = text.find(">", i)
    bracket = text.find("[", i)
    if close < 0:
        return -1
    if 0 <= bracket < close:  # an internal subset: up to a `]` followed by the closing `>`
        pos = bracket + 1
        while True:
            end = text.find("]", pos)
            if end < 0:
                return -1
            after = end + 1
            while after < len(text) and text[after].isspace():
                after += 1
            if text.startswith(">", after):
                return after + 1
            pos = end + 1
    return close + 1


def _parse_as(
    fmt: str,
    text: str,
    parsed_json: Any,
    source_id: str,
    name: str,
    opts: ParseOptions,
    warnings: list[str],
) -> list[Document]:
    url = name if name.startswith(("http://", "https://")) else ""
    if fmt in ("rss", "atom"):
        return parse_feed(text, source_id=source_id, default_language=None, warnings=warnings)[1]
    if fmt == "cap":
        root = parse_xml(text)
        alerts = find_alerts(root)
        if not alerts:
            raise ParseError("no CAP <alert> element in the document")
        return [
            document_from_alert(alert_from_element(el, warnings), source_id=source_id, url=url)
            for el in alerts
        ]
    if fmt == "geojson":
        return parse_geojson(parsed_json, source_id=source_id, warnings=warnings)
    if fmt == "json":
        return parse_json_items(
            parsed_json, source_id=source_id, fields=opts.fields, warnings=warnings
        )
    if fmt == "html":
        title, body, language = page_text(text, selector=opts.selector, url=url)
        if not body and not title:
            warnings.append("HTML page without text")
            return []
        return [
            Document(
                source_id=source_id,
                id=name or _content_id(title, body),
                text=body,
                title=title,
                url=url,
                format="html",
                language=language or None,
            )
        ]
    return _parse_text(text, source_id, name, url)


def _parse_text(text: str, source_id: str, name: str, url: str) -> list[Document]:
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headers: dict[str, str] = {}
    i = 0
    while i < len(lines) and i < 4:
        m = _HEADER.match(lines[i].strip())
        if not m or m.group(1).lower() in headers:
            break
        headers[m.group(1).lower()] = m.group(2).strip()
        i += 1
    body = clean_text("\n".join(lines[i:]))
    if not body:
        return []
    extra: dict[str, Any] = {}
    source = headers.get("source", "")
    if source:
        extra["source_header"] = source
        first = source.split()[0]
        if first.startswith(("http://", "https://")):
            url = first
    published = None
    if "date" in headers:
        extra["date_header"] = headers["date"]
        published = _header_date(headers["date"])
    # The first line, cut: a body that is one 5 MiB line must not make a 5 MiB title.
    first = next((line for line in body.split("\n", 50) if line.strip()), "")
    title = clean_line(first[:1000])
    return [
        Document(
            source_id=source_id,
            id=name or _content_id(title, body),
            text=body,
            title=title,
            url=url,
            published=published,
            format="text",
            extra=extra,
        )
    ]


def _header_date(value: str) -> datetime | None:
    m = _HEADER_DATE.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _content_id(title: str, text: str) -> str:
    digest = hashlib.sha256(f"{title}\x00{text}".encode("utf-8", "replace"))
    return "sha256:" + digest.hexdigest()[:32]


def _describe(fmt: str | None) -> str:
    return {
        "rss": "an RSS/Atom feed",
        "atom": "an RSS/Atom feed",
        "feed": "an RSS/Atom feed",
        "cap": "a CAP alert or a feed of CAP alerts",
        "geojson": "GeoJSON alerts",
        "json": "JSON",
        "html": "an HTML page",
        "text": "plain text",
    }.get(fmt or "", str(fmt))


def _title_of(fmt: str, text: str) -> str:
    if fmt != "html":
        return ""
    title = clean_line(title_tag(text))
    return f" (title {title!r})" if title else ""

"""Hostile-XML guards shared by every XML path (CAP via defusedxml, RSS/Atom via feedparser).

feedparser runs expat/sgmllib, which would expand internal entities; so any document whose
DTD declares an entity is refused before a parser sees it. defusedxml is used with entity
declarations and external references forbidden as a second line of defence.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as EtParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from notifier.errors import ParseError

_ENTITY_DECL = re.compile(r"<!\s*ENTITY", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def refuse_entities(text: str) -> None:
    """Raise ParseError when the document declares entities (billion laughs, XXE)."""
    m = _ENTITY_DECL.search(text)
    if m:
        kind = "external entity" if _is_external(text, m.start()) else "entity expansion"
        raise ParseError(
            f"XML entity declarations are refused (possible {kind} attack) at offset {m.start()}"
        )


def _is_external(text: str, start: int) -> bool:
    end = text.find(">", start)
    decl = text[start : end if end != -1 else start + 300]
    return "SYSTEM" in decl or "PUBLIC" in decl


def parse_xml(text: str) -> Element:
    """Parse already-decoded XML with defusedxml; raise ParseError on hostile or broken XML."""
    refuse_entities(text)
    # ElementTree refuses a str that still carries an encoding declaration for other charsets.
    text = _XML_DECL.sub("", text, count=1)
    try:
        root: Any = _defused_fromstring(
            text, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise ParseError(f"hostile XML refused: {exc}") from None
    except EtParseError as exc:
        raise ParseError(f"malformed XML: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"malformed XML: {exc}") from None
    if not isinstance(root, Element):
        raise ParseError("malformed XML: no root element")
    return root


def local(tag: object) -> str:
    """The local name of an ElementTree tag (`{ns}name` -> `name`); comments give ""."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(tag: object) -> str:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].partition("}")[0]

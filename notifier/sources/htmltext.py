"""HTML to text: a page's main text (trafilatura, or a CSS selector) and feed HTML fragments.

Page chrome (menus, footers, share widgets) is dropped by trafilatura; when a source names a
CSS selector only the matching elements are read. The selector supports the common subset:
`tag`, `#id`, `.class`, `[attr]`, `[attr=value]`, compounds of these (`div.article#main`),
descendant (`a b`) and child (`a > b`) combinators, and `,` for alternatives.
"""

from __future__ import annotations

import html
import re
from typing import Any

import lxml.etree
import lxml.html
import trafilatura

from notifier.errors import ParseError
from notifier.sources.decode import clean_line, clean_text

# `[^<>]*`, not `[^>]*`: a tag ends at the next `<` too, so a body of unclosed `<` is one linear
# pass instead of a scan to the end from every `<` (quadratic: hours on 5 MiB of them).
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|blockquote|section|article|pre)\b[^<>]*>", re.I
)
_ANY_TAG = re.compile(r"<[^<>]*>")
_SIMPLE = re.compile(
    r"(?P<tag>[A-Za-z][A-Za-z0-9-]*|\*)?(?P<rest>(?:[#.][A-Za-z0-9_-]+|\[[^\]]+\])*)$"
)
_PART = re.compile(
    r"([#.])([A-Za-z0-9_-]+)|\[\s*([A-Za-z0-9_:-]+)\s*(?:=\s*[\"']?([^\"'\]]*)[\"']?)?\s*\]"
)
_TITLE = re.compile(r"<title[^<>]*>([^<]*)</title>", re.I)


def fragment_to_text(fragment: str) -> str:
    """Text of a feed's HTML fragment; cheap, since every entry goes through it."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    return html.unescape(_ANY_TAG.sub("", _BLOCK_TAG.sub("\n", fragment)))


def page_text(markup: str, *, selector: str | None = None, url: str = "") -> tuple[str, str, str]:
    """(title, main text, language) of a page; main text is "" when the page has none."""
    if selector:
        return _select(markup, selector)
    try:
        extracted: Any = trafilatura.bare_extraction(
            markup,
            url=url or None,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            deduplicate=False,
        )
    except (ValueError, TypeError, lxml.etree.LxmlError, RecursionError) as exc:
        raise ParseError(f"HTML page could not be read: {exc}") from None
    title = ""
    text = ""
    language = ""
    if extracted is not None:
        title = str(getattr(extracted, "title", "") or "")
        text = str(getattr(extracted, "text", "") or "")
        language = str(getattr(extracted, "language", "") or "")
    if not text:
        text = _body_text(markup)
    if not title:
        title = title_tag(markup)
    return clean_line(title), clean_text(text), language


def title_tag(markup: str) -> str:
    """The text of the page's <title> within its first 20 000 characters, or ""."""
    m = _TITLE.search(markup[:20_000])
    return html.unescape(m.group(1)) if m else ""


def css_to_xpath(selector: str) -> str:
    """Translate the supported CSS subset to XPath; ParseError names what is unsupported."""
    alternatives = []
    for alt in selector.split(","):
        tokens = alt.replace(">", " > ").split()
        if not tokens:
            raise ParseError(f"empty CSS selector in {selector!r}")
        path = ""
        axis = "//"
        for token in tokens:
            if token == ">":
                axis = "/"
                continue
            m = _SIMPLE.match(token)
            if not m:
                raise ParseError(f"unsupported CSS selector part {token!r} in {selector!r}")
            conds = []
            for pm in _PART.finditer(m.group("rest")):
                kind, name, attr, value = pm.groups()
                if kind == "#":
                    conds.append(f"@id='{name}'")
                elif kind == ".":
                    conds.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')")
                elif value is None:
                    conds.append(f"@{attr}")
                else:
                    conds.append(f"@{attr}='{value}'")
            step = (m.group("tag") or "*") + "".join(f"[{c}]" for c in conds)
            path += axis + step
            axis = "//"
        alternatives.append(path)
    return " | ".join(alternatives)


def _select(markup: str, selector: str) -> tuple[str, str, str]:
    xpath = css_to_xpath(selector)
    root = _html_root(markup)
    try:
        found = root.xpath(xpath)
    except lxml.etree.XPathError as exc:
        raise ParseError(f"CSS selector {selector!r} is not usable: {exc}") from None
    parts = [_element_text(el) for el in found if isinstance(el, lxml.html.HtmlElement)]
    title_el = root.find(".//title")
    title = title_el.text_content() if title_el is not None else ""
    language = root.get("lang") or ""
    return clean_line(title), clean_text("\n\n".join(p for p in parts if p.strip())), language


def _html_root(markup: str) -> lxml.html.HtmlElement:
    try:
        return lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"HTML page could not be read: {exc}") from None


def _element_text(el: lxml.html.HtmlElement) -> str:
    for bad in el.xpath(".//script | .//style | .//noscript"):
        bad.drop_tree()
    for br in el.xpath(".//br | .//p | .//div | .//li | .//h1 | .//h2 | .//h3 | .//tr"):
        br.tail = "\n" + (br.tail or "")
    return str(el.text_content())


def _body_text(markup: str) -> str:
    try:
        root = _html_root(markup)
    except ParseError:
        return ""
    body = root.find("body")
    return _element_text(body if body is not None else root)

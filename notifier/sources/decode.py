"""Bytes to clean text: charset choice, mojibake repair, Unicode NFKC.

`decode_bytes(data, content_type)` picks the charset from (in order) a byte-order mark, the
HTTP `Content-Type` charset, an XML declaration, an HTML `<meta charset>`, strict UTF-8, and
finally charset-normalizer's detection. `clean_text(text)` repairs mojibake with ftfy (plus
the `?€™` form where the lead byte was already lost to `?`) and applies NFKC.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer
import ftfy

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_XML_DECL_CHARSET = re.compile(
    rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.I
)
_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
# Mojibake of U+20xx punctuation whose first byte (0xE2 -> "â") was already replaced by "?".
_LOST_LEAD = re.compile("\\?€([™œ\u009d˜“”¦¢?])")
# Characters that mojibake of UTF-8 read as cp1252/latin-1 always contains; ftfy is costly,
# so it only runs when one is present.
_MOJIBAKE_HINT = re.compile(
    "[\u0080-\u009f\u00c2\u00c3\u00c5\u00d0\u00d1\u00d7\u00e2\u00ef\u20ac\ufffd]"
)
_LOST_LEAD_MAP = {
    "™": "\u2019",
    "˜": "\u2018",
    "œ": "\u201c",
    "\u009d": "\u201d",
    "“": "\u2013",
    "”": "\u2014",
    "¦": "\u2026",
    "¢": "\u2022",
    "?": '"',  # the closing/opening quote byte was lost too: only a plain quote is honest
}


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str
    detected: bool  # True when the charset was guessed, not declared


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return _known(m.group(1)) if m else None


def decode_bytes(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode with the declared charset when one is usable, else detect it; never raises."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(name, errors="replace"), name, False)
    head = data[:2048]
    declared: list[str | None] = [charset_from_content_type(content_type)]
    m = _XML_DECL_CHARSET.search(head)
    if m:
        declared.append(_known(m.group(1).decode("ascii")))
    m = _META_CHARSET.search(head)
    if m:
        declared.append(_known(m.group(1).decode("ascii")))
    for candidate in declared:
        if candidate is None:
            continue
        try:
            return Decoded(data.decode(candidate), candidate, False)
        except (UnicodeDecodeError, LookupError):
            continue  # a wrong declaration is common; try the next clue
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    name = best.encoding if best is not None else "cp1252"
    return Decoded(data.decode(name, errors="replace"), name, True)


CHUNK_CHARS = 32 * 1024


def clean_text(text: str, *, chunk_chars: int = CHUNK_CHARS) -> str:
    """Repair mojibake, normalise to NFKC and tidy whitespace; keeps paragraph breaks.

    A long text is cleaned in pieces of about `chunk_chars`, cut at line breaks where it can:
    each regex or NFKC call is one C call that holds the GIL, and on a 5 MiB body one such call
    would stop the event loop for a quarter of a second. The seams are mended (a run of spaces
    cut in two, spaces next to a break), so the result is the same as in one piece.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) <= chunk_chars:
        cleaned = _clean_lines(text).strip(" ")
    else:
        lines: list[str] = []
        line: list[str] = []  # the cleaned pieces of the line being joined
        for i, (piece, line_start) in enumerate(_pieces(text, chunk_chars)):
            if line_start and i:
                lines.append("".join(line).strip(" "))
                line = []
            part = _clean_lines(piece)
            if line and line[-1].endswith(" ") and part.startswith((" ", "\n")):
                part = part.lstrip(" ")  # one run of spaces cut in two: still one space
                if part.startswith("\n"):  # no space before a line break
                    while line and line[-1].endswith(" "):
                        line[-1] = line[-1].rstrip(" ")
                        if not line[-1]:
                            line.pop()
                        else:
                            break
            elif line and line[-1].endswith("\n"):
                part = part.lstrip(" ")  # no space after a line break
            if part:
                line.append(part)
        lines.append("".join(line).strip(" "))
        return _join_collapsing_blank_runs(lines).strip()
    return _BLANK_RUN.sub("\n\n", cleaned).strip()


def _join_collapsing_blank_runs(groups: list[str]) -> str:
    """ "\n".join(groups) with every run of 3+ line breaks made 2, one group at a time (a
    single substitution over megabytes of line breaks would hold the GIL again)."""
    out: list[str] = []
    pending = 0  # line breaks seen since the last text
    for i, group in enumerate(groups):
        if i:
            pending += 1
        body = group.strip("\n")
        if not body:
            pending += len(group)
            continue
        lead = len(group) - len(group.lstrip("\n"))
        out.append("\n" * min(pending + lead, 2))
        out.append(_BLANK_RUN.sub("\n\n", body))
        pending = len(group) - len(group.rstrip("\n"))
    return "".join(out)


_BLANK_RUN = re.compile(r"\n{3,}")


def _pieces(text: str, chunk_chars: int) -> list[tuple[str, bool]]:
    """`text` cut into pieces of about `chunk_chars`, each with whether it starts a line: cut at
    line breaks (dropped), else before a run of spaces (a longer line), else anywhere."""
    pieces: list[tuple[str, bool]] = []
    start, line_start = 0, True
    while start < len(text):
        end = start + chunk_chars
        if end >= len(text):
            pieces.append((text[start:], line_start))
            break
        cut = text.rfind("\n", start, end)
        if cut > start:
            pieces.append((text[start:cut], line_start))
            start, line_start = cut + 1, True
            continue
        cut = text.rfind(" ", start, end)
        while cut > start and text[cut - 1] in " \t\u00a0":
            cut -= 1
        if cut <= start:
            cut = end
        pieces.append((text[start:cut], line_start))
        start, line_start = cut, False
    return pieces


def _clean_lines(text: str) -> str:
    if "?€" in text:
        text = _LOST_LEAD.sub(lambda m: _LOST_LEAD_MAP[m.group(1)], text)
    if not text.isascii():  # ASCII is already NFKC and cannot hold mojibake
        if _MOJIBAKE_HINT.search(text):
            text = ftfy.fix_text(text, uncurl_quotes=False, normalization="NFKC")
        text = unicodedata.normalize("NFKC", text)
    return _SPACE_AROUND_BREAK.sub("\n", _SPACE_RUN.sub(" ", text))


_SPACE_RUN = re.compile(r"[ \t\u00a0]+")
# `(?<! )`: a try starts only at the first space of a run, so a long run of spaces without a
# break is one pass, not a scan from each of its spaces (quadratic).
_SPACE_AROUND_BREAK = re.compile(r"(?:(?<! ) +)?\n *")


def clean_line(text: str) -> str:
    """`clean_text` for one-line fields (titles, ids): every run of whitespace becomes a space."""
    return " ".join(clean_text(text).split())


def _known(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None

"""SMS segment arithmetic: how many parts a text costs, and cutting a text to fit N parts.

GSM-7 carries 160 septets in one segment and 153 per part of a longer message; characters of
the extension table (`^ { } \\ [ ] ~ | €` and form feed) take two septets. One character outside
GSM-7 switches the whole message to UCS-2: 70 UTF-16 units alone, 67 per part. A character is
never split between parts (an escape pair or a surrogate pair moves whole to the next part).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Encoding", "SegmentInfo", "count_segments", "encoding_of", "fit_segments"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_SINGLE = {"gsm7": 160, "ucs2": 70}
_MULTI = {"gsm7": 153, "ucs2": 67}


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM-7 tables, otherwise UCS-2."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        return Encoding.GSM7
    return Encoding.UCS2


def _width(char: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def count_segments(text: str) -> SegmentInfo:
    """Encoding, size in units, and number of segments of `text` (0 segments for "")."""
    encoding = encoding_of(text)
    widths = [_width(c, encoding) for c in text]
    units = sum(widths)
    if units <= _SINGLE[encoding]:
        return SegmentInfo(encoding, units, 1 if units else 0)
    per_part = _MULTI[encoding]
    segments, used = 1, 0
    for w in widths:
        if used + w > per_part:
            segments, used = segments + 1, 0
        used += w
    return SegmentInfo(encoding, units, segments)


def fits(text: str, max_segments: int) -> bool:
    return count_segments(text).segments <= max_segments


def fit_segments(text: str, max_segments: int) -> str:
    """`text` unchanged if it fits in `max_segments`, else its longest prefix that fits with an
    ellipsis appended, cut at a word boundary when one is near.

    The ellipsis is "..." for GSM-7 text (the "…" character would switch it to UCS-2) and "…"
    otherwise. The cut never falls inside a character or before a combining mark.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if fits(text, max_segments):
        return text
    # A prefix that stops before the first non-GSM character may fit far more in GSM-7.
    first_wide = next(
        (i for i, c in enumerate(text) if c not in GSM7_BASIC and c not in GSM7_EXTENSION),
        len(text),
    )
    keep, ellipsis = _longest_prefix(text, first_wide, "...", max_segments), "..."
    if first_wide < len(text):
        wide = _longest_prefix(text, len(text), "…", max_segments)
        if wide > keep:
            keep, ellipsis = wide, "…"
    cut = _clean_cut(text, keep)
    # Prefer ending at a word boundary if that costs at most a fifth of what is kept.
    space = max(cut.rfind(" "), cut.rfind("\n"))
    ends_word = len(cut) < len(text) and text[len(cut)].isspace()
    if not ends_word and space > 0 and len(cut) - space <= max(10, len(cut) // 5):
        cut = cut[:space]
    cut = cut.rstrip(" \n\r\t,;:-–—")
    return cut + ellipsis


def _longest_prefix(text: str, limit: int, ellipsis: str, max_segments: int) -> int:
    """Largest n <= limit with text[:n] + ellipsis fitting; monotone in n, so bisect."""
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(_clean_cut(text, mid) + ellipsis, max_segments):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _clean_cut(text: str, n: int) -> str:
    """text[:n], shortened so it does not end inside a grapheme (combining marks, variation
    selectors and zero-width joiners stay with their base character)."""
    while 0 < n < len(text) and (
        unicodedata.combining(text[n])
        or text[n] in "\u200d\ufe0e\ufe0f"
        or text[n - 1] == "\u200d"
        or 0x1F3FB <= ord(text[n]) <= 0x1F3FF  # skin-tone modifiers
    ):
        n -= 1
    return text[:n]

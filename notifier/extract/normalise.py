"""Text normalisation before matching: mojibake repair, NFKC, homoglyph folding, case folding.

`clean(text)` gives the text evidence is quoted from. `fold(clean_text)` gives a matching key of
exactly the same length (one character per character), so a match in the folded text is a span
of the clean text: lower case, accents removed (ё→е, é→e), Latin/Greek look-alikes inside
Cyrillic words turned Cyrillic (and the reverse inside Latin words), quotes and dashes unified.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ftfy

# UTF-8 punctuation read as cp1252 after the lead byte 0xE2 ("â") was already lost to "?":
# "Russia?€™s" is "Russia’s". The third byte, read as cp1252, tells which character it was.
_LOST_LEAD = re.compile("\\?€(.)", re.S)
_MOJIBAKE_HINT = re.compile("[\u0080-\u009f\u00c2\u00c3\u00c5\u00d0\u00d1\u00e2\u00ef\u20ac\ufffd]")

_QUOTES = "«»“”„‟\"'‘’‚‛`´′″‹›"
_DASHES = "‐‑‒–—―−"
# Look-alikes folded into Cyrillic inside a mostly-Cyrillic word, and into Latin otherwise.
_TO_CYRILLIC = str.maketrans(
    {
        "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к",
        "m": "м", "t": "т", "h": "н", "b": "в", "i": "і",
        "ο": "о", "κ": "к", "α": "а", "ε": "е", "ρ": "р", "τ": "т", "χ": "х", "ν": "v",
    }
)  # fmt: skip
_TO_LATIN = str.maketrans(
    {
        "а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y", "к": "k",
        "ο": "o", "κ": "k", "α": "a", "ε": "e", "ρ": "p", "τ": "t", "ν": "v", "і": "i",
    }
)  # fmt: skip
_WORD = re.compile(r"\w+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[a-z]")


def _repair_lost_lead(match: re.Match[str]) -> str:
    ch = match.group(1)
    try:
        return bytes([0xE2, 0x80, *ch.encode("cp1252")]).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        # The third byte was lost too ("?€?"): only a plain quote is an honest repair.
        return '"'


def clean(text: str) -> str:
    """Repair mojibake (ftfy plus the `?€™` lost-lead-byte form) and apply NFKC."""
    if not text:
        return ""
    if "?€" in text:
        text = _LOST_LEAD.sub(_repair_lost_lead, text)
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_text(text, uncurl_quotes=False, normalization="NFKC")
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _QUOTES:
        return '"'
    if ch in _DASHES:
        return "-"
    if ch in "\u202f\u2009\u2007\u200a\t":
        return " "
    low = ch.lower()
    if len(low) != 1:
        low = ch
    base = unicodedata.normalize("NFD", low)
    if len(base) > 1 and all(unicodedata.combining(c) for c in base[1:]):
        low = base[0]
    return low


def fold(text: str) -> str:
    """A same-length matching key of `text` (see the module docstring)."""
    folded = "".join(_fold_char(ch) for ch in text)
    return _WORD.sub(_fold_homoglyphs, folded)


def _fold_homoglyphs(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii():
        return word
    cyr = len(_CYRILLIC.findall(word))
    if cyr == len(word):
        return word
    if cyr * 2 >= len(word):
        return word.translate(_TO_CYRILLIC)
    if _LATIN.search(word) or any(c in word for c in "οκαερτν"):
        return word.translate(_TO_LATIN)
    return word


def fold_phrase(text: str) -> str:
    """Fold a vocabulary entry the same way as document text."""
    return fold(unicodedata.normalize("NFKC", text)).strip()

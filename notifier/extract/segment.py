"""Pass 1, segmentation: sentences (with bullet headers), datelines and stated scale ranges.

`split_sentences(text)` cuts clean text into `Sentence`s; a run without a sentence end longer
than `max_chars` is cut into pieces so the work per sentence stays bounded (linear time). A
day's ordinal point before a month ("15. Mai") ends nothing. Clauses inside a sentence are the
business of `clauses.py`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from notifier.extract.normalise import fold

_SENTENCE_END = re.compile(
    r"(?<=[.!?…])[\"»”)]*\s+"
    # a hard-wrapped line goes on when the next starts in lower case or with the year of a date
    r"|\n+(?![a-zа-яёәіңғүұқөһ]|\d{4}\s*(?:года|г\.|жыл))"
    r"|(?<=[a-zа-яёәіңғүұқөһ]{3}[.!?])(?=[A-ZА-ЯЁ«\"])"
)

_ORDINAL_DAY = re.compile(r"(?<!\d)[0-3]?\d\.$")

BULLET = re.compile(r"^\s*[•·▪◦*\-–—]\s*")
# an item of a list under a header that ends in a colon, written without a bullet: a line that
# opens with a quoted name ('"Красный" (реальная угроза) - Донецкая ... области;')
LIST_ITEM = re.compile(r"^\s*[\"«“„][^\"»”\n]{1,40}[\"»”]")

# A dateline opening a paragraph ("Москва. 20 ноября.", "Алматы, 3 февраля (КазТАГ) –",
# "LONDON, Nov 4 (Reuters) -", "BRUSSELS (AFP) -"): the place of the newsroom, not an area.
_DATELINE = re.compile(
    r"^[ \t]*(?P<city>[^\W\d_]+(?:[ -][^\W\d_]+){0,2})[ \t]*"
    r"(?:[.,][ \t]*(?:\d{1,2}[ \t]+[^\W\d_]+\.?|[^\W\d_]+\.?[ \t]+\d{1,2})(?:,?[ \t]+\d{4})?"
    r"(?:[ \t]*г\.)?[ \t]*(?:\([^)\n]{1,40}\))?[ \t]*(?:[.–—]|-(?!\w))"
    r"|[ \t]*\([^)\n]{1,40}\)[ \t]*[-–—]"
    # "LONDON (UrduPoint News / Sputnik - 22nd March, 2022) The ...": a city in capitals and the
    # agency's parenthesis, no dash after it
    r"|(?<=[A-Z])[ \t]+\([^)\n]{1,80}\)(?=[ \t]+[A-Z]))",
    re.M,
)

# "on a scale from 1 to 5", "på en skala från 1 till 5", "op een schaal van 1 tot 5", "по шкале
# от 1 до 5": the bounds of the scale, not levels (masked before levels are looked for).
_SCALE_RANGE = re.compile(
    r"(?:scale|skala|skalaen|schaal|шкал[а-я]{0,4}|echelle|escala|scala)\s+"
    r"(?:(?:from|fran|fra|van|от|de|da|di|of)\s+)?(1)\s*(?:to|till|til|tot|до|a|al|-|–)\s*([2-9])(?!\d)"
)

# "(de 2 à 6)", "(from 1 to 5)", "(1-5)": a range in parentheses is a scale's bounds, not a change
_PAREN_RANGE = re.compile(
    r"\(\s*(?:(?:from|fran|fra|van|von|от|de|da|di|del|z|od)\s+)?(\d{1,2})\s*"
    r"(?:to|till|til|tot|bis|до|a|al|à|do|-|–)\s*(\d{1,2})\s*\)"
)

_DE_OF_SIZE = re.compile(
    r"\b(?:eins|zwei|drei|vier|funf|fuenf|[1-5])\s+von\s+(?:insgesamt\s+)?(funf|fuenf|vier|[45])"
    r"(?!\w)(?!\s+auf)"
)


@dataclass
class Sentence:
    start: int
    end: int
    text: str  # clean text (evidence)
    folded: str
    header: Sentence | None = None
    is_header: bool = False
    from_title: bool = False


def split_sentences(
    text: str, max_chars: int = 2000, months: Collection[str] = ()
) -> list[Sentence]:
    """Sentences of clean text; bullet items keep their introducing line as `header`. A run
    longer than `max_chars` without a sentence end is cut into pieces (at a space where there
    is one), so the work per sentence is bounded and extraction stays linear."""
    out: list[Sentence] = []
    pos = 0
    ends = [
        m
        for m in _SENTENCE_END.finditer(text)
        # "bis zum 15. Mai", "til 15. mai": a day's ordinal point before a month ends nothing
        if not (
            _ORDINAL_DAY.search(text, max(0, m.start() - 4), m.start())
            and first_word(text, m.end()) in months
        )
        and not _abbreviation(text, m)
    ]
    for m in [*ends, None]:
        end = m.start() if m else len(text)
        # keep closing punctuation with the sentence
        chunk = text[pos:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            s = pos + lead
            e = pos + len(chunk.rstrip())
            while e - s > max_chars:
                cut = text.rfind(" ", s + max_chars // 2, s + max_chars)
                cut = cut if cut > s else s + max_chars
                out.append(Sentence(s, cut, text[s:cut], fold(text[s:cut])))
                s = cut
                while s < e and text[s].isspace():
                    s += 1
            out.append(Sentence(s, e, text[s:e], fold(text[s:e])))
        pos = m.end() if m else len(text)
        if m is not None and m.end() == m.start():
            pos = m.end()
    header: Sentence | None = None
    for sentence in out:
        if header is not None and (BULLET.match(sentence.text) or LIST_ITEM.match(sentence.text)):
            sentence.header = header
            header.is_header = True
        elif sentence.text.rstrip().endswith(":"):
            header = sentence
        elif header is not None and sentence.text.rstrip().endswith(";"):
            pass  # the tail of an item a stray point cut off ("... области и. Киев;")
        else:
            header = None
    return out


def _abbreviation(text: str, m: re.Match[str]) -> bool:
    """An abbreviation's point: a period, then on the same line a word in lower case ("woj.
    lubelskiego", "obl. centre", "z. B. die"). A sentence starts with a capital, a digit or a
    quote; a lower-case word after a point goes on with the sentence."""
    if m.start() == 0 or text[m.start() - 1] != "." or "\n" in m.group(0):
        return False
    return m.end() < len(text) and text[m.end()].islower()


def first_word(text: str, pos: int) -> str:
    m = re.match(r"\w+", text[pos : pos + 20])
    return fold(m.group(0)) if m else ""


def bullet_len(text: str) -> int:
    m = BULLET.match(text)
    return m.end() if m else 0


def neighbour_text(sentences: list[Sentence], index: int) -> str:
    parts = [
        sentences[i].folded
        for i in range(index - 2, index + 3)
        if i != index and 0 <= i < len(sentences)
    ]
    first = sentences[0]
    if first.from_title and index > 1:
        parts.append(first.folded)
    header = sentences[index].header
    if header is not None:
        parts.append(header.folded)
    return "\n".join(parts)


def mask_scale_ranges(folded: str) -> str:
    """Blank the bounds of a stated scale ("skala från 1 till 5") so they are not read as levels."""

    def blank(m: re.Match[str]) -> str:
        out = m.group(0)
        for g in (2, 1):
            a, b = m.start(g) - m.start(), m.end(g) - m.start()
            out = out[:a] + " " * (b - a) + out[b:]
        return out

    folded = _SCALE_RANGE.sub(blank, folded)
    folded = _PAREN_RANGE.sub(blank, folded)
    # German "Stufe vier von fünf": "von" + the size after a level number (not "von 3 auf 4")
    return _DE_OF_SIZE.sub(
        lambda m: m.group(0)[: m.start(1) - m.start()] + " " * len(m.group(1)), folded
    )


# "Bratislava - Slovensko dnes zvýšilo ...": a place and a spaced dash opening a paragraph (the
# agencies of Central Europe); only a city there is a dateline, a country may be the subject
_DASH_DATELINE = re.compile(r"^[ \t]*(?P<city>[^\W\d_]+(?:[ -][^\W\d_]+)?)[ \t]+[-–—][ \t]+", re.M)


def dash_dateline_ends(text: str) -> list[tuple[int, int]]:
    """Spans of "City - " openings of a paragraph (capitalised place)."""
    return [
        (m.start(), m.end()) for m in _DASH_DATELINE.finditer(text) if m.group("city")[:1].isupper()
    ]


def dateline_ends(text: str) -> list[tuple[int, int]]:
    """Spans of datelines that open a paragraph (the place must be capitalised)."""
    out: list[tuple[int, int]] = []
    for m in _DATELINE.finditer(text):
        city = m.group("city")
        if not city[:1].isupper():
            continue
        out.append((m.start(), m.end()))
    return out

"""Which language to answer an inbound SMS in, and the answer's text from the language packs.

The subscriber's own language when the number is known; else what the message shows: for
JOIN <area>, the language(s) whose name of the area was written ("JOIN København" is Danish),
the area's country's first scheme language breaking a tie ("JOIN Paris": en and fr name it
alike, France speaks fr); then the script (Kazakh or Ukrainian letters, Cyrillic, Hebrew);
then English. The words come from each pack's `replies` section (config/languages/).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notifier.extract.normalise import fold_phrase

if TYPE_CHECKING:
    from notifier.extract import Catalog

FALLBACK = "en"
MAX_TEXT = 200  # what an SMS can name; longer text is not folded at all
_SCRIPTS = (
    ("kk", re.compile(r"[әғқңөұүһӘҒҚҢӨҰҮҺ]")),
    ("uk", re.compile(r"[їєґЇЄҐ]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("he", re.compile(r"[\u05d0-\u05ea]")),
)


def script_language(text: str) -> str | None:
    """A language the letters alone give away, else None (Latin letters say little)."""
    for language, letters in _SCRIPTS:
        if letters.search(text[:MAX_TEXT]):
            return language
    return None


def country_language(catalog: Catalog, area_id: str) -> str | None:
    """The first language of the first scheme of the area's country (kz: ru, se: sv)."""
    top = ([area_id, *catalog.ancestors(area_id)])[-1]
    codes = {top, *(catalog.areas[top].codes if top in catalog.areas else ())}
    for scheme_id in sorted(catalog.schemes):
        scheme = catalog.schemes[scheme_id]
        if scheme.country and scheme.country in codes and scheme.languages:
            return scheme.languages[0]
    return None


def name_languages(catalog: Catalog, area_id: str, text: str) -> set[str]:
    """The languages in which `text` is the area's name or one of its plain aliases."""
    area = catalog.areas.get(area_id)
    if area is None or not text or len(text) > MAX_TEXT:
        return set()
    key = fold_phrase(text)
    found = {lang for lang, name in area.names.items() if fold_phrase(name) == key}
    for lang, phrases in area.aliases.items():
        if any("*" not in p and "{" not in p and fold_phrase(p) == key for p in phrases):
            found.add(lang)
    return found


def join_language(catalog: Catalog, text: str, area_id: str | None) -> str:
    """The language of a JOIN <text> message (the language the joiner's alerts come in)."""
    if area_id is None:
        return script_language(text) or FALLBACK
    named = name_languages(catalog, area_id, text)
    if len(named) == 1:
        return named.pop()
    default = country_language(catalog, area_id)
    if named:  # a name several languages share: the country's, else English, else any
        if default in named:
            return default
        return FALLBACK if FALLBACK in named else sorted(named)[0]
    # An id, a code or another spelling: the letters, else the country's language.
    return script_language(text) or default or FALLBACK


def reply(catalog: Catalog, language: str, name: str, **values: object) -> str:
    """The pack's answer `name` in `language` (or its base, else English), filled in."""
    replies = catalog.lexicon.replies(language) or catalog.lexicon.replies(FALLBACK)
    if replies is None:  # a custom packs folder without English: say the keywords at least
        return {"help": "Reply STOP to stop, START to resume."}.get(name, "")
    return replies.text(name, **values)

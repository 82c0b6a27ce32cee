"""The small phrase syntax of the catalogs, compiled to regular expressions over folded text.

A phrase is words separated by spaces. `word*` matches the word as a stem (any ending);
`-` inside a word also matches a space or nothing. With `inflect=True`, Russian words get the
case endings their last letters call for (`Актюбинская` also matches `Актюбинской`,
`Нур-Султан` matches `Нур-Султане`, `область` matches `областях`) and the last Kazakh word
takes any suffix (`облысы` matches `облысында`). Everything is folded like document text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from notifier.extract.normalise import fold_phrase

_ADJ = ("ая", "яя", "ой", "ий", "ый", "ое", "ее")
_ADJ_ENDINGS = "ая|яя|ой|ую|юю|ое|ее|ые|ие|ых|их|ым|им|ыми|ими|ого|его|ому|ему|ом|ем|ей|ий|ый"
_CONSONANT_ENDINGS = "а|е|у|ом|ой|ы|и|ем|ам|ах"
_A_ENDINGS = "а|ы|е|у|ой|и|ою"
_SOFT_ENDINGS = "ь|и|ью|ей|ям|ях|ями|е|я|ю|ем"
_YA_ENDINGS = "я|и|ю|ей|е|ям|ях"
_J_ENDINGS = "й|я|е|ю|ем|и|ев|ям|ях"
_RU_VOWELS = set("аеиоуыэюяё")
_RU_LETTERS = re.compile("^[а-яё-]+$")

BOUNDARY_START = r"(?<!\w)"
BOUNDARY_END = r"(?!\w)"


def _alt(endings: str) -> str:
    return "(?:" + "|".join(re.escape(fold_phrase(e)) for e in endings.split("|")) + ")"


def _literal(word: str) -> str:
    parts = [re.escape(fold_phrase(p)) for p in word.split("-")]
    return r"[-\s]?".join(parts)


def _ru_word(word: str) -> str:
    low = word.lower()
    if not _RU_LETTERS.match(low) or len(low) < 3:
        return _literal(word)
    if low.endswith(_ADJ) and len(low) > 4:
        return _literal(word[:-2]) + _alt(_ADJ_ENDINGS)
    last = low[-1]
    if last == "а":
        return _literal(word[:-1]) + _alt(_A_ENDINGS)
    if last == "ь":
        return _literal(word[:-1]) + _alt(_SOFT_ENDINGS)
    if last == "я":
        return _literal(word[:-1]) + _alt(_YA_ENDINGS)
    if last == "й":
        return _literal(word[:-1]) + _alt(_J_ENDINGS)
    if last in _RU_VOWELS:
        return _literal(word)  # indeclinable: Актобе, Алматы, Кокшетау
    return _literal(word) + "(?:" + _alt(_CONSONANT_ENDINGS) + ")?"


def phrase_regex(phrase: str, language: str = "", *, inflect: bool = False) -> str:
    """The regular expression (without boundaries) of one phrase."""
    words = phrase.split()
    if not words:
        raise ValueError("empty phrase")
    out = []
    for i, word in enumerate(words):
        if word.endswith("*") and len(word) > 1:
            out.append(_literal(word[:-1]) + r"\w*")
        elif inflect and language == "ru":
            out.append(_ru_word(word))
        elif inflect and language == "kk" and i == len(words) - 1 and len(word) >= 4:
            # The possessive -ы/-і gives way to the plural: "облысы" -> "облыстары", "облыстарында".
            stem = word[:-1] if len(word) >= 5 and word[-1] in "ыі" else word
            out.append(_literal(stem) + r"\w*")
        else:
            out.append(_literal(word))
    return r"[\s\"-]+".join(out)


def alternation(phrases: Iterable[tuple[str, str]], *, inflect: bool = False) -> str | None:
    """One alternation for (language, phrase) pairs, longest phrases first; None when empty."""
    regexes = {phrase_regex(p, lang, inflect=inflect) for lang, p in phrases if p.strip()}
    if not regexes:
        return None
    ordered = sorted(regexes, key=len, reverse=True)
    return BOUNDARY_START + "(?:" + "|".join(ordered) + ")" + BOUNDARY_END


def compile_phrases(
    phrases: Iterable[tuple[str, str]], *, inflect: bool = False
) -> re.Pattern[str] | None:
    pattern = alternation(phrases, inflect=inflect)
    return re.compile(pattern) if pattern else None

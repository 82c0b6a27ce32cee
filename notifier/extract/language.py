"""Which languages a text is written in, from everyday words and script (cheap, no model)."""

from __future__ import annotations

import re

# A tie in everyday words goes to the language listed first (a short French sentence shares
# "de"/"la" with Spanish; the feeds this service watches are more often French).
TIE_ORDER = ("en", "ru", "kk", "fr", "nl", "sv", "nb", "da", "es", "it", "de", "uk", "pl", "cs")
_TOKEN = re.compile(r"\w+")
_KAZAKH_LETTERS = set("әіңғүұқөһ")
_KAZAKH_ONLY = set("әңғүұқөһ")
_UKRAINIAN_LETTERS = set("єґ")  # "ї" folds to "і"
_CYRILLIC = re.compile("[а-яәіңғүұқөһ]")
_LATIN = re.compile("[a-z]")


def detect_languages(
    folded: str, hint: str | None, stopwords: dict[str, set[str]]
) -> tuple[str, ...]:
    """The languages of `folded` text, most likely first; `hint` (a feed's language) is kept.
    `stopwords` are the packs' everyday words per language."""
    order = {lang: i for i, lang in enumerate(TIE_ORDER)}
    STOPWORDS = dict(
        sorted(stopwords.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    )
    scores: dict[str, float] = dict.fromkeys(STOPWORDS, 0.0)
    kazakh = kazakh_only = ukrainian = 0
    for token in _TOKEN.findall(folded[:20000]):
        for lang, words in STOPWORDS.items():
            if token in words:
                scores[lang] += 1
        if _KAZAKH_LETTERS.intersection(token):
            kazakh += 1
            kazakh_only += bool(_KAZAKH_ONLY.intersection(token))
        ukrainian += bool(_UKRAINIAN_LETTERS.intersection(token))
    if kazakh_only == 0 and (kazakh or ukrainian):
        # "і" without a letter only Kazakh has (ә, ң, ғ ...): Ukrainian ("в Шимкенті", "є")
        scores["uk"] = scores.get("uk", 0.0) + (kazakh + ukrainian) * 0.5
        kazakh = 0
    scores["kk"] = scores.get("kk", 0.0) + kazakh * 0.5
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    top = ranked[0][1]
    langs = [lang for lang, score in ranked if top and score >= max(2.0, 0.25 * top)]
    if hint:
        base = hint.split("-")[0].lower()
        if base not in langs:
            langs.insert(0, base)
    if not langs:
        # too short for everyday words: go by script ("Курская область повысила уровень ...")
        cyrillic = len(_CYRILLIC.findall(folded[:2000]))
        latin = len(_LATIN.findall(folded[:2000]))
        if cyrillic > latin:
            langs = ["ru", "kk"] if kazakh else ["uk", "ru"] if scores.get("uk") else ["ru"]
        else:
            # a tie on a short text keeps every language of the top score ("på": sv, nb, da)
            best = [lang for lang, score in ranked if score > 0]
            if best:
                langs = [lang for lang in best if scores[lang] == scores[best[0]]]
            else:
                # not one everyday word ("Supo nosti terrorismin uhkatason Suomessa ..."): every
                # Latin-script language may be it; English first
                latin_langs = [
                    lang
                    for lang, words in STOPWORDS.items()
                    if any(_LATIN.search(w) for w in words)
                ]
                langs = ["en", *[lang for lang in latin_langs if lang != "en"]]
    return tuple(langs)

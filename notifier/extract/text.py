"""Free-text extraction: (scheme, area, level, action, validity) tuples from an article.

The work is a sequence of passes over typed values:

1. segment (`segment.py`): `Sentence`s with bullet headers, datelines, stated scale ranges;
2. mentions (`TextExtractor._mentions`, indexed once per document): level words of a scheme
   near one of its level nouns, then `_pair` joins a change's old and new level (`from_to`, any
   word order, case suffixes) into one `_Mention` with its previous level;
3. scheme candidates (`_sentence`, `_scheme_score`): schemes whose cue is in or next to the
   sentence, scored by markers, areas and language;
4. clause attributes (`clauses.py`, `_attributes`): the trigger's clause is negated, modal,
   historical, definitional, unchanged or reported; vetoes apply to that clause (a hedge, a
   background or a definition also to the clauses after it);
5. attachment of areas (`_attached`, `_attached_before`, anaphora, nationwide words, the
   scheme's default area; an issuer's name never widens the area — attribution);
6. action (`_action`, negation, keep/remain), 7. validity (`dates.py`), 8. confidence (`Tuning`).

Words come from the language packs (`packs.py`), every window and factor from `Tuning`.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from notifier.extract.catalog import Catalog, Level, Scheme
from notifier.extract.clauses import Clause, ClauseAttributes, any_in, clause_at, split_clauses
from notifier.extract.dates import DateWords, Validity, event_dates, has_date, parse_validity
from notifier.extract.language import detect_languages
from notifier.extract.normalise import clean, fold, fold_phrase
from notifier.extract.packs import Lexicon
from notifier.extract.patterns import (
    BOUNDARY_END,
    BOUNDARY_START,
    alternation,
    compile_phrases,
    phrase_regex,
)
from notifier.extract.segment import (
    BULLET,
    Sentence,
    bullet_len,
    dash_dateline_ends,
    dateline_ends,
    mask_scale_ranges,
    neighbour_text,
    split_sentences,
)
from notifier.extract.tuning import Tuning
from notifier.model import Action

_YEAR = re.compile(r"(?<!\d)(?<!\d\.)(19[5-9]\d|20[0-4]\d)(?!\d|\.\d)")
_IS_BEFORE = re.compile(r"(?:\bis|\bare|\best|\bär|\ber|на уровне|at)\s*[\"(]?\s*$")
# Separators need white space (or a comma) and a word is never a separator word: each word has
# one reading, so the list is read in linear time (a "y y y ..." used to backtrack exponentially).
_REGION_AFTER = re.compile(
    r"^(?:(?:\s*,\s*|\s+(?:and|и|және|et|en|och|og)\s+)(?!(?:and|и|және|et|en|och|og)\s)[\w'-]+){0,5}\s+"
    r"(?:region|regions|oblast|oblasts|province|provinces)(?!\w)"
)
# A list of bare names closed by a plural region word names regions, however long it is:
# "in Almaty, Aktobe, ..., North Kazakhstan and South Kazakhstan regions",
# "Алматы, Жамбыл облыстары". Not Russian: there an oblast is an adjective ("Алматинской"), so
# the bare noun in "в Алматы, Алматинской и Жамбылской областях" stays the city.
_REGION_LIST_AFTER = re.compile(
    r"^(?:(?:\s*,\s*|\s+(?:and|и|және|мен|бен|пен|et|en|och|og|y)\s+)"
    r"(?!(?:and|и|және|мен|бен|пен|et|en|och|og|y)\s)[\w'-]+"
    r"(?:\s+(?!(?:and|и|және|мен|бен|пен|et|en|och|og|y)\s)[\w'-]+)?){0,24}\s+"
    r"(?:regions|oblasts|provinces|облыстар\w*|régions|provincies)(?!\w)"
)
_SUPERLATIVE_BEFORE = re.compile(r"(?:highest|lowest|most|least|самыи|le plus|mas|piu)\s+$")
_EXPLAINS = re.compile(r"[,(]|\s[-–—]\s")
_QUOTES = frozenset("\"'«»“”„‘’‹›")
_QUOTE_COMMA = re.compile(r'"\s*,|,\s*"')
_QUOTED_BEFORE = re.compile(r'["«“„][^"»”\n]{1,30}["»”]\s*\(\s*$')
_PARTICIPLE = re.compile(r"нн(?:ыи|ого|ом|ому|ая|ои|ую|ые|ых|ым)$")
_NOT_A_PLACE_AFTER = re.compile(r"[-\s]?(?:related|standard time|time\b|время|уакыт)")
_NOT_A_PLACE_BEFORE = re.compile(
    r"(?:по времени|времени|соседн\w{0,6} с|neighbouring|neighboring)\s*$"
)
_CLOCK = re.compile(r"(?<![\d.:])[0-2]?\d[:.][0-5]\d(?![\d.:])")
# a relative clause about the level's past ("qui avait été porté à 4,", "which had been raised
# to 4,"): background inside a current sentence; blanked so it neither vetoes nor names a level
_RELATIVE_PAST = re.compile(
    r"(?:,\s*|\s)(?:qui|lequel|laquelle|which|that|который|которая|которое|der|die|das|som)\s+"
    r"(?:avait ete|avaient ete|etait|etaient|had been|had|был[аио]?|действовал[аио]?|war|hatte|var|hade)"
    r"\s[^,;:.]{0,80}(?=,)"
)


# a simple-past relative clause dated by a time word ("which was raised to severe in November,",
# "che era stato alzato a grave nel 2017,"): history inside a current sentence, blanked as above
# round 7: a past tense with "since <date>" ("Seit 2015 galt ...", "Sinds 2019 gold ...", "depuis
# 2015 était ...") or a German/Dutch pluperfect passive ("war ... angehoben worden", "was ...
# verhoogd") is the level's history; "erstmals seit 2015 gesenkt" (a current change) is not.
def _word_set(lexicon: Lexicon, section: str, before: str, after: str) -> re.Pattern[str]:
    """One pattern for the folded words of a pack section in every pack."""
    words = {fold_phrase(w) for ws in lexicon.words(section).values() for w in ws}
    ordered = sorted(map(re.escape, words), key=len, reverse=True)
    return re.compile(before + "(?:" + ("|".join(ordered) or "(?!)") + ")" + after)


def _relative_dated(months: str) -> re.Pattern[str]:
    return re.compile(
        r"(?:,\s*|\s)(?:which|that|che|que|qui|die|der|das)\s+"
        r"(?:was|were|had|has been|era|erano|fue|fueron|habia|a ete|avait|wurde|war)\s"
        r"(?=[^,;:.]{0,100}?\b(?:" + months + r"|(?:19|20)\d\d|last year|ago|earlier)\b)"
        r"[^,;:.]{0,100}(?=,)"
    )


def _since_past(months: str) -> re.Pattern[str]:
    return re.compile(
        r"(?<!erstmals )(?<!ersten mal )(?<!eerst )(?<!premiere fois )(?<!prima volta )(?<!primera vez )"
        r"\b(?:seit|sinds|depuis|dal|desde)\s+(?:(?:dem|den|de|le|la|el|il|l')\s*)?"
        r"(?:\d{1,2}\.?\s+)?(?:(?:" + months + r")\s+)?(?:19|20)\d\d\b"
    )


_PLUPERFECT = re.compile(
    r"\b(?:war|waren)\b[^.;:]{0,120}\bworden\b"
    r"|\b(?:was|waren)\s+(?:[^.;:\s]+\s+){0,6}?(?:verhoogd|verlaagd|bijgesteld|ingesteld)\b"
    r"|\b(?:avait|avaient)\s+(?:[^.;:\s]+\s+){0,3}?(?:releve|abaisse|porte|rehausse|baisse|passe|place|eleve)e?s?\b"
    r"|\b(?:aveva|avevano)\s+(?:[^.;:\s]+\s+){0,3}?(?:alzato|abbassato|innalzato|portato|elevato|ridotto)\b"
)


# a pronoun opening a sentence that stands for the level named in the sentence before ("Sie
# wurde auf 4 angehoben", "It was raised to 4"): the pronoun is that level's noun
_PRONOUN_START = re.compile(
    r"\W{0,3}(sie|diese|it|elle|il|она|он|ella|essa)\s+"
    r"(?:wurde|wird|ist|war|liegt|steht|was|is|has|had|will|a|est|sera|etait|была|был|будет|"
    r"fue|ha|sera|e|era|stata|stato)\b"
)
# at most a preposition between an issuer word and its seat ("Behörde in", "agency in")
_SEAT_GAP = 12
_CITY_BEFORE = re.compile(r"(?:city of|город\w{0,4}|қала\w{0,8}|ville de|stad)\s*$")


@dataclass(frozen=True, slots=True)
class Found:
    """One (scheme, area, level, action) read from one sentence, before document-level merging."""

    scheme: str
    area_id: str
    level: str
    action: Action | None  # None: a status sentence that only lends its validity
    previous_level: str | None
    validity: Validity
    evidence: str
    confidence: float
    primary: bool  # the level was named (colour, number), not only translated ("moderate")
    from_title: bool
    nationwide: bool
    position: int


@dataclass(slots=True)
class _Context:
    """What earlier (and, for levels, all) sentences of the document tell a sentence."""

    named: dict[str, list[tuple[int, list[str]]]]  # scheme -> (sentence, level ids named)
    anchor: date | None  # latest date of a level said in the present or future tense
    date_ref: datetime  # year for year-less dates
    prior_areas: list[_AreaHit]  # areas named in sentences before this one
    last_found: list[Found]  # findings of the previous sentence (for "did the same")
    last_found_index: int = -10
    index: int = 0
    recent_is_history: bool = False
    history: bool = False  # set by the sentence: it was read as history
    past: set[int] = field(default_factory=set)  # sentences that are dated before the text


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    level: Level
    primary: bool
    previous: Level | None = None
    first_start: int = -1  # start of "from X" when paired

    @property
    def span_start(self) -> int:
        return self.first_start if self.first_start >= 0 else self.start


@dataclass(slots=True)
class _AreaHit:
    start: int
    end: int
    area_id: str
    factor: float  # confidence factor (ambiguous names < 1)


@dataclass
class _SchemeMatchers:
    scheme: Scheme
    levels: list[tuple[Level, bool, re.Pattern[str]]]
    nouns: re.Pattern[str] | None
    cues: re.Pattern[str] | None
    markers: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    actions: list[tuple[Action, re.Pattern[str]]]
    ordinals: list[tuple[Level, re.Pattern[str]]] = field(default_factory=list)
    # number words of the packs naming a numbered scale's level ("cuatro", "vier"): they count
    # only right after a to/from word or a level noun, or right before a level noun
    numbered: list[tuple[Level, re.Pattern[str]]] = field(default_factory=list)


def _pairs(words: dict[str, list[str]], langs: Iterable[str]) -> list[tuple[str, str]]:
    keep = {*langs, "any"}
    return [(lang, p) for lang, ps in words.items() if lang in keep for p in ps]


def _all_pairs(words: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(lang, p) for lang, ps in words.items() for p in ps]


class CompiledCatalog:
    """Regular expressions of one catalog, compiled once and cached per language set."""

    def __init__(self, catalog: Catalog, tuning: Tuning | None = None) -> None:
        self.catalog = catalog
        self.tuning = tuning or Tuning()
        self._schemes: dict[tuple[str, tuple[str, ...]], _SchemeMatchers] = {}
        self._vocab: dict[tuple[str, tuple[str, ...]], re.Pattern[str] | None] = {}
        self.lexicon = catalog.lexicon
        self.numbers = catalog.lexicon.numbers()
        self.stopwords = catalog.lexicon.stopwords()
        self.dates = DateWords(catalog.lexicon)
        months = "|".join(sorted(map(re.escape, self.dates.months), key=len, reverse=True))
        self.relative_dated = _relative_dated(months)
        # "In November, ...", "höjdes i november 2015": a change dated by its month only
        in_month = _word_set(self.lexicon, "in_month", r"(?<!\w)", r"\s+")
        self.month_only = re.compile(
            r"(?<!\w)(?:"
            + in_month.pattern
            + r")(?P<month>"
            + months
            + r")(?!\w)(?!\s*\d{1,2}(?!\d))"
        )
        # every pack's words, whatever the text's language (as the engine always read them)
        self.coordinator = _word_set(self.lexicon, "coordinators", r"\s", r"\s")
        self.past_finite = _word_set(self.lexicon, "past_auxiliaries", r"\b", r"\b")
        self.since_past = _since_past(months)
        self._counted: dict[tuple[str, ...], re.Pattern[str]] = {}
        # a count word right after a phrase ("the remaining five"): group 1 is the word
        self.count_word = re.compile(
            r"\s+("
            + "|".join(sorted(map(re.escape, self.numbers), key=len, reverse=True))
            + r")(?!\w)"
        )
        phrases: list[str] = []
        self._area_res: dict[str, re.Pattern[str]] = {}
        self._span_ids: dict[str, list[str]] = {}
        for area in catalog.areas.values():
            regs = {
                phrase_regex(p, lang, inflect=True)
                for lang, p in [*area.names.items(), *_all_pairs(area.aliases)]
                if p.strip()
            }
            alt = "(?:" + "|".join(sorted(regs, key=len, reverse=True)) + ")"
            self._area_res[area.id] = re.compile(alt)
            phrases.extend(regs)
        ordered = sorted(set(phrases), key=len, reverse=True)
        self.area_scan = re.compile(BOUNDARY_START + "(?:" + "|".join(ordered) + ")" + BOUNDARY_END)
        # Bare-name spans of a city with a twin region, to resolve "Almaty" vs "Almaty Region".
        self._twin_bare: dict[str, re.Pattern[str]] = {}
        for area in catalog.areas.values():
            if area.twin:
                # a one-word alias is a bare name too ("Aktyubinsk"); "city of Aktobe" is not
                regs = {
                    phrase_regex(p, lang, inflect=True)
                    for lang, p in [
                        *area.names.items(),
                        *((lang, a) for lang, a in _all_pairs(area.aliases) if a.isalpha()),
                    ]
                }
                self._twin_bare[area.id] = re.compile("(?:" + "|".join(regs) + ")")

    def scheme(self, scheme: Scheme, langs: tuple[str, ...]) -> _SchemeMatchers:
        key = (scheme.id, langs)
        found = self._schemes.get(key)
        if found is None:
            levels: list[tuple[Level, bool, re.Pattern[str]]] = []
            ordinals: list[tuple[Level, re.Pattern[str]]] = []
            numbered: list[tuple[Level, re.Pattern[str]]] = []
            count = len(scheme.levels)
            for rank, level in enumerate(scheme.levels):
                # ordinal: "the second-highest level" names a level of whichever scheme the
                # sentence is about by its rank on that scheme's scale
                ordinal = compile_phrases(
                    _pairs(self.lexicon.ordinal_words(count - rank, rank + 1), langs)
                )
                if ordinal is not None:
                    ordinals.append((level, ordinal))
                if level.id.isdigit() and int(level.id) >= 2:
                    # a numbered scale's level is named by the number in every language
                    # ("raised to four", "elevado a cuatro"); one is left out, as it is also
                    # an article ("un", "ein", "a")
                    own = {w for _, w in _pairs(level.names, langs)}
                    number = compile_phrases(
                        [
                            (lang, w)
                            for lang, w in _pairs(self.lexicon.number_words(int(level.id)), langs)
                            if w not in own
                        ]
                    )
                    if number is not None:
                        numbered.append((level, number))
                for primary, words in ((True, level.names), (False, level.adjectives)):
                    regs = {
                        phrase_regex(p, lang, inflect=lang == "ru") + self._case_suffix(lang)
                        for lang, p in _pairs(words, langs)
                    }
                    if regs:
                        alt = "|".join(sorted(regs, key=len, reverse=True))
                        levels.append(
                            (
                                level,
                                primary,
                                re.compile(BOUNDARY_START + "(?:" + alt + ")" + BOUNDARY_END),
                            )
                        )
            actions = []
            for action in (Action.LIFT, Action.EXTEND, Action.SET):
                action_words: list[tuple[str, str]] = _pairs(
                    self.lexicon.action_words(action), langs
                ) + _pairs(scheme.actions.get(action, {}), langs)
                pattern = compile_phrases(action_words)
                if pattern is not None:
                    actions.append((action, pattern))
            unlisted = tuple(lang for lang in langs if lang not in scheme.languages)
            found = _SchemeMatchers(
                scheme=scheme,
                levels=levels,
                nouns=compile_phrases(
                    _pairs(scheme.level_nouns, langs)
                    + _pairs(self.lexicon.words("level_nouns"), langs)
                ),
                # a scheme's own cues; in a language its file does not list (a country's
                # level reported by the foreign press), the security words of that language
                cues=compile_phrases(
                    _pairs(scheme.cues, langs) + _pairs(self.lexicon.words("cues"), unlisted)
                ),
                markers=compile_phrases(_all_pairs(scheme.markers)),
                exclude=compile_phrases(_pairs(scheme.exclude, langs)),
                actions=actions,
                ordinals=ordinals,
                numbered=numbered,
            )
            self._schemes[key] = found
        return found

    def _case_suffix(self, lang: str) -> str:
        """An optional from/to case ending of an agglutinative language ("сарыдан", "қызылға")."""
        pack = self.lexicon.packs.get(lang)
        ft = pack.spec.from_to if pack else None
        if ft is None or not (ft.from_suffix or ft.to_suffix):
            return ""
        endings = sorted({fold_phrase(x) for x in [*ft.from_suffix, *ft.to_suffix]}, key=len)
        return "(?:" + "|".join(re.escape(e) for e in reversed(endings)) + ")?"

    def suffix_role(self, word: str, langs: tuple[str, ...]) -> str | None:
        """'from' or 'to' when a level word ends in that case suffix of one of `langs`."""
        for lang in langs:
            pack = self.lexicon.packs.get(lang)
            ft = pack.spec.from_to if pack else None
            if ft is None:
                continue
            for role, endings in (("from", ft.from_suffix), ("to", ft.to_suffix)):
                # longest first: "-дан" is not "-а"
                for e in sorted((fold_phrase(x) for x in endings), key=len, reverse=True):
                    if word.endswith(e) and len(word) > len(e) + 2:
                        return role
        return None

    def counted_after(self, langs: tuple[str, ...]) -> re.Pattern[str]:
        """A number followed by what it counts in these languages (time, people) is a count,
        not a level: "zwei Tage", "3 jours". Only the text's languages: Lithuanian "para" (a
        day) must not make Spanish "a 3 para Bélgica" a count."""
        if langs not in self._counted:
            words = [
                (code, p)
                for code in langs
                if (pack := self.lexicon.packs.get(code)) is not None
                for p in [
                    *pack.spec.counted,
                    *(w for ws in (pack.spec.units or {}).values() for w in ws),
                ]
            ]
            self._counted[langs] = re.compile(r"\s+" + (alternation(words) or "(?!)"))
        return self._counted[langs]

    def words(self, section: str, langs: tuple[str, ...]) -> re.Pattern[str] | None:
        """One pack section of these languages as one pattern (compiled once)."""
        key = (section, langs)
        if key not in self._vocab:
            self._vocab[key] = compile_phrases(_pairs(self.lexicon.words(section), langs))
        return self._vocab[key]

    def areas_in(self, folded: str, offset: int = 0, on: date | None = None) -> list[_AreaHit]:
        """Areas named in `folded`; a former area is its successors unless the text is dated
        (`on`) before they took over."""
        hits: list[_AreaHit] = []
        for m in self.area_scan.finditer(folded):
            span = m.group(0)
            if _NOT_A_PLACE_AFTER.match(folded, m.end()) or _NOT_A_PLACE_BEFORE.search(
                folded[max(0, m.start() - 20) : m.start()]
            ):
                continue
            ids = self._span_ids.get(span)
            if ids is None:
                ids = [aid for aid, rx in self._area_res.items() if rx.fullmatch(span)]
                if len(self._span_ids) < 65536:
                    self._span_ids[span] = ids
            if not ids:
                continue
            for aid in ids[:1] if len(ids) == 1 else self._prefer(ids):
                factor = 1.0
                area = self.catalog.areas[aid]
                bare = self._twin_bare.get(aid)
                if area.twin and bare is not None and bare.fullmatch(span):
                    before = folded[max(0, m.start() - 12) : m.start()]
                    after = folded[m.end() : m.end() + 80]
                    if _REGION_AFTER.match(after) or _REGION_LIST_AFTER.match(
                        folded[m.end() : m.end() + 400]
                    ):
                        aid = area.twin
                    elif not _CITY_BEFORE.search(before):
                        factor = self.tuning.factor_twin
                hits.append(_AreaHit(m.start() + offset, m.end() + offset, aid, factor))
        out: list[_AreaHit] = []
        for hit in hits:
            successors = self.catalog.areas[hit.area_id].successors(on)
            if successors:
                out.extend(
                    _AreaHit(hit.start, hit.end, r, hit.factor * self.tuning.factor_successor)
                    for r in successors
                )
            else:
                out.append(hit)
        return out

    def _prefer(self, ids: list[str]) -> list[str]:
        # One spelling shared by several areas: keep the city-level ones only if no twin rule.
        return ids[:1]


class TextExtractor:
    """Finds announcements in a title and a text; document-level merging is the caller's."""

    def __init__(self, catalog: Catalog, compiled: CompiledCatalog | None = None) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._langs: tuple[str, ...] = ()
        self._under_cache: dict[tuple[str, str], bool] = {}
        self._memo: dict[tuple[str, str, int, int], object] = {}
        self._mention_cache: dict[tuple[object, ...], tuple[tuple[int, int, Level, bool], ...]] = {}
        self.compiled = compiled or CompiledCatalog(catalog)
        self._text_schemes = [
            s for s in catalog.schemes.values() if any(lv.names for lv in s.levels)
        ]

    def find(
        self, title: str, text: str, published: datetime | None, language: str | None = None
    ) -> list[Found]:
        # the per-document caches below belong to one document at a time
        with self._lock:
            return self._find(title, text, published, language)

    def _find(
        self, title: str, text: str, published: datetime | None, language: str | None = None
    ) -> list[Found]:
        tune = self.compiled.tuning
        self._mention_cache.clear()  # mentions are indexed once per document
        self._memo.clear()  # per-document facts (keyed by the document's area list)
        # bounded work per document: a text longer than any article is read up to the limit
        title = clean(title[: tune.max_sentence_chars]).strip()
        text = clean(text[: tune.max_text_chars])
        body_sentences = split_sentences(text, tune.max_sentence_chars, self.compiled.dates.months)[
            : tune.max_sentences
        ]
        sentences: list[Sentence] = []
        if title and not (
            body_sentences and fold(body_sentences[0].text).startswith(fold(title)[:60])
        ):
            t = Sentence(0, len(title), title, fold(title), from_title=True)
            sentences.append(t)
        elif body_sentences:
            body_sentences[0].from_title = True
        sentences.extend(body_sentences)
        for s in sentences:
            s.folded = _RELATIVE_PAST.sub(
                lambda m: " " * len(m.group(0)), mask_scale_ranges(s.folded)
            )
            s.folded = self.compiled.relative_dated.sub(lambda m: " " * len(m.group(0)), s.folded)
        datelines = dateline_ends(text)
        dash_datelines = dash_dateline_ends(text)
        doc_folded = "\n".join(s.folded for s in sentences)
        langs = detect_languages(doc_folded, language, self.compiled.stopwords)
        self._langs = langs
        ref_year = published.year if published else _latest_year(doc_folded)
        compiled = self.compiled
        matchers = [compiled.scheme(s, langs) for s in self._text_schemes]
        doc_areas: list[_AreaHit] = []
        sentence_areas: list[list[_AreaHit]] = []
        # an undated text from a known year is taken at that year's end for renamed areas
        on = published.date() if published else date(ref_year, 12, 31) if ref_year else None
        event_words = compiled.words("event_before_area", langs)
        for s in sentences:
            hits = compiled.areas_in(s.folded, on=on)
            if any(s is b for b in body_sentences):
                cut = max((e - s.start for b, e in datelines if b <= s.start < e), default=0)
                hits = [h for h in hits if h.start >= cut]  # "Москва. 20 ноября.": no area
                dash = max((e - s.start for b, e in dash_datelines if b <= s.start < e), default=0)
                hits = [  # "Bratislava - Slovensko zvýšilo ...": the city is where it was filed
                    h
                    for h in hits
                    if h.start >= dash or self.catalog.areas[h.area_id].kind != "city"
                ]
            sentence_areas.append(hits)
            # a place where something happened ("after the attacks in France") does not make
            # the document about that country
            doc_areas.extend(
                h
                for h in hits
                if not (event_words and _after_event(s.folded, h, event_words, hits))
            )
        doc_markers = {
            m.scheme.id: len(m.markers.findall(doc_folded)) if m.markers else 0 for m in matchers
        }
        # a scheme that shares its level words with another over the same areas (uk-nirt in
        # Great Britain) is read only where the document names it
        matchers = [m for m in matchers if not m.scheme.requires_marker or doc_markers[m.scheme.id]]
        unchanged = compiled.words("unchanged", langs)
        history = compiled.words("history", langs)
        nationwide = compiled.words("nationwide", langs)
        anaphora = compiled.words("anaphora", langs)
        event_before = compiled.words("event_before_area", langs)
        transition = compiled.words("to", langs)
        from_word = compiled.words(
            "from", langs[:1]
        )  # as in _pair: Polish "do" is "to", Portuguese "from"
        scale = compiled.words("scale_size", langs)
        ctx = self._context(sentences, matchers, langs, published, ref_year, scale)
        found: list[Found] = []
        recent: list[_AreaHit] = []
        for index, s in enumerate(sentences):
            ctx.index = index
            if index:
                ctx.prior_areas.extend(sentence_areas[index - 1])
            if s.is_header:
                continue
            if s.header is not None:
                head = s.header
                prefix = head.folded + " \n "
                folded = prefix + s.folded[bullet_len(s.text) :]
                evidence = BULLET.sub("", s.text)
                areas = [
                    _AreaHit(
                        h.start + len(prefix) - bullet_len(s.text),
                        h.end + len(prefix) - bullet_len(s.text),
                        h.area_id,
                        h.factor,
                    )
                    for h in sentence_areas[index]
                    if h.start >= bullet_len(s.text)
                ]
            else:
                folded = s.folded
                evidence = s.text
                areas = sentence_areas[index]
            results = self._sentence(
                folded=folded,
                evidence=evidence,
                areas=areas,
                recent=recent,
                neighbours=neighbour_text(sentences, index),
                previous=sentences[index - 1].folded if index else "",
                doc_areas=doc_areas,
                doc_markers=doc_markers,
                matchers=matchers,
                langs=langs,
                published=published,
                ref_year=ref_year,
                from_title=s.from_title,
                position=index,
                unchanged=unchanged,
                history=history,
                nationwide=nationwide,
                anaphora=anaphora,
                event_before=event_before,
                transition=transition,
                from_word=from_word,
                scale=scale,
                ctx=ctx,
                list_item=s.header is not None,
            )
            found.extend(results)
            if results:
                ctx.last_found, ctx.last_found_index = results, index
            if areas and len(s.text.split()) > 3:  # a dateline ("Москва.") is not context
                recent = areas
                ctx.recent_is_history = ctx.history
            ctx.history = False
        return found

    def _context(
        self,
        sentences: list[Sentence],
        matchers: list[_SchemeMatchers],
        langs: tuple[str, ...],
        published: datetime | None,
        ref_year: int | None,
        scale: re.Pattern[str] | None,
    ) -> _Context:
        """Pre-pass: which levels each scheme names where, and the document's anchor date."""
        compiled = self.compiled
        date_ref = published or datetime(ref_year or 2000, 1, 1)
        named: dict[str, list[tuple[int, list[str]]]] = {}
        past: set[int] = set()
        anchor: date | None = None
        definition = compiled.words("definitions", langs)
        for index, s in enumerate(sentences):
            neighbours: str | None = None
            for sm in matchers:
                mentions = self._mentions(sm, s.folded, scale)
                if not mentions or (sm.exclude and sm.exclude.search(s.folded)):
                    continue
                if not (sm.cues and sm.cues.search(s.folded)):
                    if neighbours is None:
                        neighbours = neighbour_text(sentences, index)
                    if not (sm.cues and sm.cues.search(neighbours)):
                        continue
                if definition and definition.search(s.folded):
                    continue  # "согласно документу ... красный": the rules, not a level in force
                named.setdefault(sm.scheme.id, []).append((index, [m.level.id for m in mentions]))
                if _is_past(s.folded, ref_year, compiled.words("since", langs)):
                    past.add(index)
                tense = _tense(s.folded, sm)
                if tense == "present":
                    for d in event_dates(s.folded, date_ref, compiled.dates):
                        anchor = d if anchor is None or d > anchor else anchor
        return _Context(named, anchor, date_ref, [], [], past=past)

    # --- one sentence ---------------------------------------------------------------------------

    def _sentence(
        self,
        *,
        folded: str,
        evidence: str,
        areas: list[_AreaHit],
        recent: list[_AreaHit],
        neighbours: str,
        previous: str,
        doc_areas: list[_AreaHit],
        doc_markers: dict[str, int],
        matchers: list[_SchemeMatchers],
        langs: tuple[str, ...],
        published: datetime | None,
        ref_year: int | None,
        from_title: bool,
        position: int,
        unchanged: re.Pattern[str] | None,
        history: re.Pattern[str] | None,
        nationwide: re.Pattern[str] | None,
        anaphora: re.Pattern[str] | None,
        event_before: re.Pattern[str] | None,
        transition: re.Pattern[str] | None,
        from_word: re.Pattern[str] | None,
        scale: re.Pattern[str] | None,
        ctx: _Context,
        list_item: bool = False,
    ) -> list[Found]:
        tune = self.compiled.tuning
        candidates: list[tuple[float, _SchemeMatchers, list[_Mention], bool]] = []
        # a place of an event or of the situation a level answers ("the situation in Ukraine",
        # "press conference in Brussels") names no area and does not vote for a scheme
        placed = [
            a for a in areas if not (event_before and _after_event(folded, a, event_before, areas))
        ]
        for sm in matchers:
            mentions = self._mentions(sm, folded, scale)
            pronoun = _PRONOUN_START.match(folded)
            if not mentions and pronoun and sm.nouns and sm.nouns.search(previous):
                # "Die Terrorwarnstufe ... . Sie wurde auf 4 angehoben": the pronoun is the noun
                span = (pronoun.start(1), pronoun.end(1))
                mentions = self._mentions(sm, folded, scale, extra_nouns=[span])
            if not mentions:
                continue
            if sm.exclude and sm.exclude.search(folded):
                continue
            cue_here = bool(sm.cues and sm.cues.search(folded))
            cue_near = cue_here or bool(sm.cues and sm.cues.search(neighbours))
            if not cue_near:
                continue
            score = self._scheme_score(sm, folded, placed, doc_areas, doc_markers, langs)
            candidates.append((score, sm, mentions, cue_here))
        implicit_action: Action | None = None
        implicit = False
        if not candidates:
            # Ellipsis: 'Умеренный, "желтый", действует в ...' right after a sentence that
            # named a level of the same scheme with its noun and cue.
            for sm in matchers:
                if not any(i == ctx.index - 1 for i, _ in ctx.named.get(sm.scheme.id, [])):
                    continue
                if sm.exclude and sm.exclude.search(folded):
                    continue
                mentions = [
                    m for m in self._mentions(sm, folded, scale, require_noun=False) if m.primary
                ]
                if mentions:
                    score = self._scheme_score(sm, folded, areas, doc_areas, doc_markers, langs)
                    candidates.append((score, sm, mentions, False))

        def here(sm: _SchemeMatchers) -> bool:
            return any(self._under(sm.scheme, a.area_id) for a in areas)

        # A level word of a scheme none of whose areas is named ("citing possible
        # provocations" in Kursk) yields to a level the document names for a scheme that is.
        # (not when the sentence names the scheme's own issuer or country: "El Gobierno español
        # ... tras los atentados en Francia" is Spain's level)
        foreign = bool(
            candidates
            and areas
            and not any(here(c[1]) for c in candidates)
            and not any(c[1].markers and c[1].markers.search(folded) for c in candidates)
        )
        if not candidates or foreign:
            # A level spoken of without its name ("raised the threat level", "режим продлили",
            # "did the same"): the level the document names for the scheme.
            for sm in matchers:
                if foreign and not here(sm):
                    continue
                got = self._implicit(sm, folded, ctx, langs)
                if got is None:
                    continue
                mention, implicit_action = got
                score = self._scheme_score(sm, folded, areas, doc_areas, doc_markers, langs)
                if not implicit:
                    candidates = []
                candidates.append((score, sm, [mention], True))
                implicit = True
        if not candidates:
            return []
        # pass: attributes of each trigger's clause; a veto removes the levels of its clause only
        clauses = split_clauses(folded, self.compiled.words("clause_breaks", langs))
        attrs: dict[Clause, ClauseAttributes] = {}

        def attributes_at(pos: int) -> ClauseAttributes:
            # a hedge, a background or a definition also governs the clauses after it ("could
            # lower it to 2, but keep it at 3"); never the clauses before it ("raised to severe
            # and asked people to call police if ...")
            clause = clause_at(clauses, pos)
            for c in clauses:
                if c not in attrs:
                    attrs[c] = self._attributes(folded, c, langs, ref_year, published)
                if c == clause:
                    break
            own = attrs[clause]
            if not own.historical and self._month_only(folded, position, published):
                own = replace(own, historical=True)
            if own.definitional and _explains_after(
                self.compiled.words("definitions", langs),
                folded,
                clause,
                pos,
                # "raised to 3, ce qui signifie ..." explains a change; "hay un nivel cuatro,
                # que significa ..." (no verb acting on the level) still defines it
                acted=self._acts_before(folded, clause.start, pos + 1, langs),
            ):
                own = replace(own, definitional=False)
            before = [attrs[c] for c in clauses if c.start < clause.start]
            # "two years ago" dates what follows it, not a level announced before it
            ago = _before(self.compiled.words("ago", langs), folded, pos)
            return replace(
                own,
                modal=own.modal or any(a.modal for a in before),
                historical=own.historical or ago or any(a.historical for a in before),
                definitional=own.definitional or any(a.definitional for a in before),
                elsewhere=own.elsewhere or any(a.elsewhere for a in before),
            )

        kept_candidates = []
        background = False
        for cand in candidates:
            alive = []
            for mention in cand[2]:
                attr = attributes_at(mention.start)
                if attr.vetoed:
                    background = background or not (
                        attr.unchanged or attr.partial or attr.elsewhere
                    )
                    continue
                alive.append(mention)
            if alive:
                kept_candidates.append((cand[0], cand[1], alive, cand[3]))
        if not kept_candidates:
            ctx.history = background
            return []
        candidates = kept_candidates
        candidates.sort(key=lambda c: c[0], reverse=True)
        score, sm, mentions, cue_here = candidates[0]
        scheme = sm.scheme
        # several schemes fit equally well (a bare "orange" with nothing of any country): no
        # scheme's country may be guessed
        tied = len(candidates) > 1 and candidates[1][0] == score
        if score <= tune.score_language and not _sole_scheme_of(scheme, langs, matchers):
            return []  # nothing of any country: the language alone does not say whose level
        if ctx.anchor is not None and _tense(folded, sm) == "past":
            dates = event_dates(folded, ctx.date_ref, self.compiled.dates)
            if dates and max(dates) < ctx.anchor:
                ctx.history = True  # "В полночь 26 января ... прекратил" in news of the 27th
                return []
        mentions = self._pair(mentions, folded, langs, sm)
        in_scheme = [a for a in areas if self._under(scheme, a.area_id)]
        if _describes_scale(scheme, mentions, bool(in_scheme), folded, self.compiled, langs):
            return []  # "five levels, from low to ... critical", "van 'minimaal' naar 'kritiek'"
        if scheme.seats:
            # the issuer's seat ("die Terrorismusbehörde in Den Haag", "said ... in London") is
            # where the level was decided or announced, not where it applies
            placed = [
                a for a in placed if not self._issuer_seat(scheme, folded, a, mentions, langs)
            ]
        in_scheme = [a for a in in_scheme if a in placed]
        action_hits: list[tuple[int, int, Action]] = []
        for kind, pattern in sm.actions:
            for m in pattern.finditer(folded):
                action_hits.append((m.start(), m.end(), kind))
        action_hits = _drop_overlaps(action_hits)
        # a verb in a vetoed clause acts on that clause's level only ("fell to 2, but at certain
        # targets 3 was kept": "kept" is not what happened to 2)
        action_hits = [
            h
            for h in action_hits
            if not attributes_at(h[0]).vetoed
            or any(clause_at(clauses, h[0]) == clause_at(clauses, m.start) for m in mentions)
        ]
        remain = self.compiled.words("remain", langs)
        keep = self.compiled.words("keep", langs)
        if keep is not None:
            # "keeps/maintient/hält/mantiene the level at 3" is an extension of its own level
            # word only (the level may follow the noun: "hält die Terrorwarnstufe bei drei")
            action_hits = [
                h
                for h in action_hits
                if h[2] is not Action.EXTEND
                or not _is_at(keep, folded, h[0], h[1])
                or any(_remain_attached(folded, h, m, ahead=80) for m in mentions)
            ]
        if remain is not None:
            # "remains"/"сохраняется" acts only on a level word attached to it: "remains
            # “severe”", "«сары» деңгейі сақталады"; never "terrorism remains a threat"
            action_hits = [
                h
                for h in action_hits
                if h[2] is not Action.EXTEND
                or not _is_at(remain, folded, h[0], h[1])
                or (keep is not None and _is_at(keep, folded, h[0], h[1]))
                or any(_remain_attached(folded, h, m) for m in mentions)
            ]
        # attribution: a national body ("the National Security Committee said") names the
        # issuer, so its words never widen the area to the whole country
        # (any scheme's markers: "the National Terrorism Advisory System" is the US issuer's
        # name, never Spain's nationwide level)
        issuers = _spans(self.compiled.words("issuer_words", langs), folded)
        for other in matchers:
            issuers += _spans(other.markers, folded)
        widening = [
            (m.start(), m.end())
            for m in (nationwide.finditer(folded) if nationwide else ())
            if not any(a <= m.start() < b for a, b in issuers)
        ]
        is_nationwide = bool(widening)
        has_anaphor = bool(anaphora and anaphora.search(folded))
        remaining = self._remaining(scheme, folded, in_scheme, recent, ctx, langs)
        if remaining is None:
            return []  # "the remaining three" when the document named another number
        if has_anaphor and ctx.recent_is_history and not in_scheme:
            return []  # "В этих регионах установили ..." after a history sentence
        reported = self.compiled.words("reported_by", langs)
        # "and" of the text's main language: Dutch "en" is French and Spanish "in" ("au niveau
        # 3 en Belgique et au niveau 4 à Bruxelles")
        coordinator = self.compiled.words("coordinators", langs[:1]) or self.compiled.coordinator
        out: list[Found] = []
        last_action: Action | None = None
        for i, mention in enumerate(mentions):
            prev_end = mentions[i - 1].end if i > 0 else 0
            next_start = mentions[i + 1].span_start if i + 1 < len(mentions) else len(folded)
            if (
                mention.previous is None
                and from_word
                and _from_before(folded, mention.start, from_word, tune.from_before)
            ):
                continue  # "lowered from 5": the old level, said without the new one
            if self._posture(folded, mention, langs):
                continue  # "police remain on high alert": people's readiness, not a level
            # a closing quote right after the level word is the level's own ('"желтый", действует')
            stop = _QUOTE_COMMA.search(folded, mention.end + 2, next_start)
            said = reported.search(folded, mention.end + 2, next_start) if reported else None
            if said is not None and (stop is None or said.start() < stop.start()):
                stop = said
            forward = _attached(
                [
                    a
                    for a in in_scheme
                    if mention.end <= a.start < (stop.start() if stop else next_start)
                ],
                mention.end,
                tune,
            )
            if forward and i + 1 < len(mentions):
                conj = coordinator.search(folded, mention.end, forward[0].start)
                if conj is not None:
                    # '"қызғылт сары" деңгейі және Батыс Қазақстан облысындағы "сары"': a place
                    # after "and" belongs to the level that follows it
                    forward = []
            # "«красный» уровень в Алматы изменен на «желтый»": a place inside a change counts
            backward = _attached_before(
                [a for a in in_scheme if prev_end <= a.start < mention.start],
                mention.start,
                tune,
            )
            chosen = forward or backward
            anaphor = anaphora.search(folded, prev_end, next_start) if anaphora else None
            if anaphor is not None and any(
                0 <= a.start - anaphor.end() <= tune.named_after_anaphor for a in in_scheme
            ):
                anaphor = None  # "в городах Астана и Алматы": the places are named right there
            if anaphor is not None and not forward:
                # "в четырех городах", "здесь": the areas named earlier in the sentence, else before it
                chosen = [a for a in in_scheme if a.start < anaphor.start()] or [
                    a for a in recent if self._under(scheme, a.area_id)
                ]
            if remaining:
                chosen = remaining
            conf = tune.conf_named if mention.primary else tune.conf_adjective
            if not cue_here:
                conf -= tune.penalty_cue_near
            segment = folded[prev_end:next_start]
            nationwide_here = any(prev_end <= a < next_start for a, _ in widening)
            if (
                nationwide_here
                and scheme.default_area
                and not any(a.area_id != scheme.default_area for a in forward)
                # attribution: "Australia's national terror alert" is Australia's, whatever
                # scheme's word the level is
                and not self._foreign_country(scheme, areas)
            ):
                chosen = [_AreaHit(-1, -1, scheme.default_area, 1.0)]
            if not chosen and implicit:
                continue  # a level not named needs a place named
            # "will remain high in Europe": the level of a region wider than any country is
            # not the country the document or the scheme would lend it
            beyond = not chosen and any_in(
                self.compiled.words("beyond", langs), folded, clause_at(clauses, mention.start)
            )
            if not chosen:
                if has_anaphor and recent:
                    chosen = [a for a in recent if self._under(scheme, a.area_id)]
                    conf -= tune.penalty_anaphor
                if (
                    not chosen
                    and scheme.default_area
                    and (is_nationwide or not placed)
                    # a list item names its places: none known is no reason for the country
                    and (is_nationwide or not list_item)
                    and not self._other_country_only(scheme, doc_areas)
                    and not beyond
                ):
                    factor = 1.0 if is_nationwide else tune.factor_default_area
                    if not doc_markers.get(scheme.id) and not self._doc_memo(
                        "any", scheme, doc_areas
                    ):
                        # nothing in the text says it is about this scheme's country (a bare
                        # "orange level"): the operator decides, unless another scheme fits as
                        # well, when nobody can (never a random country)
                        if tied:
                            continue
                        factor *= tune.factor_foreign_default
                    chosen = [_AreaHit(-1, -1, scheme.default_area, factor)]
                if not chosen and not placed and recent and not beyond:
                    chosen = [a for a in recent if self._under(scheme, a.area_id)]
                    conf -= tune.penalty_recent
                if not chosen:
                    continue
            action, action_at = self._action(mention, action_hits, prev_end, next_start, folded)
            if (
                action_at == -1
                and mention.previous is None
                and not from_title
                and self._standing(folded, clause_at(clauses, mention.start), langs)
            ):
                continue  # "the current level is severe": a standing level, not a change
            if (
                action is None
                and i + 1 < len(mentions)
                and coordinator.search(folded, mention.end, next_start)
            ):
                # "A "orange" level and B "yellow" level сақталады": one verb after the list
                tail = [h for h in action_hits if h[0] >= mentions[-1].end]
                last = mentions[-1]
                if tail:
                    action, action_at = self._action(last, tail, last.end, len(folded), folded)
                    conf -= tune.penalty_list_verb
            action_end = next((h[1] for h in action_hits if h[0] == action_at), action_at)
            if action is not None and _negated(
                folded,
                mention,
                (action_at, action_end),
                clause_at(clauses, mention.start),
                self.compiled,
                langs,
            ):
                continue  # "the only region not to raise its threat level"
            if action is None and implicit:
                action = implicit_action
                if action is None and ctx.last_found and ctx.last_found_index == ctx.index - 1:
                    # "... l'allerta riguarderà l'intero territorio": the verb of the sentence before
                    action = ctx.last_found[-1].action
                if action is None:
                    continue
                conf -= tune.penalty_implicit
            if (
                action is None
                and last_action is not None
                and (
                    ";" in folded[prev_end : mention.start]
                    # two_levels: "raised to 3 for Belgium and to 4 for Brussels"
                    or coordinator.search(folded, prev_end, mention.start) is not None
                )
            ):
                action = last_action  # "red remains in A; yellow in B": one verb for the list
                conf -= tune.penalty_list_verb
            last_action = action
            if mention.previous is not None and action is Action.LIFT:
                action = Action.SET
            if scheme.national and self._regional_scheme_area(scheme, areas, folded, event_before):
                continue  # "the threat level in Northern Ireland": the regional scheme's level
            if scheme.national and scheme.default_area:
                # one level for the whole country: "the threat in London" is the UK's level
                chosen = [
                    h
                    if h.area_id == scheme.default_area
                    else _AreaHit(-1, -1, scheme.default_area, h.factor)
                    for h in chosen
                ]
            validity = parse_validity(
                segment, published, scheme.zone, words=self.compiled.dates, langs=langs
            )
            ids = _most_specific(self.catalog, [a.area_id for a in chosen])
            for hit in chosen:
                if hit.area_id not in ids:
                    continue
                ids.discard(hit.area_id)
                if hit.start > prev_end:
                    # each area takes the start stated before it in the segment
                    validity = parse_validity(
                        segment,
                        published,
                        scheme.zone,
                        anchor=hit.start - prev_end,
                        words=self.compiled.dates,
                        langs=langs,
                    )
                out.append(
                    Found(
                        scheme=scheme.id,
                        area_id=hit.area_id,
                        level=mention.level.id,
                        action=action,
                        previous_level=mention.previous.id if mention.previous else None,
                        validity=validity,
                        evidence=evidence.strip(),
                        confidence=max(0.05, min(1.0, conf * hit.factor)),
                        primary=mention.primary,
                        from_title=from_title,
                        nationwide=hit.start < 0 and (is_nationwide or nationwide_here),
                        position=position,
                    )
                )
        return out

    def _mentions(
        self,
        sm: _SchemeMatchers,
        folded: str,
        scale: re.Pattern[str] | None,
        *,
        require_noun: bool = True,
        extra_nouns: list[tuple[int, int]] | None = None,
    ) -> list[_Mention]:
        """Level mentions of one scheme in one sentence, indexed once per document (the
        pre-pass and the sentence pass share them; callers get fresh copies to pair)."""
        key = (sm.scheme.id, folded, scale is not None, require_noun, tuple(extra_nouns or ()))
        cached = self._mention_cache.get(key)
        if cached is None:
            cached = tuple(
                (m.start, m.end, m.level, m.primary)
                for m in self._find_mentions(
                    sm, folded, scale, require_noun=require_noun, extra_nouns=extra_nouns
                )
            )
            self._mention_cache[key] = cached
        return [_Mention(a, b, level, primary) for a, b, level, primary in cached]

    def _find_mentions(
        self,
        sm: _SchemeMatchers,
        folded: str,
        scale: re.Pattern[str] | None,
        *,
        require_noun: bool = True,
        extra_nouns: list[tuple[int, int]] | None = None,
    ) -> list[_Mention]:
        tune = self.compiled.tuning
        raw: list[_Mention] = []
        if require_noun and not extra_nouns and not (sm.nouns and sm.nouns.search(folded)):
            return []  # no level noun in the sentence: no level word can count
        # bounded work per sentence: a level word repeated without end is not an announcement
        per_pattern = 4 * tune.max_mentions
        to_word = self.compiled.words("to", self._langs)
        scale_words = self.compiled.words("scale_words", self._langs)
        from_word = self.compiled.words("from", self._langs)
        numbered = [(level, True, pattern, True) for level, pattern in sm.numbered]
        for level, primary, pattern, anchored in [
            *((lv, pr, pat, False) for lv, pr, pat in sm.levels),
            *numbered,
        ]:
            for n, m in enumerate(pattern.finditer(folded)):
                if n >= per_pattern:
                    break
                if anchored and (
                    not _number_anchored(folded, m, sm.nouns, to_word, from_word)
                    or any(
                        o.start() <= m.start() and m.end() <= o.end()
                        for _, ordinal in sm.ordinals
                        for o in ordinal.finditer(folded, max(0, m.start() - 40), m.end() + 40)
                    )
                ):
                    continue  # "the third time", "il secondo livello più alto": no level named
                if (
                    scale is not None
                    and (
                        m.group(0).strip().isdigit() or m.group(0).strip() in self.compiled.numbers
                    )
                    and _scale_before(folded, m.start(), scale, tune.scale_before)
                    and not _to_number_after(folded, m.end(), to_word, self.compiled.numbers)
                ):
                    continue  # "level 4 of 5": the size of the scale (but "de 3 à 4" is a change)
                if _SUPERLATIVE_BEFORE.search(folded[max(0, m.start() - 10) : m.start()]):
                    continue  # "the highest possible rating": an adjective, not a level
                if scale_words is not None and scale_words.match(
                    folded,
                    m.end()
                    + len(folded[m.end() : m.end() + 2])
                    - len(folded[m.end() : m.end() + 2].lstrip()),
                ):
                    continue  # scale: "there are 5 levels", "fünf Stufen": the scale's size
                if re.match(r"-[^\W\d_]{4}", folded[m.end() : m.end() + 5]) and (
                    m.group(0).strip().isdigit() or m.group(0).strip() in self.compiled.numbers
                ):
                    continue  # "Fünf-Punkte-Skala", "five-stage": a compound's count ("4-го" is 4)
                if m.group(0).strip().isdigit() and self.compiled.dates.date_re.match(
                    folded, m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                ):
                    continue  # "el 3 de marzo", "den 3. mars": the day of a date, not a level
                if self.compiled.counted_after(self._langs).match(folded, m.end()):
                    continue  # "zwei Tage nach", "two days after", "3 jours": a count, not a level
                raw.append(_Mention(m.start(), m.end(), level, primary))
        raw.extend(
            _ordinal_mentions(
                sm,
                folded,
                raw,
                tune,
                self._ordinal_anchors(sm),
                self.compiled.words("since", self._langs),
            )
        )
        if not raw or (sm.nouns is None and require_noun):
            return []
        # linear: one coverage array for verbs, sorted noun spans searched by bisection
        in_verb = bytearray(len(folded) + 1)
        # starts of verb phrases longer than one word ("a ridicat"), by end
        phrase_start: dict[int, int] = {}
        for _, p in sm.actions:
            for m in p.finditer(folded):
                in_verb[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
                if " " in m.group(0):
                    phrase_start[m.end()] = min(phrase_start.get(m.end(), m.start()), m.start())
        raw = [  # "raised the threat level": a verb, not the adjective of a level
            r
            for r in raw
            if (r.primary or not any(in_verb[r.start : r.end]))
            # a level's name that ends a verb phrase is the verb ("SRI a ridicat nivelul")
            and not phrase_start.get(r.end, r.start) < r.start
        ]
        noun_spans = [(m.start(), m.end()) for m in sm.nouns.finditer(folded)] if sm.nouns else []
        noun_spans += extra_nouns or []
        noun_spans.sort()
        starts = [ns for ns, _ in noun_spans]
        window = tune.window_noun

        def near_noun(r: _Mention) -> bool:
            # a noun starting within the window after the level, or ending within it before
            # (noun spans are short, so one ending near r.start starts near it too)
            lo = bisect_left(starts, r.start - window - 40)
            hi = bisect_right(starts, r.end + window)
            return any(
                abs(ns - r.end) <= window or abs(r.start - ne) <= window
                for ns, ne in noun_spans[lo:hi]
                if (ns, ne) != (r.start, r.end)
            )

        kept = [r for r in raw if not require_noun or near_noun(r)]
        # '"Жетлый" (возможная угроза)': an adjective that explains a quoted name the scheme
        # does not know (a misspelt colour) names no level; with a known name it merges below
        kept = [
            r
            for r in kept
            if r.primary
            or not (q := _QUOTED_BEFORE.search(folded, max(0, r.start - 48), r.start))
            or any(p.primary and p.start < q.end() and q.start() < p.end for p in kept)
        ]
        # Longest first at each place; then merge a level named twice side by side
        # ("умеренного («желтого»)") and drop a translated adjective next to another level's
        # name (the colour is reliable, the adjective is not).
        kept.sort(key=lambda r: (r.start, -(r.end - r.start)))
        nonover: list[_Mention] = []
        for r in kept:
            if nonover and r.start < nonover[-1].end:
                continue
            nonover.append(r)
        merged: list[_Mention] = []
        for r in nonover:
            if merged:
                last = merged[-1]
                gap = folded[last.end : r.start]
                close = len(gap) <= tune.window_gap and not re.search(
                    r"[.;]|\s(?:до|to|naar|à|a|till|til)\s", gap
                )
                if close and last.level.id == r.level.id:
                    last.end = r.end
                    last.primary = last.primary or r.primary
                    continue
                if close and last.primary != r.primary:
                    if r.primary:
                        merged[-1] = r
                    continue
            merged.append(r)
        return merged[: tune.max_mentions]

    def _ordinal_anchors(self, sm: _SchemeMatchers) -> list[re.Pattern[str]]:
        """What an ordinal level needs near it: a from/to word or an action word."""
        anchors = [self.compiled.words(w, self._langs) for w in ("from", "to", "keep", "remain")]
        return [p for p in anchors if p is not None] + [p for _, p in sm.actions]

    def _pair(
        self,
        mentions: list[_Mention],
        folded: str,
        langs: tuple[str, ...],
        sm: _SchemeMatchers,
    ) -> list[_Mention]:
        """from_to: two levels of one change become one mention of the new level with its
        previous one, in any word order: "raised from orange to red", "von drei auf vier",
        "с жёлтого на красный", "to red from orange", "сарыдан қызылға" (case suffixes). A verb
        of direction ("raised", "gesenkt") orients a pair the words leave ambiguous."""
        if len(mentions) < 2:
            return mentions
        compiled = self.compiled
        # the words of one language at a time: the main language's "to", or a "from ... to" of
        # one language; a secondary language's lone preposition ("para": Portuguese "to",
        # Spanish "for") never turns two levels into a change
        per_lang = [
            (compiled.words("from", (lang,)), compiled.words("to", (lang,))) for lang in langs
        ]
        from_word = compiled.words("from", langs[:1])
        to_word = compiled.words("to", langs[:1])
        out: list[_Mention] = []
        i = 0
        while i < len(mentions):
            m = mentions[i]
            if i + 1 < len(mentions):
                n = mentions[i + 1]
                gap = folded[m.end : n.start]
                order = None
                if (
                    n.level.id != m.level.id
                    and len(gap) <= compiled.tuning.pair_gap
                    and "." not in gap
                ):
                    role_m = compiled.suffix_role(folded[m.start : m.end], langs)
                    role_n = compiled.suffix_role(folded[n.start : n.end], langs)
                    if _from_to(folded, m.start, gap, per_lang, sm.nouns) or (role_m, role_n) == (
                        "from",
                        "to",
                    ):
                        # two_levels: "to 3 for Belgium and to 4 for Brussels" is two levels in
                        # parallel, not a change from 3 to 4
                        order = "old-new"
                    elif (role_m, role_n) == ("to", "from"):
                        order = "new-old"
                    elif self._reversed(folded, m, gap, to_word, from_word):
                        order = "new-old"  # "to red from orange"
                if order is not None:
                    old, new = (m, n) if order == "old-new" else (n, m)
                    old, new = self._orient(old, new, folded, m.start, n.end, langs)
                    new.previous = old.level
                    new.first_start = m.start if new is n else -1
                    if new is m:
                        new.end = max(new.end, m.end)
                    out.append(new)
                    i += 2
                    continue
            out.append(m)
            i += 1
        return out

    @staticmethod
    def _reversed(
        folded: str,
        new: _Mention,
        gap: str,
        to_word: re.Pattern[str] | None,
        from_word: re.Pattern[str] | None,
    ) -> bool:
        """ "to red from orange": the gap is only a from-word and a to-word opens the pair."""
        if to_word is None or from_word is None:
            return False
        if not from_word.fullmatch(gap.strip(' "')):
            return False
        before = folded[max(0, new.start - 8) : new.start]
        return any(m.end() >= len(before.rstrip(' "')) for m in to_word.finditer(before))

    def _orient(
        self,
        old: _Mention,
        new: _Mention,
        folded: str,
        lo: int,
        hi: int,
        langs: tuple[str, ...],
    ) -> tuple[_Mention, _Mention]:
        """Swap a pair whose order contradicts the only direction verb near it."""
        up = self.compiled.words("actions.raise", langs)
        down = self.compiled.words("actions.lower", langs)
        lo, hi = max(0, lo - 60), min(len(folded), hi + 60)
        raised = bool(up and up.search(folded, lo, hi))
        lowered = bool(down and down.search(folded, lo, hi))
        if raised != lowered:
            rising = new.level.rank > old.level.rank
            if rising != raised:
                return new, old
        return old, new

    def _attributes(
        self,
        folded: str,
        clause: Clause,
        langs: tuple[str, ...],
        ref_year: int | None,
        published: datetime | None,
    ) -> ClauseAttributes:
        """The typed attributes of one clause (see clauses.py)."""
        compiled = self.compiled
        part = folded[clause.start : clause.end]

        def has(section: str) -> bool:
            return any_in(compiled.words(section, langs), folded, clause)

        passive_past = compiled.words("passive_past", langs)
        historical = (
            has("history")
            or bool(
                passive_past
                and passive_past.search(part)
                and not _same_day(folded, compiled.words("same_day", langs), compiled.dates)
                # "был установлен следующий уровень:" introduces the list it announces
                and not _introduces_list(folded, clause)
            )
            or _is_past(part, ref_year, compiled.words("since", langs))
            or self._dated_before(part, published)
            or bool(compiled.since_past.search(part) and compiled.past_finite.search(part))
            or bool(_PLUPERFECT.search(part))
        )
        return ClauseAttributes(
            modal=has("modality"),
            historical=historical,
            definitional=has("definitions"),
            unchanged=has("unchanged") or self._kept_since(folded, clause, langs),
            reported_by=has("reported_by"),
            partial=self._partial_scope(folded, clause, langs),
            elsewhere=has("see_also"),
        )

    def _dated_before(self, part: str, published: datetime | None) -> bool:
        """Dated in the past: the clause gives the day its event happened, and that day is
        more than `past_date_days` before the document ("Впервые «желтый» уровень ... ввели 31
        июля" in news of December). A novelty word ("for the first time since 2014") does not
        make a clause history; an old date does. Undated documents are never judged so."""
        if published is None:
            return False
        limit = published.date() - timedelta(days=self.compiled.tuning.past_date_days)
        return any(d < limit for d in event_dates(part, published, self.compiled.dates))

    def _acts_before(self, folded: str, lo: int, hi: int, langs: tuple[str, ...]) -> bool:
        """An action word of the text's languages (set, raise, lower, extend, lift) in
        folded[lo:hi]."""
        for kind in ("set", "raise", "lower", "extend", "lift"):
            pattern = self.compiled.words("actions." + kind, langs)
            if pattern is not None and pattern.search(folded, lo, hi):
                return True
        return False

    def _month_only(self, folded: str, position: int, published: datetime | None) -> bool:
        """A change dated by its month alone ("In November, the level was raised", "höjdes i
        november 2015") is told as background: today's news gives the day, or none. Not in the
        title or the first sentence, nor the month the document was published in -- unless the
        month comes after the document's, so it can only be last year's."""
        # the date governs the whole sentence ("raised to severe, meaning ..., in November")
        for m in self.compiled.month_only.finditer(folded):
            month = self.compiled.dates.months.get(m.group("month"))
            if published is not None and month is not None and month > published.month:
                return True  # "in August" in news of May: last year's, even in the title
            if position > 1 and (published is None or month != published.month):
                return True
        return False

    def _partial_scope(self, folded: str, clause: Clause, langs: tuple[str, ...]) -> bool:
        """The clause gives the level to part of an area only ("maintained in certain
        places", "op bepaalde doelwitten"); "except for specific targets" is the rest."""
        partial = self.compiled.words("partial_scope", langs)
        if partial is None:
            return False
        excepted = self.compiled.words("except_words", langs)
        for m in partial.finditer(folded, clause.start, clause.end):
            before = folded[max(clause.start, m.start() - 20) : m.start()]
            if excepted is None or not excepted.search(before):
                return True
        return False

    def _posture(self, folded: str, mention: _Mention, langs: tuple[str, ...]) -> bool:
        """The level words are part of a readiness phrase (pack `posture`: "on high alert",
        "en état d'alerte", "в состоянии повышенной готовности"): forces or people are on
        alert, which no scheme announces."""
        posture = self.compiled.words("posture", langs)
        if posture is None:
            return False
        lo = max(0, mention.span_start - 20)
        return any(
            m.start() <= mention.start < m.end()  # the level word opens inside the phrase
            for m in posture.finditer(folded, lo, min(len(folded), mention.end + 20))
        )

    def _standing(self, folded: str, clause: Clause, langs: tuple[str, ...]) -> bool:
        """A level read from a copula alone ("is severe", "stands at 4") in a clause with a
        present-state word (pack `standing`: "current", "stands at", "still") states the level
        that holds, not a change: no announcement. The headline of an issuer's page
        ("Current threat level: SUBSTANTIAL") still reads; an action word always does."""
        return any_in(self.compiled.words("standing", langs), folded, clause)

    def _kept_since(self, folded: str, clause: Clause, langs: tuple[str, ...]) -> bool:
        """A keep or remain with "since <year>" ("mantiene el nivel 4 desde junio de 2015")
        describes a standing level, not a decision to keep it: an unchanged statement."""
        since = self.compiled.words("since", langs)
        if since is None:
            return False
        kept = [self.compiled.words("keep", langs), self.compiled.words("remain", langs)]
        if not any(any_in(k, folded, clause) for k in kept):
            return False
        return any(
            _YEAR.search(folded[m.end() : min(clause.end, m.end() + 30)])
            for m in since.finditer(folded, clause.start, clause.end)
        )

    def _action(
        self,
        mention: _Mention,
        hits: list[tuple[int, int, Action]],
        lo: int,
        hi: int,
        folded: str,
    ) -> tuple[Action | None, int]:
        best: tuple[int, Action, int] | None = None
        for start, end, action in hits:
            if start < lo or end > hi or (start < mention.end and end > mention.start):
                continue
            if _PARTICIPLE.search(folded[start:end]):
                continue  # "введенный в Казахстане ..." describes the level, it does not act
            if end <= mention.span_start:
                dist = mention.span_start - end
            elif start >= mention.end:
                dist = start - mention.end
            else:
                dist = 0
            if best is None or dist < best[0]:
                best = (dist, action, start)
        if best is not None:
            return best[1], best[2]
        if mention.previous is not None:
            return Action.SET, -1
        if _IS_BEFORE.search(folded[max(0, mention.span_start - 12) : mention.span_start]):
            return Action.SET, -1
        return None, -1

    def _scheme_score(
        self,
        sm: _SchemeMatchers,
        folded: str,
        areas: list[_AreaHit],
        doc_areas: list[_AreaHit],
        doc_markers: dict[str, int],
        langs: tuple[str, ...],
    ) -> float:
        tune = self.compiled.tuning
        scheme = sm.scheme
        score = 0.0
        if sm.markers is not None and sm.markers.search(folded):
            score += tune.score_marker
        score += min(doc_markers.get(scheme.id, 0), 3) * tune.score_doc_marker
        here = [a for a in areas if self._under(scheme, a.area_id)]
        score += tune.score_area_here * min(len(here), 2)
        score += (
            min(int(self._doc_memo("count", scheme, doc_areas)), 4)  # type: ignore[call-overload]
            * tune.score_area_doc
        )
        if here:
            score += tune.score_depth * max(self._root_depth(scheme, a.area_id) for a in here)
        if langs and langs[0] in scheme.languages:
            score += tune.score_language
        return score

    def _implicit(
        self, sm: _SchemeMatchers, folded: str, ctx: _Context, langs: tuple[str, ...]
    ) -> tuple[_Mention, Action | None] | None:
        """A level spoken of without its name, and the action it inherits (if any)."""
        antecedents = ctx.named.get(sm.scheme.id)
        if not antecedents or (sm.exclude and sm.exclude.search(folded)):
            return None
        same = self.compiled.words("same_action", langs)
        m = same.search(folded) if same else None
        if m is not None:
            prev = [f for f in ctx.last_found if f.scheme == sm.scheme.id]
            if not prev or ctx.last_found_index < ctx.index - 2:
                return None
            level = sm.scheme.level(prev[-1].level)
            if level is None:
                return None
            return _Mention(m.start(), m.end(), level, primary=False), prev[-1].action
        noun = sm.nouns.search(folded) if sm.nouns else None
        other = self.compiled.words("other_regime", langs)
        if noun is None or (other and other.search(folded)):
            return None
        before = [lv for i, lvs in antecedents if i < ctx.index for lv in lvs]
        if before:
            level_id = before[-1]
        else:
            # named only further on: usable when the document names one level of the scheme,
            # and not only in a dated history line ("March 12, 2002 – ... At Yellow")
            levels = {lv for _, lvs in antecedents for lv in lvs}
            if len(levels) != 1 or all(i in ctx.past for i, _ in antecedents):
                return None
            level_id = levels.pop()
        level = sm.scheme.level(level_id)
        if level is None:
            return None
        return _Mention(noun.start(), noun.end(), level, primary=False), None

    def _remaining(
        self,
        scheme: Scheme,
        folded: str,
        in_scheme: list[_AreaHit],
        recent: list[_AreaHit],
        ctx: _Context,
        langs: tuple[str, ...],
    ) -> list[_AreaHit] | None:
        """ "в остальных пяти регионах": the areas named before, less those just singled out;
        None when the stated count does not match them."""
        pattern = self.compiled.words("remaining", langs)
        m = pattern.search(folded) if pattern and not in_scheme else None
        if m is None:
            return []
        singled = [a.area_id for a in recent]
        out: list[_AreaHit] = []
        for hit in ctx.prior_areas[-500:]:  # bounded: linear time on long texts
            aid = hit.area_id
            area = self.catalog.areas.get(aid)
            if area is None or area.kind == "country" or not self._under(scheme, aid):
                continue
            if any(self.catalog.contains(x, aid) or self.catalog.contains(aid, x) for x in singled):
                continue
            if all(h.area_id != aid for h in out):
                out.append(
                    _AreaHit(-1, -1, aid, hit.factor * self.compiled.tuning.factor_successor)
                )
        ids = _most_specific(self.catalog, [h.area_id for h in out])
        out = [h for h in out if h.area_id in ids]
        count = self.compiled.count_word.match(folded, m.end())
        numbers = self.compiled.numbers
        if (count is not None and numbers[count.group(1)] != len(out)) or not out:
            return None
        return out

    def _issuer_seat(
        self,
        scheme: Scheme,
        folded: str,
        hit: _AreaHit,
        mentions: list[_Mention],
        langs: tuple[str, ...],
    ) -> bool:
        """A seat of the scheme's issuer right after an issuer word ("the agency in The
        Hague"), or after a 'said' that follows the level ("..., she said in London")."""
        if hit.area_id not in scheme.seats:
            return False
        issuer = self.compiled.words("issuer_words", langs)
        if issuer is not None:
            for m in issuer.finditer(folded, max(0, hit.start - 60), hit.start):
                gap = folded[m.end() : hit.start]
                if len(gap) <= _SEAT_GAP and not re.search(r"[,;.:\"]", gap):
                    return True
        said = self.compiled.words("reported_by", langs)
        if said is None:
            return False
        before = [m for m in mentions if m.end <= hit.start]
        if not before:
            return False
        return said.search(folded, before[-1].end, hit.start) is not None

    def _foreign_country(self, scheme: Scheme, areas: list[_AreaHit]) -> bool:
        """The sentence names a country that is not the scheme's."""
        return any(
            self.catalog.areas[a.area_id].kind == "country" and not self._under(scheme, a.area_id)
            for a in areas
            if a.area_id in self.catalog.areas
        )

    def _other_country_only(self, scheme: Scheme, doc_areas: list[_AreaHit]) -> bool:
        return bool(self._doc_memo("other", scheme, doc_areas))

    def _other_country_only_uncached(self, scheme: Scheme, doc_areas: list[_AreaHit]) -> bool:
        """The document names another scheme's country and nothing of this one: a level with no
        place of its own is that country's business, not this scheme's default area."""
        if any(self._under(scheme, a.area_id) for a in doc_areas):
            return False
        others = {
            s.default_area for s in self._text_schemes if s.id != scheme.id and s.default_area
        }
        # a country no scheme covers (New Zealand, Germany) is as foreign as one that another
        # scheme covers: its level is not this scheme's default area's either
        return any(
            a.area_id in others
            or (
                self.catalog.areas[a.area_id].kind == "country"
                and not self._under(scheme, a.area_id)
            )
            for a in doc_areas
            if a.area_id in self.catalog.areas
        )

    def _regional_scheme_area(
        self,
        scheme: Scheme,
        areas: list[_AreaHit],
        folded: str,
        event_before: re.Pattern[str] | None,
    ) -> bool:
        """The sentence names an area whose level another scheme sets (scheme `not_areas`:
        Northern Ireland for the UK's national level): the level is that regional scheme's,
        never the whole country's. The place of an event ("a press conference in Belfast")
        names no level's area."""
        return any(
            self.catalog.contains(other, a.area_id)
            and not (event_before is not None and _after_event(folded, a, event_before, areas))
            for a in areas
            for other in scheme.not_areas
        )

    def _under(self, scheme: Scheme, area_id: str) -> bool:
        key = (scheme.id, area_id)
        got = self._under_cache.get(key)
        if got is None:
            got = not any(
                self.catalog.contains(other, area_id) for other in scheme.not_areas
            ) and any(root == "*" or self.catalog.contains(root, area_id) for root in scheme.areas)
            self._under_cache[key] = got
        return got

    def _doc_memo(self, kind: str, scheme: Scheme, doc_areas: list[_AreaHit]) -> object:
        """Per-document facts about a scheme, computed once (linear time on long texts)."""
        key = (kind, scheme.id, id(doc_areas), len(doc_areas))
        if key not in self._memo:
            if kind == "count":
                value: object = sum(1 for a in doc_areas if self._under(scheme, a.area_id))
            elif kind == "any":
                value = any(self._under(scheme, a.area_id) for a in doc_areas)
            else:
                value = self._other_country_only_uncached(scheme, doc_areas)
            self._memo[key] = value
        return self._memo[key]

    def _root_depth(self, scheme: Scheme, area_id: str) -> int:
        depth = 0
        for root in scheme.areas:
            if root != "*" and self.catalog.contains(root, area_id):
                depth = max(depth, len(self.catalog.ancestors(root)) + 1)
        return depth


_RU_PAST = re.compile(r"^[а-я]{2,}(?:л|ла|ло|ли|лся|лась|лось|лись)$")
_RU_PRESENT = re.compile(r"^[а-я]{2,}(?:ет|ют|ут|ят|ит|ится|ется|утся|ются|ятся)$|^будет$|^будут$")
_EN_PAST = re.compile(r"^[a-z]{3,}ed$")
_EN_PERFECT_BEFORE = re.compile(r"(?:has|have|been|be|is|are|will)\s+$")
_EN_PRESENT = re.compile(r"^(?:will|is|are|raises|lowers|declares|lifts|extends|cancels)$")


def _tense(folded: str, sm: _SchemeMatchers) -> str | None:
    """ "past" or "present" (present or future) from the action words of a sentence."""
    past = present = False
    for _, pattern in sm.actions:
        for m in pattern.finditer(folded):
            for w in re.finditer(r"\w+", m.group(0)):
                word = w.group(0)
                if _RU_PAST.match(word):
                    past = True
                elif _RU_PRESENT.match(word) or _EN_PRESENT.match(word):
                    present = True
                elif _EN_PAST.match(word):
                    before = folded[max(0, m.start() - 8) : m.start()]
                    if _EN_PERFECT_BEFORE.search(before):
                        present = True
                    else:
                        past = True
    if past and not present:
        return "past"
    if present and not past:
        return "present"
    return None


def _negated(
    folded: str,
    mention: _Mention,
    action: tuple[int, int],
    clause: Clause,
    compiled: CompiledCatalog,
    langs: tuple[str, ...],
) -> bool:
    """negation: a negation word of the trigger's clause right before the action word, or
    between the level and its action ("hat die Stufe nicht auf vier angehoben", "did not raise
    its level to critical"); a negation inside the action phrase ("не продлили": a lift) is
    the action's own."""
    negation = compiled.words("negation", langs)
    at, end = action
    if negation is None:
        return False
    window = compiled.tuning.negation_before
    if at < 0:
        # a change with no verb of its own ("een lager niveau - van 4 naar 3 - niet
        # rechtvaardigen", "do not justify a lower level, from 4 to 3"): a negation in its
        # clause before it, or right after it, denies it
        lo = max(clause.start, mention.span_start - 4 * window)
        hi = min(clause.end, mention.end + window)
        return mention.previous is not None and bool(negation.search(folded, lo, hi))
    before = folded[max(0, at - window) : at]
    if any(m.end() >= len(before) - 1 for m in negation.finditer(before)):
        return True
    # Kazakh and Turkic negation follows the verb: "көтерілген жоқ", "енгізілген емес"
    after = negation.match(folded, end + 1) if end + 1 < len(folded) else None
    if after is not None and after.start() < min(clause.end, end + 3):
        return True
    lo = max(clause.start, min(at, mention.span_start) - window)
    hi = min(clause.end, max(at, mention.start))
    if any(not (at <= m.start() < end) for m in negation.finditer(folded, lo, hi)):
        return True
    # a negated decision governs the action it is about: "ещё не приняли решение по
    # продлению", "have not decided to raise", "hat nicht beschlossen, ... zu verlängern"
    decision = compiled.words("decision", langs)
    if decision is None:
        return False
    for d in decision.finditer(folded, clause.start, at):
        # searched in place, not in a slice: "gobierno" must not end in a word "no"
        lo = max(clause.start, d.start() - window)
        if any(d.start() - m.end() <= 16 for m in negation.finditer(folded, lo, d.start())):
            return True
    return False


def _to_number_after(
    folded: str, end: int, to_word: re.Pattern[str] | None, numbers: dict[str, int] | None = None
) -> bool:
    """A to-word and a number (or number word) follow `end`: "de 3 à 4", "von drei auf vier"
    are a change, not "4 de 5", "vier (von fünf)"."""
    if to_word is None:
        return False
    after = folded[end : end + 24]
    t = to_word.search(after)
    if not (t and t.start() <= 2):
        return False
    rest = after[t.end() :].lstrip()
    word = rest.split(" ", 1)[0].strip('"«»“”.,;:()') if rest else ""
    return rest[:1].isdigit() or bool(numbers and word in numbers)


def _before(pattern: re.Pattern[str] | None, folded: str, pos: int) -> bool:
    """A phrase of `pattern` starts before `pos` (the level's mention) in the sentence."""
    if pattern is None:
        return False
    return any(m.start() < pos for m in pattern.finditer(folded, 0, pos + 40))


def _from_to(
    folded: str,
    start: int,
    gap: str,
    per_lang: list[tuple[re.Pattern[str] | None, re.Pattern[str] | None]],
    nouns: re.Pattern[str] | None = None,
) -> bool:
    """A change "from A to B": a to-word of one language in the gap, and either that language
    is the text's main one or its from-word stands right before A. Two levels in parallel ("to
    3 for Belgium and to 4 for Brussels", "naar niveau 3 in België en naar niveau 4 in
    Brussel": A itself follows a to-word, its level noun aside) are no change."""
    for i, (from_w, to_w) in enumerate(per_lang):
        if to_w is None or not to_w.search(gap) or _preceded_by(folded, start, to_w):
            continue
        if nouns is not None and _preceded_by(
            folded, _noun_start_before(folded, start, nouns), to_w
        ):
            continue
        if i == 0 or (from_w is not None and _preceded_by(folded, start, from_w)):
            return True
    return False


def _noun_start_before(folded: str, start: int, nouns: re.Pattern[str]) -> int:
    """Where a level noun right before `start` begins ("naar niveau 3": the start of
    "niveau"); `start` itself when there is none."""
    lo = max(0, start - 40)
    before = folded[lo:start].rstrip(' "-')
    for m in nouns.finditer(before):
        if m.end() == len(before):
            return lo + m.start()
    return start


def _preceded_by(folded: str, start: int, pattern: re.Pattern[str]) -> bool:
    """A word of `pattern` ends right before `start` (quotes and spaces aside)."""
    before = folded[max(0, start - 12) : start].rstrip(' "-')
    return any(m.end() == len(before) for m in pattern.finditer(before))


def _spans(pattern: re.Pattern[str] | None, folded: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(folded)] if pattern else []


def _latest_year(folded: str) -> int | None:
    years = [int(y) for y in _YEAR.findall(folded[:3000])]
    return max(years) if years else None


def _is_past(folded: str, ref_year: int | None, since: re.Pattern[str] | None = None) -> bool:
    """A sentence dated in an earlier year than the document is history. A year after "since"
    ("for the first time since 2014", "erstmals seit 2014") compares with the past; it does
    not date the sentence's event."""
    if ref_year is None:
        return False
    return any(
        int(m.group(1)) < ref_year and not (since and _preceded_by(folded, m.start(), since))
        for m in _YEAR.finditer(folded)
    )


def _same_day(folded: str, same_day: re.Pattern[str] | None, words: DateWords) -> bool:
    """The sentence places its event on the day of the report: "сегодня", or a clock time
    ("незадолго до 18:00") with no date."""
    if same_day and same_day.search(folded):
        return True
    return bool(_CLOCK.search(folded)) and not has_date(folded, words)


def _introduces_list(folded: str, clause: Clause) -> bool:
    """The clause ends in a colon with a list after it (a bullet header)."""
    tail = folded[clause.end : clause.end + 4]
    return folded[clause.start : clause.end].rstrip().endswith(":") or tail.lstrip().startswith(":")


def _after_event(
    folded: str, hit: _AreaHit, event_before: re.Pattern[str], hits: Sequence[_AreaHit] = ()
) -> bool:
    """The place follows an event word ("attack in", "после"), also further down a list of
    places ("los atentados que han sacudido Túnez, Francia y Kuwait"). Another place between
    the event word and this one took the event ("ситуацией на Украине в Белгородской
    области": Ukraine is the situation's, Belgorod the level's)."""
    offset = max(0, hit.start - 40)
    before = folded[offset : hit.start]
    for m in event_before.finditer(before):
        tail = before[m.end() :]
        between = any(offset + m.end() <= h.start and h.end <= hit.start for h in hits)
        if len(tail) <= 16 and "," not in tail and not between:
            return True
        # a list only after an event phrase ("attacks in"), never after a bare "following"
        if "," in tail and len(m.group(0).split()) >= 2 and not re.search(r"[.;:]", tail):
            items = [t.split() for t in tail.split(",")]
            if all(len(words) <= 2 for words in items[:-1]) and len(items[-1]) <= 1:
                return True
    return False


def _attached(hits: list[_AreaHit], origin: int, tune: Tuning) -> list[_AreaHit]:
    """Areas that follow a level: the first close to it, the next ones close to each other."""
    out: list[_AreaHit] = []
    last = origin
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.start - last > (tune.attach_first if not out else tune.attach_next):
            break
        out.append(hit)
        last = max(last, hit.end)
    return out


def _attached_before(hits: list[_AreaHit], origin: int, tune: Tuning) -> list[_AreaHit]:
    out: list[_AreaHit] = []
    first = origin
    for hit in sorted(hits, key=lambda h: h.start, reverse=True):
        if first - hit.end > (tune.attach_first if not out else tune.attach_next):
            break
        out.append(hit)
        first = min(first, hit.start)
    return out


def _sole_scheme_of(
    scheme: Scheme, langs: tuple[str, ...], matchers: list[_SchemeMatchers]
) -> bool:
    """The scheme is the only one whose first language is the text's ("Kazakh" is Kazakhstan's
    level; Dutch may be the Netherlands' or Belgium's)."""
    return bool(
        langs
        and scheme.languages[:1] == [langs[0]]
        and not any(
            m.scheme.id != scheme.id and m.scheme.languages[:1] == [langs[0]] for m in matchers
        )
    )


def _number_anchored(
    folded: str,
    m: re.Match[str],
    nouns: re.Pattern[str] | None,
    to_word: re.Pattern[str] | None,
    from_word: re.Pattern[str] | None,
) -> bool:
    """A number word names a level only right after what makes it one: a to/from word or a
    level noun ("to four", "a cuatro", "Stufe vier"). Before a noun it is most often a count or
    a rank on the scale ("die dritte Stufe darstellt", "the third time")."""
    before = folded[max(0, m.start() - 40) : m.start()]
    # an article may stand between ("auf die vierte", "to the fourth", "à la quatrième")
    return any(
        pattern is not None
        and any(_ARTICLE_GAP.fullmatch(before[h.end() :]) for h in pattern.finditer(before))
        for pattern in (to_word, from_word, nouns)
    )


_ARTICLE_GAP = re.compile(r"\s*(?:[^\W\d_]{1,3}\s+)?")


def _from_before(folded: str, start: int, from_word: re.Pattern[str], window: int) -> bool:
    before = folded[max(0, start - window) : start]
    return any(m.end() >= len(before) - 3 for m in from_word.finditer(before))


def _scale_before(folded: str, start: int, scale: re.Pattern[str], window: int) -> bool:
    before = folded[max(0, start - window) : start]
    return any(m.end() >= len(before) - 1 for m in scale.finditer(before))


def _drop_overlaps(hits: list[tuple[int, int, Action]]) -> list[tuple[int, int, Action]]:
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[tuple[int, int, Action]] = []
    for h in hits:
        if out and h[0] < out[-1][1]:
            continue
        out.append(h)
    return out


def _most_specific(catalog: Catalog, ids: list[str]) -> set[str]:
    unique = set(ids)
    return {a for a in unique if not any(b != a and catalog.contains(a, b) for b in unique)}


def _describes_scale(
    scheme: Scheme,
    mentions: list[_Mention],
    places: bool,
    folded: str,
    compiled: CompiledCatalog,
    langs: tuple[str, ...],
) -> bool:
    """A sentence that lists the scale is not a level change: three or more levels of one
    scheme with no place of it named, or "from <lowest> to <highest>" ("levels from 1 to 4",
    "note sur un niveau de 1 à 4"): on a scale of four or more steps no level jumps from the
    bottom to the top."""
    named = {m.level.id for m in mentions} | {m.previous.id for m in mentions if m.previous}
    if len(named) >= 3 and not places:
        return True
    ids = [lv.id for lv in scheme.levels]
    words = compiled.words("scale_words", langs)
    return bool(
        # on a three-step scale "from yellow to red" happens (Kazakhstan): there the scale
        # must be named ("levels", "шкала")
        (len(ids) >= 4 or (len(ids) == 3 and words is not None and words.search(folded)))
        and any(
            m.previous is not None and m.previous.id == ids[0] and m.level.id == ids[-1]
            for m in mentions
        )
    )


def _remain_attached(
    folded: str, hit: tuple[int, int, Action], mention: _Mention, ahead: int = 25
) -> bool:
    start, end, _ = hit
    if 0 <= mention.span_start - end <= ahead:
        return not re.search(r"[,;.:]", folded[end : mention.span_start])
    if 0 <= start - mention.end <= 120:
        return not re.search(r"[;.]", folded[mention.end : start])
    return False


def _explains_after(
    definitions: re.Pattern[str] | None, folded: str, clause: Clause, pos: int, *, acted: bool
) -> bool:
    """Every definition word of the clause is a parenthesis ("'Severe' (meaning ...)") or, when
    a verb acts on the level (`acted`), comes after it set off by a comma or a dash ("raised to
    3, ce qui signifie ...", "hoch – das bedeutet ..."): it explains the level just announced,
    it does not describe the scale."""
    if definitions is None:
        return False
    found = list(definitions.finditer(folded, clause.start, clause.end))
    return bool(found) and all(
        # "('Severe' (meaning an attack is highly likely) to ..." explains wherever it stands
        folded[max(0, m.start() - 2) : m.start()].strip().endswith("(")
        or (
            acted
            and m.start() > pos
            and _EXPLAINS.search(folded[max(pos, m.start() - 16) : m.start()]) is not None
        )
        for m in found
    )


def _compared_since(folded: str, end: int, since: re.Pattern[str] | None, window: int) -> bool:
    """ "the highest level since 2004", "il più alto dal 2015": a 'since' right after the
    ordinal (no punctuation between) compares over time; it names no rank on a scale."""
    if since is None:
        return False
    tail = folded[end : end + window]
    m = since.search(tail)
    return m is not None and not re.search(r"[,;.:]", tail[: m.start()])


def _ordinal_mentions(
    sm: _SchemeMatchers,
    folded: str,
    named: list[_Mention],
    tune: Tuning,
    anchors: list[re.Pattern[str]],
    since: re.Pattern[str] | None,
) -> list[_Mention]:
    """Levels named by their rank ("raised to the second-highest level", "auf die zweithöchste
    Stufe"), as weak level words. An ordinal next to a level's name describes that name ("4,
    the second-highest on its scale"), and one without a from/to or action word near it
    describes the scale ("the lowest threat level is ..."): neither names a level."""
    out: list[_Mention] = []
    for level, pattern in sm.ordinals:
        for n, m in enumerate(pattern.finditer(folded)):
            if n >= 4 * tune.max_mentions:
                break
            if any(
                r.start - tune.ordinal_apposition <= m.start() <= r.end + tune.ordinal_apposition
                and not (m.start() <= r.start and r.end <= m.end())  # a word of the ordinal
                for r in named
            ):
                continue
            if _compared_since(folded, m.end(), since, 2 * tune.ordinal_anchor):
                continue  # "the highest level since 2004": a comparison over time, not a rank
            lo, hi = max(0, m.start() - tune.ordinal_anchor), m.end() + tune.ordinal_anchor
            if not any(
                # a quoted word is a name, never the verb ('the lowest level is "elevated"')
                folded[max(0, h.start() - 1) : h.start()] not in _QUOTES
                for a in anchors
                for h in a.finditer(folded, lo, hi)
            ):
                continue
            out.append(_Mention(m.start(), m.end(), level, primary=False))
    return out


def _is_at(pattern: re.Pattern[str], folded: str, start: int, end: int) -> bool:
    return any(m.start() <= start and end <= m.end() for m in pattern.finditer(folded, 0, end + 1))

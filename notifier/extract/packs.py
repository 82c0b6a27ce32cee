"""Language packs: the words of one language that do not depend on a scheme, as validated data.

One file per language, `config/languages/<code>.yaml` (format: PACKS.md). A pack may leave out
sections at parse time, but every language a scheme declares must have a pack with every
required section (`check_coverage`), so a missing word list is a load error naming the scheme
file, the language and the section — never a silent gap in what the engine understands.
Phrases are written naturally (accents, case) and folded by `normalise.fold_phrase` when
compiled, like scheme phrases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from notifier.errors import CatalogError
from notifier.extract.normalise import fold_phrase
from notifier.model import Action

# The bundled packs: used when a schemes folder has no sibling `languages/` folder.
BUNDLED = Path(__file__).resolve().parents[2] / "config" / "languages"

Phrases = list[str]
Unit = Literal["hour", "day", "week", "month", "year"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionWords(_Strict):
    """What happened to a level. raise/lower/set all announce a level in force; raise and lower
    also say which way it moved (used to orient a from/to pair)."""

    set: Phrases = Field(default_factory=list)
    raise_: Phrases = Field(default_factory=list, alias="raise")
    lower: Phrases = Field(default_factory=list)
    extend: Phrases = Field(default_factory=list)
    lift: Phrases = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FromTo(_Strict):
    from_: Phrases = Field(alias="from")
    to: Phrases
    # Suffixes of agglutinative languages ("сарыдан қызылға"): the case ending on the level word
    from_suffix: Phrases = Field(default_factory=list)
    to_suffix: Phrases = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Display(_Strict):
    severity: dict[Literal["minor", "moderate", "severe", "extreme"], str]
    transitions: dict[Literal["issued", "raised", "lowered", "extended", "lifted", "expired"], str]
    level: str = Field("", description="The word for a threat level in output ('level', 'Stufe').")


# The placeholders each SMS reply may use, and the words it must keep: Twilio and the service
# only understand the English keywords, so a reply in any language names them as they are.
REPLY_FIELDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "help": (frozenset(), ("STOP", "START")),
    "join_help": (frozenset(), ("JOIN", "LEAVE")),
    "stopped": (frozenset(), ("START",)),
    "resumed": (frozenset(), ("STOP",)),
    "joined": (frozenset({"area"}), ("LEAVE",)),
    "already": (frozenset({"area"}), ("LEAVE",)),
    "unknown_area": (frozenset({"text", "command"}), ()),
    "which_area": (frozenset(), ("JOIN",)),
    "left": (frozenset({"count"}), ()),
    "left_none": (frozenset(), ()),
    "cannot": (frozenset({"phone"}), ()),
    "join_limit": (frozenset({"limit"}), ()),
}
MAX_REPLY_CHARS = 320  # two SMS segments of GSM-7; the values filled in are bounded too


class Replies(_Strict):
    """What the service answers to an inbound SMS (HELP, STOP, START, JOIN, LEAVE), in one
    language. `{name}` placeholders are filled with bounded values; the keywords stay English."""

    help: str = Field(description="Answer to HELP: what the service is, STOP and START.")
    join_help: str = Field(description="Added to HELP when JOIN is on (starts with a space).")
    stopped: str = Field(description="Answer to STOP: no more alerts, START resumes.")
    resumed: str = Field(description="Answer to START.")
    joined: str = Field(description="JOIN <area> worked: {area} is the area's name.")
    already: str = Field(description="JOIN of an area the number follows already: {area}.")
    unknown_area: str = Field(description="JOIN/LEAVE <text> names no area: {text}, {command}.")
    which_area: str = Field(description="JOIN without an area.")
    left: str = Field(description="LEAVE worked: {count} subscriptions ended.")
    left_none: str = Field(description="LEAVE from a number that follows nothing.")
    cannot: str = Field(description="The sender's number cannot get SMS alerts: {phone}.")
    join_limit: str = Field(description="Too many JOINs today: {limit}.")

    @model_validator(mode="after")
    def _placeholders_and_keywords(self) -> Replies:
        errors = []
        for name, (allowed, keywords) in REPLY_FIELDS.items():
            text = getattr(self, name)
            if len(text) > MAX_REPLY_CHARS:
                errors.append(f"{name}: longer than {MAX_REPLY_CHARS} characters")
            try:
                fields = [(f, spec, conv) for _, f, spec, conv in Formatter().parse(text)]
            except ValueError as exc:
                errors.append(f"{name}: {exc} (write {{{{ and }}}} for a brace)")
                continue
            used = {f for f, _, _ in fields if f is not None}
            if any(spec or conv for _, spec, conv in fields):  # '{area:>99999}' would be a bomb
                errors.append(f"{name}: a placeholder is a bare {{name}}, no format or conversion")
            if not used <= allowed:
                wrong = ", ".join(sorted("{" + u + "}" for u in used - allowed))
                may = ", ".join(sorted("{" + a + "}" for a in allowed)) or "none"
                errors.append(f"{name}: unknown placeholder {wrong} (may use: {may})")
            for keyword in keywords:
                if keyword not in text:
                    errors.append(f"{name}: must name the keyword {keyword} as it is")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def text(self, name: str, **values: object) -> str:
        return str(getattr(self, name)).format(**values)


class Ordinals(_Strict):
    """A level named by its rank on the scale ("the second-highest level", "найвищий рівень"):
    `top` counts down from the scheme's highest level (1 = the highest), `bottom` up from its
    lowest. The scheme is known from the sentence (cues, markers, places), so one phrase names
    the right level of any scale: "second-highest" is severe in the UK and 4 in Sweden."""

    top: dict[int, Phrases] = Field(default_factory=dict)
    bottom: dict[int, Phrases] = Field(default_factory=dict)


class PackSpec(_Strict):
    """One language pack file. Sections are optional here; `REQUIRED` are checked for every
    language a scheme declares (see the module docstring)."""

    code: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str
    # --- required (PACKS.md) ---
    actions: ActionWords | None = None
    negation: Phrases | None = None
    modality: Phrases | None = None
    history: Phrases | None = None
    definitions: Phrases | None = None
    unchanged: Phrases | None = None
    reported_by: Phrases | None = None
    from_to: FromTo | None = None
    numbers: dict[str, int] | None = None
    months: dict[str, int] | None = None
    units: dict[Unit, Phrases] | None = None
    nationwide: Phrases | None = None
    display: Display | None = None
    replies: Replies | None = None
    # --- optional: finer cues the engine uses where a language has them ---
    ago: Phrases = Field(
        default_factory=list, description="'years ago', 'ever since': background before the level"
    )
    coordinators: Phrases = Field(
        default_factory=list, description="'and', 'и', 'және': joins two levels or two places"
    )
    past_auxiliaries: Phrases = Field(
        default_factory=list, description="'war', 'était': a past tense (with 'since <year>')"
    )
    remain: Phrases = Field(default_factory=list, description="'remains': extend when attached")
    keep: Phrases = Field(default_factory=list, description="'keeps the level at': extend")
    posture: Phrases = Field(
        default_factory=list,
        description="'on high alert': readiness of people or forces, never a scheme's level",
    )
    standing: Phrases = Field(
        default_factory=list,
        description="'stands at', 'the current level': a level stated in the present, no news",
    )
    passive_past: Phrases = Field(default_factory=list, description="'был введен': background")
    same_day: Phrases = Field(default_factory=list, description="'today': not background")
    event_before_area: Phrases = Field(default_factory=list, description="'attack in' + place")
    anaphora: Phrases = Field(default_factory=list, description="'there', 'these regions'")
    same_action: Phrases = Field(default_factory=list, description="'did the same'")
    remaining: Phrases = Field(default_factory=list, description="'the remaining' areas")
    other_regime: Phrases = Field(default_factory=list, description="a regime that is no level")
    scale_size: Phrases = Field(default_factory=list, description="'out of' (five)")
    scale_words: Phrases = Field(default_factory=list, description="'levels', 'scale'")
    counted: Phrases = Field(default_factory=list, description="'people': a number is a count")
    issuer_words: Phrases = Field(
        default_factory=list,
        description="bodies that announce, not areas: 'National Security Committee', 'ministry'",
    )
    clause_breaks: Phrases = Field(
        default_factory=list, description="'while', 'but', 'and asked': a new clause starts"
    )
    until: Phrases = Field(
        default_factory=list, description="'until', 'bis', 'do': the end date of a level follows"
    )
    month_end: Phrases = Field(
        default_factory=list,
        description="'the end of', 'końca', 'Ende': with a month, that month's last day",
    )
    stopwords: Phrases = Field(default_factory=list, description="everyday words (language id)")
    ordinals: Ordinals | None = Field(
        None, description="'second-highest', 'zweithöchste': a level named by its rank"
    )
    level_nouns: Phrases = Field(
        default_factory=list,
        description="'threat situation', 'Bedrohungslage': a level noun for every scheme",
    )
    cues: Phrases = Field(
        default_factory=list,
        description="'terror*', 'антитеррор*': security words every scheme reads in this language",
    )
    partial_scope: Phrases = Field(
        default_factory=list,
        description="'in certain places', 'specific targets': a level for part of an area only",
    )
    in_month: Phrases = Field(
        default_factory=list,
        description="'in' before a month ('in November', 'i november'): a change dated by month",
    )
    decision: Phrases = Field(
        default_factory=list,
        description="'decided', 'приняли решение': a negation before it denies the action it "
        "governs ('have not yet decided on extending')",
    )
    beyond: Phrases = Field(
        default_factory=list,
        description="'in Europe', 'worldwide': a region wider than any country; a level said of "
        "it is no country's",
    )
    see_also: Phrases = Field(
        default_factory=list,
        description="'Read also:', 'Czytaj też:': what follows is another article's headline",
    )
    except_words: Phrases = Field(
        default_factory=list,
        description="'except', 'behalve': 'except for specific targets' is the rest, not a part",
    )
    since: Phrases = Field(
        default_factory=list,
        description="'since', 'desde': 'keeps level 4 since June 2015' states, decides nothing",
    )


REQUIRED = (
    "actions",
    "negation",
    "modality",
    "history",
    "definitions",
    "unchanged",
    "reported_by",
    "from_to",
    "numbers",
    "months",
    "units",
    "nationwide",
    "display",
    "replies",
)

# days a unit counts for a duration ("for 2 weeks")
UNIT_DAYS: dict[str, int] = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True)
class Pack:
    code: str
    spec: PackSpec
    file: str

    def missing(self) -> list[str]:
        return [name for name in REQUIRED if getattr(self.spec, name) is None]


def load_packs(folder: Path) -> dict[str, Pack]:
    """Every `*.yaml` pack in `folder`, validated; the file name must be the pack's code."""
    if not folder.is_dir():
        raise CatalogError([f"not a folder: {folder}"], str(folder))
    packs: dict[str, Pack] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
            raise CatalogError([f"cannot read language pack: {exc}"], str(path)) from exc
        if not isinstance(raw, dict):
            raise CatalogError(["top level must be a mapping"], str(path))
        try:
            spec = PackSpec.model_validate(raw)
        except ValidationError as exc:
            lines = [".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors()]
            raise CatalogError(lines, str(path)) from exc
        if spec.code != path.stem:
            raise CatalogError(
                [f"code: {spec.code!r} does not match the file name {path.name!r}"], str(path)
            )
        packs[spec.code] = Pack(spec.code, spec, str(path))
    return packs


def check_coverage(declared: Mapping[str, Iterable[str]], packs: Mapping[str, Pack]) -> None:
    """Every language a scheme declares has a complete pack. `declared` maps a scheme file to
    its languages ('any' is not a language)."""
    for file, languages in declared.items():
        errors: list[str] = []
        for lang in sorted(set(languages) - {"any"}):
            pack = packs.get(lang)
            if pack is None:
                errors.append(f"language {lang!r}: no language pack (config/languages/{lang}.yaml)")
                continue
            for section in pack.missing():
                errors.append(
                    f"language {lang!r}: language pack {pack.file} lacks section {section!r}"
                )
        if errors:
            raise CatalogError(errors, file)


class Lexicon:
    """The packs as (language, phrase) word lists by section, for the phrase compiler."""

    def __init__(self, packs: Mapping[str, Pack]) -> None:
        self.packs = dict(packs)

    def words(self, section: str) -> dict[str, list[str]]:
        """language -> phrases of one list section (or of `actions.<kind>`)."""
        out: dict[str, list[str]] = {}
        for code, pack in self.packs.items():
            if section.startswith("actions."):
                acts = pack.spec.actions
                got = getattr(acts, _ACTION_FIELD[section[8:]]) if acts else None
            elif section in ("from", "to", "from_suffix", "to_suffix"):
                ft = pack.spec.from_to
                got = getattr(ft, "from_" if section == "from" else section) if ft else None
            else:
                got = getattr(pack.spec, section)
            if got:
                out[code] = list(got)
        return out

    def action_words(self, action: Action) -> dict[str, list[str]]:
        """Words of an action of the model: SET gathers set, raise and lower."""
        if action is Action.SET:
            merged: dict[str, list[str]] = {}
            for kind in ("set", "raise", "lower"):
                for lang, phrases in self.words("actions." + kind).items():
                    merged.setdefault(lang, []).extend(phrases)
            return merged
        return self.words("actions." + action.value)

    def ordinal_words(self, from_top: int, from_bottom: int) -> dict[str, list[str]]:
        """language -> phrases naming the level at this rank ("second-highest" when
        `from_top` is 2, "lowest" when `from_bottom` is 1)."""
        out: dict[str, list[str]] = {}
        for code, pack in self.packs.items():
            ords = pack.spec.ordinals
            if ords is None:
                continue
            got = [*ords.top.get(from_top, []), *ords.bottom.get(from_bottom, [])]
            if got:
                out[code] = got
        return out

    def number_words(self, value: int) -> dict[str, list[str]]:
        """language -> the pack's words for `value` ("four", "cuatro", "vierten"): they name
        the level of that number on a numbered scale in every language."""
        out: dict[str, list[str]] = {}
        for code, pack in self.packs.items():
            got = [w for w, v in (pack.spec.numbers or {}).items() if v == value]
            if got:
                out[code] = got
        return out

    def numbers(self) -> dict[str, int]:
        """Folded number word -> value, over every pack."""
        return _folded_table(p.spec.numbers or {} for p in self.packs.values())

    def months(self) -> dict[str, int]:
        return _folded_table(p.spec.months or {} for p in self.packs.values())

    def units(self) -> dict[str, str]:
        """Folded unit word (stems end in '*') -> unit name."""
        out: dict[str, str] = {}
        for pack in self.packs.values():
            for unit, phrases in (pack.spec.units or {}).items():
                for phrase in phrases:
                    out.setdefault(fold_phrase(phrase), unit)
        return out

    def stopwords(self) -> dict[str, set[str]]:
        return {
            code: {fold_phrase(w) for w in p.spec.stopwords}
            for code, p in self.packs.items()
            if p.spec.stopwords
        }

    def display(self, language: str) -> Display | None:
        pack = self.packs.get(language)
        return pack.spec.display if pack else None

    def replies(self, language: str) -> Replies | None:
        pack = self.packs.get(language.split("-")[0].lower())
        return pack.spec.replies if pack else None


_ACTION_FIELD = {
    "set": "set",
    "raise": "raise_",
    "lower": "lower",
    "extend": "extend",
    "lift": "lift",
}


def _folded_table(tables: Iterable[Mapping[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for table in tables:
        for word, value in table.items():
            out.setdefault(fold_phrase(word), value)
    return out


@lru_cache(maxsize=1)
def bundled_lexicon() -> Lexicon:
    """The packs shipped with notifier (for callers that parse dates without a catalog)."""
    return Lexicon(load_packs(BUNDLED))

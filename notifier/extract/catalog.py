"""Schemes and areas: the YAML catalogs (`config/schemes/*.yaml`, `config/areas/*.yaml`).

Both are data, not code: a new country is a file. `Catalog.load` validates every file with
strict pydantic models and cross-checks them (unique ids, known parents, no cycles, known
scheme areas), raising `CatalogError` whose lines name the file and the YAML path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from notifier.errors import CatalogError
from notifier.extract.normalise import fold_phrase
from notifier.extract.packs import BUNDLED, Lexicon, bundled_lexicon, check_coverage, load_packs
from notifier.model import Action, AreaRef, Severity

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
_LEVEL_ID = r"^[A-Za-z0-9][A-Za-z0-9 _.:-]*$"
_M = TypeVar("_M", bound=BaseModel)
Words = dict[str, list[str]]  # language ("en", "ru", ... or "any") -> phrases


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelSpec(_Strict):
    id: str = Field(pattern=_LEVEL_ID, description="Level id, e.g. 'red' or '4'.")
    severity: Severity
    names: Words = Field(description="Words that name this level (colours, names, numbers).")
    adjectives: Words = Field(
        default_factory=dict,
        description="Words translations use for the level ('moderate', 'высокий'): weaker evidence.",
    )


class ExpiryRule(_Strict):
    """How a level of this scheme ends when nothing else is said.

    `stated`: it ends when the announcement's stated term ends (no term: no expiry);
    `never`: levels do not expire, stated terms are ignored;
    `days`: the stated term, else `days` after it takes effect.
    """

    kind: Literal["stated", "never", "days"] = "stated"
    days: int | None = Field(None, ge=1)


class SchemeSpec(_Strict):
    id: str = Field(pattern=_ID)
    name: str
    country: str | None = Field(None, description="ISO 3166 code of the issuing country.")
    issuer: str
    languages: list[str] = Field(min_length=1)
    timezone: str = "UTC"
    areas: list[str] = Field(
        min_length=1, description="Roots of the areas its levels apply to; '*' for any area."
    )
    not_areas: list[str] = Field(
        default_factory=list,
        description="Areas inside `areas` whose levels another scheme sets (UK: Northern Ireland).",
    )
    default_area: str | None = Field(None, description="Area of a level that names none.")
    seats: list[str] = Field(
        default_factory=list,
        description="Where the issuer sits ('die Behörde in Den Haag'): named right after an "
        "issuer word, or after 'said' that follows the level, such a place is not the area.",
    )
    national: bool = Field(
        False,
        description="One level for the whole country: a place named inside it ('the threat in "
        "London', 'middle England') names the country (its default_area).",
    )
    requires_marker: bool = Field(
        False,
        description="Read only in a document naming one of its markers: a scheme that shares "
        "its level words with another over the same areas (uk-nirt and uk in Great Britain).",
    )
    default_expiry: ExpiryRule = ExpiryRule()
    cues: Words = Field(description="Security cues; a level word counts only near one.")
    markers: Words = Field(default_factory=dict, description="Names that identify the scheme.")
    level_nouns: Words = Field(description="'level', 'уровень', 'деңгей' ...: one must be near.")
    exclude: Words = Field(default_factory=dict, description="Phrases that veto a sentence.")
    actions: dict[Action, Words] = Field(default_factory=dict)
    cap_parameters: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="CAP parameter valueName -> value -> level id."
    )
    levels: list[LevelSpec] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


AreaKind = Literal["country", "region", "city", "district", "former"]


class AreaSpec(_Strict):
    id: str = Field(pattern=_ID)
    parent: str | None = None
    kind: AreaKind
    names: dict[str, str] = Field(description="Official name per language; 'en' is required.")
    aliases: Words = Field(default_factory=dict)
    codes: list[str] = Field(default_factory=list, description="Other codes (ISO numeric, FIPS).")
    twin: str | None = Field(
        None, description="A region sharing this city's bare name (Almaty city / Almaty Region)."
    )
    replaced_by: list[str] = Field(
        default_factory=list, description="For a former area: the areas that succeeded it."
    )
    replaced_on: date | None = Field(
        None,
        description="For a former area: the day its successors took over; a text dated before "
        "it still means the former area.",
    )
    subdivisions_complete: bool = Field(
        False,
        description="Its direct children that are not 'former' together cover it exactly.",
    )

    @field_validator("names")
    @classmethod
    def _english_name(cls, value: dict[str, str]) -> dict[str, str]:
        if "en" not in value:
            raise ValueError("an 'en' name is required")
        return value


class AreaFileSpec(_Strict):
    region_words: Words = Field(
        default_factory=dict, description="Words '{region}' in an alias stands for, per language."
    )
    areas: list[AreaSpec]


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    rank: int  # 1 = lowest
    severity: Severity
    names: Words
    adjectives: Words


@dataclass(frozen=True, slots=True)
class Scheme:
    id: str
    name: str
    country: str | None
    issuer: str
    languages: tuple[str, ...]
    timezone: str
    areas: tuple[str, ...]
    default_area: str | None
    default_expiry: ExpiryRule
    cues: Words
    markers: Words
    level_nouns: Words
    exclude: Words
    actions: dict[Action, Words]
    cap_parameters: dict[str, dict[str, str]]
    levels: tuple[Level, ...]
    not_areas: tuple[str, ...] = ()
    file: str = ""
    seats: tuple[str, ...] = ()
    requires_marker: bool = False
    national: bool = False

    def level(self, level_id: str) -> Level | None:
        for level in self.levels:
            if level.id == level_id:
                return level
        return None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    parent: str | None
    kind: str
    names: dict[str, str]
    aliases: Words  # '{region}' already expanded
    codes: tuple[str, ...] = ()
    twin: str | None = None
    replaced_by: tuple[str, ...] = ()
    replaced_on: date | None = None
    subdivisions_complete: bool = False
    file: str = ""

    def successors(self, on: date | None) -> tuple[str, ...]:
        """The areas a mention of this one means in a text dated `on` (unknown: today's)."""
        if self.replaced_on is not None and on is not None and on < self.replaced_on:
            return ()
        return self.replaced_by

    @property
    def name(self) -> str:
        return self.names["en"]


@dataclass
class Catalog:
    """Every scheme and area; the gazetteer queries are what routing and levels use."""

    schemes: dict[str, Scheme]
    areas: dict[str, Area]
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _by_name: dict[str, str] = field(default_factory=dict, repr=False)
    _by_code: dict[str, str] = field(default_factory=dict, repr=False)
    _compiled: Any = field(default=None, repr=False)
    lexicon: Lexicon = field(default_factory=bundled_lexicon, repr=False)

    def __post_init__(self) -> None:
        for area in self.areas.values():
            if area.parent:
                self._children.setdefault(area.parent, []).append(area.id)
        # Name lookup: official names first, so an alias never shadows another area's name.
        for area in self.areas.values():
            for name in area.names.values():
                self._by_name.setdefault(fold_phrase(name), area.id)
            self._by_name.setdefault(fold_phrase(area.id), area.id)
        for area in self.areas.values():
            for phrases in area.aliases.values():
                for phrase in phrases:
                    if "*" not in phrase:
                        self._by_name.setdefault(fold_phrase(phrase), area.id)
            for code in (area.id, *area.codes):
                self._by_code.setdefault(code.upper(), area.id)

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def load(cls, schemes_dir: Path, areas_dir: Path, languages_dir: Path | None = None) -> Catalog:
        """Load and cross-check every `*.yaml` in the folders; raise `CatalogError` if invalid.

        Language packs come from `languages_dir`, else from a `languages/` folder beside the
        schemes folder, else the bundled packs; every language a scheme declares needs one."""
        if languages_dir is None:
            sibling = schemes_dir.parent / "languages"
            languages_dir = sibling if sibling.is_dir() else BUNDLED
        packs = load_packs(languages_dir)
        declared: dict[str, set[str]] = {}
        areas: dict[str, Area] = {}
        for path in _yaml_files(areas_dir):
            spec = _validate(path, AreaFileSpec)
            errors = []
            for i, a in enumerate(spec.areas):
                if a.id in areas:
                    errors.append(
                        f"areas[{i}].id: duplicate area id {a.id!r} (also in {areas[a.id].file})"
                    )
                    continue
                areas[a.id] = Area(
                    id=a.id,
                    parent=a.parent,
                    kind=a.kind,
                    names=dict(a.names),
                    aliases=_expand_region_words(a.aliases, spec.region_words),
                    codes=tuple(a.codes),
                    twin=a.twin,
                    replaced_by=tuple(a.replaced_by),
                    replaced_on=a.replaced_on,
                    subdivisions_complete=a.subdivisions_complete,
                    file=str(path),
                )
            if errors:
                raise CatalogError(errors, str(path))
        _check_areas(areas)
        schemes: dict[str, Scheme] = {}
        for path in _yaml_files(schemes_dir):
            s = _validate(path, SchemeSpec)
            errors = []
            if s.id in schemes:
                errors.append(f"id: duplicate scheme id {s.id!r} (also in {schemes[s.id].file})")
            seen: set[str] = set()
            for i, level in enumerate(s.levels):
                if level.id in seen:
                    errors.append(f"levels[{i}].id: duplicate level id {level.id!r}")
                seen.add(level.id)
            for i, root in enumerate(s.areas):
                if root != "*" and root not in areas:
                    errors.append(f"areas[{i}]: unknown area id {root!r}")
            for i, other in enumerate(s.not_areas):
                if other not in areas:
                    errors.append(f"not_areas[{i}]: unknown area id {other!r}")
            for i, seat in enumerate(s.seats):
                if seat not in areas:
                    errors.append(f"seats[{i}]: unknown area id {seat!r}")
            if s.default_area is not None and s.default_area not in areas:
                errors.append(f"default_area: unknown area id {s.default_area!r}")
            for name, values in s.cap_parameters.items():
                for value, level_id in values.items():
                    if level_id not in seen:
                        errors.append(
                            f"cap_parameters.{name}.{value}: unknown level id {level_id!r}"
                        )
            if s.default_expiry.kind == "days" and s.default_expiry.days is None:
                errors.append("default_expiry.days: required when kind is 'days'")
            if errors:
                raise CatalogError(errors, str(path))
            declared[str(path)] = _declared_languages(s)
            schemes[s.id] = Scheme(
                id=s.id,
                name=s.name,
                country=s.country,
                issuer=s.issuer,
                languages=tuple(s.languages),
                timezone=s.timezone,
                areas=tuple(s.areas),
                default_area=s.default_area,
                default_expiry=s.default_expiry,
                cues=s.cues,
                markers=s.markers,
                level_nouns=s.level_nouns,
                exclude=s.exclude,
                actions=dict(s.actions),
                cap_parameters=s.cap_parameters,
                levels=tuple(
                    Level(lv.id, i + 1, lv.severity, lv.names, lv.adjectives)
                    for i, lv in enumerate(s.levels)
                ),
                not_areas=tuple(s.not_areas),
                file=str(path),
                seats=tuple(s.seats),
                requires_marker=s.requires_marker,
                national=s.national,
            )
        check_coverage(declared, packs)
        return cls(schemes=schemes, areas=areas, lexicon=Lexicon(packs))

    # --- schemes ----------------------------------------------------------------------------

    def _level(self, scheme_id: str, level_id: str) -> Level:
        scheme = self.schemes.get(scheme_id)
        level = scheme.level(level_id) if scheme else None
        if level is None:
            raise KeyError(f"unknown level {scheme_id}/{level_id}")
        return level

    def level_rank(self, scheme_id: str, level_id: str) -> int:
        """Position of the level in its scheme, 1 = lowest; KeyError when unknown."""
        return self._level(scheme_id, level_id).rank

    def severity_of(self, scheme_id: str, level_id: str) -> Severity:
        return self._level(scheme_id, level_id).severity

    # --- gazetteer --------------------------------------------------------------------------

    def area(self, area_id: str) -> AreaRef | None:
        a = self.areas.get(area_id)
        return AreaRef(a.id, a.name) if a else None

    def parent(self, area_id: str) -> str | None:
        a = self.areas.get(area_id)
        return a.parent if a else None

    def ancestors(self, area_id: str) -> list[str]:
        """Ancestors, nearest first (not including the area itself)."""
        out: list[str] = []
        current = self.parent(area_id)
        while current is not None and current not in out:
            out.append(current)
            current = self.parent(current)
        return out

    def contains(self, ancestor_id: str, area_id: str) -> bool:
        """True when `area_id` is `ancestor_id` or lies inside it."""
        return ancestor_id == area_id or ancestor_id in self.ancestors(area_id)

    def children(self, area_id: str) -> list[str]:
        return list(self._children.get(area_id, ()))

    def parts(self, area_id: str) -> list[str]:
        """The first-level units that together cover the area exactly (its direct children
        that are not `former`), or [] unless its YAML says `subdivisions_complete: true`."""
        a = self.areas.get(area_id)
        if a is None or not a.subdivisions_complete:
            return []
        return [c for c in self.children(area_id) if self.areas[c].kind != "former"]

    def area_name(self, area_id: str, language: str = "en") -> str:
        """Localised name (language or its base, e.g. 'ru-KZ' -> 'ru'): the official name, else
        the first plain alias in that language ("Великобритания"), else the English name."""
        a = self.areas.get(area_id)
        if a is None:
            return area_id.removeprefix("raw:")
        base = language.split("-")[0].lower()
        for lang in (language, base):
            if a.names.get(lang):
                return a.names[lang]
            plain = [p for p in a.aliases.get(lang, []) if not any(c in p for c in "*{")]
            if plain:
                return plain[0]
        return a.name

    def level_name(self, scheme_id: str, level_id: str, language: str = "en") -> str | None:
        """The level's word in `language` for output: its first plain name in that language,
        else the pack's word for its severity ("высокий"); None for a number or unknown level
        (a number reads the same everywhere)."""
        scheme = self.schemes.get(scheme_id)
        level = scheme.level(level_id) if scheme else None
        if level is None or level_id.isdigit():
            return None
        base = language.split("-")[0].lower()
        for words in (level.names, level.adjectives):
            for lang in (language, base):
                plain = [p for p in words.get(lang, []) if "*" not in p and not p.isdigit()]
                if plain:
                    return plain[0]
        return self.severity_word(level.severity, base)

    def severity_word(self, severity: Severity, language: str = "en") -> str | None:
        """The pack's display word for a severity ("hoch", "élevé"), None without a pack."""
        display = self.lexicon.display(language.split("-")[0].lower())
        return display.severity.get(severity.value) if display else None

    def transition_word(self, kind: str, language: str = "en") -> str | None:
        """The pack's display word for a transition ("angehoben", "relevé")."""
        display = self.lexicon.display(language.split("-")[0].lower())
        return display.transitions.get(kind) if display else None  # type: ignore[call-overload]

    def find_area(self, name: str) -> str | None:
        """The area an official name, a plain alias, an id or a code denotes (case-insensitive)."""
        key = fold_phrase(name)
        return self._by_name.get(key) or self._by_code.get(name.strip().upper())

    def area_by_code(self, code: str) -> str | None:
        return self._by_code.get(code.strip().upper())


def _declared_languages(s: SchemeSpec) -> set[str]:
    """The languages a scheme file uses: its `languages` and every key of its word lists."""
    langs = set(s.languages)
    for words in (s.cues, s.markers, s.level_nouns, s.exclude, *s.actions.values()):
        langs.update(words)
    for level in s.levels:
        langs.update(level.names)
        langs.update(level.adjectives)
    return langs - {"any"}


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise CatalogError([f"not a folder: {folder}"], str(folder))
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _validate(path: Path, model: type[_M]) -> _M:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError([f"{where}invalid YAML: {problem}"], str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([f"cannot read: {exc}"], str(path)) from exc
    if not isinstance(data, dict):
        raise CatalogError(["top level must be a mapping"], str(path))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CatalogError([_error_line(e) for e in exc.errors()], str(path)) from exc


def _error_line(error: Any) -> str:
    loc = ""
    for part in error["loc"]:
        loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        msg = "unknown field"
    return f"{loc or '(top)'}: {msg}"


def _expand_region_words(aliases: Words, region_words: Words) -> Words:
    out: Words = {}
    for lang, phrases in aliases.items():
        expanded: list[str] = []
        for phrase in phrases:
            if "{region}" in phrase:
                words = region_words.get(lang) or region_words.get("en") or ["region"]
                expanded.extend(phrase.replace("{region}", w) for w in words)
            else:
                expanded.append(phrase)
        out[lang] = expanded
    return out


def _check_areas(areas: dict[str, Area]) -> None:
    errors: dict[str, list[str]] = {}
    for a in areas.values():
        refs: Iterable[tuple[str, str | None]] = [
            ("parent", a.parent),
            ("twin", a.twin),
            *((f"replaced_by[{i}]", r) for i, r in enumerate(a.replaced_by)),
        ]
        for key, ref in refs:
            if ref is not None and ref not in areas:
                errors.setdefault(a.file, []).append(f"{a.id}.{key}: unknown area id {ref!r}")
        if a.subdivisions_complete:
            parts = [c for c in areas.values() if c.parent == a.id and c.kind != "former"]
            if len(parts) < 2:
                errors.setdefault(a.file, []).append(
                    f"{a.id}.subdivisions_complete: needs at least two child areas that are "
                    f"not 'former', found {len(parts)}"
                )
        seen = {a.id}
        current = a.parent
        while current is not None and current in areas:
            if current in seen:
                errors.setdefault(a.file, []).append(f"{a.id}.parent: cycle through {current!r}")
                break
            seen.add(current)
            current = areas[current].parent
    for file, lines in errors.items():
        raise CatalogError(lines, file)


def level_words(
    level: Level, languages: Iterable[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(names, adjectives) of a level for these languages plus 'any', as (language, phrase)."""
    langs = {*languages, "any"}
    names = [(lang, p) for lang, ps in level.names.items() if lang in langs for p in ps]
    adjs = [(lang, p) for lang, ps in level.adjectives.items() if lang in langs for p in ps]
    return names, adjs

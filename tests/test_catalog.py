"""The scheme and area catalogs: loading, validation messages, gazetteer queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifier.errors import CatalogError
from notifier.extract import Catalog
from notifier.model import AreaRef, Severity

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "config" / "schemes"
AREAS = ROOT / "config" / "areas"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(SCHEMES, AREAS)


def test_kazakhstan_levels_in_order_with_severity(catalog: Catalog) -> None:
    kz = catalog.schemes["kz"]
    assert [level.id for level in kz.levels] == ["yellow", "orange", "red"]
    assert [catalog.severity_of("kz", lv) for lv in ("yellow", "orange", "red")] == [
        Severity.MODERATE,
        Severity.SEVERE,
        Severity.EXTREME,
    ]
    assert [catalog.level_rank("kz", lv) for lv in ("yellow", "orange", "red")] == [1, 2, 3]
    assert kz.country == "KZ"
    assert kz.default_expiry.kind == "stated"


def test_yellow_means_different_things_per_scheme(catalog: Catalog) -> None:
    assert catalog.level_rank("ru", "yellow") == 2
    assert catalog.severity_of("ru", "yellow") is Severity.SEVERE
    assert catalog.severity_of("kz", "yellow") is Severity.MODERATE


def test_every_required_scheme_is_shipped(catalog: Catalog) -> None:
    required = {
        "kz",
        "ru",
        "uk",
        "uk-nirt",
        "us-ntas",
        "fr-vigipirate",
        "nl-nctv",
        "be-ocam",
        "au",
        "cap",
    }
    assert required <= set(catalog.schemes)
    assert catalog.schemes["uk"].default_expiry.kind == "never"
    assert catalog.schemes["us-ntas"].default_expiry.kind == "stated"


def test_unknown_level_raises_key_error(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        catalog.level_rank("kz", "blue")


def test_kazakhstan_gazetteer_is_complete(catalog: Catalog) -> None:
    first_level = {
        a.id for a in catalog.areas.values() if a.parent == "KZ" and a.kind in ("region", "city")
    }
    assert len([a for a in first_level if catalog.areas[a].kind == "region"]) == 17
    assert {"KZ-ALA", "KZ-AST", "KZ-SHY"} <= first_level
    assert {"KZ-10", "KZ-33", "KZ-62"} <= first_level  # Abai, Jetisu, Ulytau (2022)


def test_gazetteer_queries(catalog: Catalog) -> None:
    assert catalog.area("KZ-AKT-AKTOBE") == AreaRef("KZ-AKT-AKTOBE", "Aktobe")
    assert catalog.area("XX-NOPE") is None
    assert catalog.parent("KZ-AKT-AKTOBE") == "KZ-AKT"
    assert catalog.ancestors("KZ-AKT-AKTOBE") == ["KZ-AKT", "KZ"]
    assert catalog.contains("KZ", "KZ-AKT-AKTOBE")
    assert catalog.contains("KZ-AKT", "KZ-AKT")
    assert not catalog.contains("KZ-AKT", "KZ-ALA")
    assert catalog.area_name("KZ-AKT-AKTOBE", "ru") == "Актобе"
    assert catalog.area_name("KZ-AKT-AKTOBE", "kk-KZ") == "Ақтөбе"
    assert catalog.area_name("KZ-AKT-AKTOBE", "de") == "Aktobe"


def test_names_aliases_and_codes_resolve(catalog: Catalog) -> None:
    assert catalog.find_area("Aktobe Region") == "KZ-AKT"
    assert catalog.find_area("Nur-Sultan") == "KZ-AST"
    assert catalog.find_area("Aktyubinsk") == "KZ-AKT-AKTOBE"
    assert catalog.find_area("ЗКО") == "KZ-ZAP"
    assert catalog.area_by_code("KZ-15") == "KZ-AKT"


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def _minimal(tmp_path: Path) -> tuple[Path, Path]:
    schemes, areas = tmp_path / "schemes", tmp_path / "areas"
    _write(areas, "a.yaml", "areas:\n  - {id: KZ, kind: country, names: {en: Kazakhstan}}\n")
    return schemes, areas


def test_bad_severity_names_file_and_path(tmp_path: Path) -> None:
    schemes, areas = _minimal(tmp_path)
    _write(
        schemes,
        "x.yaml",
        "id: x\nname: X\nissuer: I\nlanguages: [en]\nareas: [KZ]\ncues: {}\nlevel_nouns: {}\n"
        "levels:\n  - {id: a, severity: minor, names: {}}\n  - {id: b, severity: huge, names: {}}\n",
    )
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)
    assert err.value.file == str(schemes / "x.yaml")
    assert len(err.value.errors) == 1
    assert err.value.errors[0].startswith("levels[1].severity: Input should be 'minor'")


def test_unknown_field_and_unknown_area_are_reported(tmp_path: Path) -> None:
    schemes, areas = _minimal(tmp_path)
    _write(
        schemes,
        "x.yaml",
        "id: x\nname: X\nissuer: I\nlanguages: [en]\nareas: [KZ]\ncues: {}\nlevel_nouns: {}\ncolour: red\n"
        "levels:\n  - {id: a, severity: minor, names: {}}\n",
    )
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)
    assert err.value.errors == ["colour: unknown field"]
    _write(
        schemes,
        "x.yaml",
        "id: x\nname: X\nissuer: I\nlanguages: [en]\nareas: [ZZ]\ncues: {}\nlevel_nouns: {}\n"
        "levels:\n  - {id: a, severity: minor, names: {}}\n  - {id: a, severity: minor, names: {}}\n",
    )
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)
    assert err.value.errors == [
        "levels[1].id: duplicate level id 'a'",
        "areas[0]: unknown area id 'ZZ'",
    ]


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    schemes, areas = _minimal(tmp_path)
    _write(schemes, "x.yaml", "id: x\nlevels: [\n")
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)
    assert err.value.errors[0].startswith("line 3, column 1: invalid YAML")


def test_area_parent_must_exist(tmp_path: Path) -> None:
    schemes, areas = tmp_path / "schemes", tmp_path / "areas"
    schemes.mkdir()
    _write(areas, "a.yaml", "areas:\n  - {id: KZ-X, parent: KZ, kind: region, names: {en: X}}\n")
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)
    assert err.value.errors == ["KZ-X.parent: unknown area id 'KZ'"]


def test_parts_of_kazakhstan_are_its_twenty_first_level_units(catalog: Catalog) -> None:
    parts = catalog.parts("KZ")
    assert len(parts) == 20
    assert {"KZ-AKT", "KZ-10", "KZ-33", "KZ-62", "KZ-AST", "KZ-ALA", "KZ-SHY"} <= set(parts)
    # not the cities inside oblasts, not the former South Kazakhstan Region
    assert "KZ-AKT-AKTOBE" not in parts
    assert "KZ-SOUTH-KAZAKHSTAN" not in parts
    assert sum(1 for p in parts if catalog.areas[p].kind == "city") == 3


def test_parts_is_empty_unless_declared_complete(catalog: Catalog) -> None:
    assert catalog.parts("KZ-AKT") == []  # only a few of its cities are known
    assert catalog.parts("RU") == []
    assert catalog.parts("NOWHERE") == []


def test_subdivisions_complete_needs_children(tmp_path: Path) -> None:
    schemes, areas = tmp_path / "schemes", tmp_path / "areas"
    schemes.mkdir()
    _write(
        areas,
        "a.yaml",
        "areas:\n"
        "  - {id: XX, kind: country, names: {en: X}, subdivisions_complete: true}\n"
        "  - {id: XX-A, parent: XX, kind: region, names: {en: A}}\n",
    )
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)
    assert err.value.errors == [
        "XX.subdivisions_complete: needs at least two child areas that are not 'former', found 1"
    ]


# --- language packs: coverage of every language a scheme declares ---------------------------

_SCHEME = (
    "id: x\nname: X\nissuer: I\nlanguages: [en]\nareas: [KZ]\ncues: {{}}\nlevel_nouns: {{}}\n"
    "levels:\n  - {{id: a, severity: minor, names: {{{names}}}}}\n"
)


def test_a_language_without_pack_names_scheme_file_and_language(tmp_path: Path) -> None:
    schemes, areas = _minimal(tmp_path)
    _write(schemes, "x.yaml", _SCHEME.format(names="en: [red], sw: [nyekundu]"))
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)
    assert err.value.file == str(schemes / "x.yaml")
    assert err.value.errors == ["language 'sw': no language pack (config/languages/sw.yaml)"]


def test_a_pack_missing_a_section_names_scheme_language_and_section(tmp_path: Path) -> None:
    schemes, areas = _minimal(tmp_path)
    _write(schemes, "x.yaml", _SCHEME.format(names="en: [red], de: [rot]"))
    languages = tmp_path / "languages"
    languages.mkdir()
    for pack in (ROOT / "config" / "languages").glob("*.yaml"):
        (languages / pack.name).write_text(pack.read_text(encoding="utf-8"), encoding="utf-8")
    de = languages / "de.yaml"
    kept = [
        ln for ln in de.read_text(encoding="utf-8").splitlines() if not ln.startswith("negation:")
    ]
    de.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas)  # the sibling languages/ folder is used
    assert err.value.file == str(schemes / "x.yaml")
    assert err.value.errors == [f"language 'de': language pack {de} lacks section 'negation'"]


def test_a_pack_with_an_unknown_section_or_wrong_code_is_refused(tmp_path: Path) -> None:
    schemes, areas = _minimal(tmp_path)
    languages = tmp_path / "languages"
    _write(languages, "en.yaml", "code: en\nname: English\nnegatoin: [not]\n")
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas, languages)
    assert err.value.errors == ["negatoin: Extra inputs are not permitted"]
    _write(languages, "en.yaml", "code: de\nname: English\n")
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas, languages)
    assert err.value.errors == ["code: 'de' does not match the file name 'en.yaml'"]


def test_every_shipped_pack_is_complete(catalog: Catalog) -> None:
    required = {"kk", "ru", "uk", "en", "fr", "nl", "de", "it", "es", "sv", "nb", "da"}
    packs = catalog.lexicon.packs
    assert required <= set(packs)
    assert {code: pack.missing() for code, pack in packs.items() if pack.missing()} == {}
    # one table serves levels, scales and dates
    assert catalog.lexicon.months()["marz"] == 3  # "März", folded
    assert catalog.lexicon.numbers()["vier"] == 4


def test_the_agreed_pack_format_validates(tmp_path: Path) -> None:
    """The example of PACKS.md (the format agreed between helpers) is a complete pack."""
    from notifier.extract.packs import load_packs

    languages = tmp_path / "languages"
    _write(
        languages,
        "de.yaml",
        """code: de
name: Deutsch
actions:
  set: [ausgerufen, eingeführt, verhängt, "gilt ab"]
  raise: [angehoben, erhöht, heraufgesetzt, "hochgestuft"]
  lower: [gesenkt, herabgesetzt, abgesenkt]
  extend: [verlängert, "gilt weiter"]
  lift: [aufgehoben, beendet]
negation: [nicht, kein*, "nie"]
modality: [könnte, "sollte", erwägt, "ob", "falls", "wenn"]
history: [damals, "seit * galt", ehemals]
definitions: [bedeutet, "steht für", "gibt es"]
unchanged: [bleibt, unverändert, beibehalten]
reported_by: [sagte, "teilte mit", laut, "nach Angaben"]
from_to: {from: [von], to: [auf, zu]}
numbers: {eins: 1, zwei: 2, drei: 3, vier: 4, fünf: 5}
months: {januar: 1, jänner: 1, februar: 2}
units: {hour: [stunde*], day: [tag, tage, tagen], week: [woche*], month: [monat*], year: [jahr*]}
nationwide: ["im ganzen land", landesweit, bundesweit]
display:
  severity: {minor: gering, moderate: mäßig, severe: hoch, extreme: extrem}
  transitions: {issued: ausgerufen, raised: angehoben, lowered: gesenkt, extended: verlängert,
                lifted: aufgehoben, expired: abgelaufen}
replies:
  help: "notifier: Gefährdungsstufen. STOP beendet, START setzt fort."
  join_help: " JOIN <Gebiet> folgt einem Gebiet, LEAVE beendet."
  stopped: "Keine Meldungen mehr. START setzt fort."
  resumed: "Meldungen fortgesetzt. STOP beendet."
  joined: "Sie folgen {area}. LEAVE beendet."
  already: "Sie folgen {area} bereits. LEAVE beendet."
  unknown_area: "„{text}“ kenne ich nicht. Z. B. {command} Deutschland"
  which_area: "Welches Gebiet? Z. B. JOIN Deutschland"
  left: "{count} beendet."
  left_none: "Sie folgen keinem Gebiet."
  cannot: "{phone} kann keine SMS erhalten."
  join_limit: "Höchstens {limit} Gebiete am Tag."
""",
    )
    pack = load_packs(languages)["de"]
    assert pack.missing() == []
    assert pack.spec.actions is not None and pack.spec.actions.raise_ == [
        "angehoben",
        "erhöht",
        "heraufgesetzt",
        "hochgestuft",
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("code: en\nname: [unclosed\n", "cannot read language pack"),
        ("- just\n- a list\n", "top level must be a mapping"),
        (
            "code: en\nname: English\nnumbers: {one: many}\n",
            "numbers.one: Input should be a valid integer",
        ),
        (
            "code: en\nname: English\nunits: {fortnight: [fortnight]}\n",
            "units.fortnight.[key]: Input should be",
        ),
    ],
)
def test_a_malformed_pack_is_refused_with_its_file_and_path(
    tmp_path: Path, text: str, error: str
) -> None:
    schemes, areas = _minimal(tmp_path)
    languages = tmp_path / "languages"
    _write(languages, "en.yaml", text)
    with pytest.raises(CatalogError) as err:
        Catalog.load(schemes, areas, languages)
    assert err.value.file == str(languages / "en.yaml")
    assert err.value.errors[0].startswith(error), err.value.errors

"""The further European schemes (dk, fi, pl, pl-crp, cz, sk, lv, lt, at, lu, pt, ro, md, bg, ua,
hu):
levels and severities as documented, local area names, and one clear announcement in English and
in the issuer's language read by the current extractor, with a weather look-alike that is not.
Every issuer's language is read (the packs' everyday words identify pt, ro, bg and hu texts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from notifier.extract import Catalog, Extractor
from notifier.model import Document, Severity
from tests.extracting import tuples

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ROOT / "config" / "languages"
MINOR, MODERATE, SEVERE, EXTREME = (
    Severity.MINOR,
    Severity.MODERATE,
    Severity.SEVERE,
    Severity.EXTREME,
)

# scheme -> (level ids low to high, their severities, default expiry, country)
LEVELS: dict[str, tuple[list[str], list[Severity], str, str]] = {
    "dk": (
        ["none", "limited", "general", "serious", "very serious"],
        [MINOR, MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "DK",
    ),
    "fi": (["1", "2", "3", "4"], [MINOR, MODERATE, SEVERE, EXTREME], "never", "FI"),
    "pl": (
        ["ALFA", "BRAVO", "CHARLIE", "DELTA"],
        [MINOR, MODERATE, SEVERE, EXTREME],
        "stated",
        "PL",
    ),
    "pl-crp": (
        ["ALFA-CRP", "BRAVO-CRP", "CHARLIE-CRP", "DELTA-CRP"],
        [MINOR, MODERATE, SEVERE, EXTREME],
        "stated",
        "PL",
    ),
    "cz": (["A", "B", "C", "D"], [MINOR, MODERATE, SEVERE, EXTREME], "stated", "CZ"),
    "sk": (["1", "2", "3", "4"], [MINOR, MODERATE, SEVERE, EXTREME], "never", "SK"),
    "lv": (
        ["low", "elevated", "high", "especially high"],
        [MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "LV",
    ),
    "lt": (
        ["1", "2", "3", "4", "5"],
        [MINOR, MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "LT",
    ),
    "at": (
        ["1", "2", "3", "4", "5"],
        [MINOR, MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "AT",
    ),
    "lu": (["1", "2", "3", "4"], [MINOR, MODERATE, SEVERE, EXTREME], "stated", "LU"),
    "pt": (
        ["reduced", "moderate", "significant", "high", "imminent"],
        [MINOR, MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "PT",
    ),
    "ro": (
        ["low", "precautionary", "high", "critical"],
        [MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "RO",
    ),
    "md": (
        ["low", "moderate", "high", "critical"],
        [MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "MD",
    ),
    "bg": (
        ["green", "yellow", "orange", "red"],
        [MINOR, MODERATE, SEVERE, EXTREME],
        "never",
        "BG",
    ),
    "ua": (["grey", "blue", "yellow", "red"], [MINOR, MODERATE, SEVERE, EXTREME], "stated", "UA"),
    "hu": (["4", "3", "2", "1"], [MINOR, MODERATE, SEVERE, EXTREME], "never", "HU"),
}


@pytest.mark.parametrize("scheme_id", sorted(LEVELS))
def test_levels_rank_and_map_to_severity(catalog: Catalog, scheme_id: str) -> None:
    ids, severities, expiry, country = LEVELS[scheme_id]
    scheme = catalog.schemes[scheme_id]
    assert [level.id for level in scheme.levels] == ids
    assert [catalog.level_rank(scheme_id, i) for i in ids] == list(range(1, len(ids) + 1))
    assert [catalog.severity_of(scheme_id, i) for i in ids] == severities
    assert scheme.default_expiry.kind == expiry
    assert scheme.country == country
    assert scheme.areas == (country,)


def test_the_scheme_follows_the_issuer_not_the_colour(catalog: Catalog) -> None:
    # yellow: 2 of 4 in Bulgaria, 3 of 4 for the SBU, 2 of 3 in Russia, 1 of 3 in Kazakhstan
    assert catalog.level_rank("bg", "yellow") == 2
    assert catalog.level_rank("ua", "yellow") == 3
    assert catalog.severity_of("ua", "yellow") is SEVERE
    assert catalog.severity_of("bg", "yellow") is MODERATE
    # Hungary numbers its levels downwards: 1 is the critical one
    assert catalog.level_rank("hu", "1") == 4
    # Portugal numbers its degrees downwards: "grau 3" is significant, the middle one
    pt = catalog.schemes["pt"]
    assert pt.level("significant") is not None
    assert "grau 3" in pt.level("significant").names["pt"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "area_id"),
    [
        ("Danmark", "DK"),
        ("København", "DK-84-COPENHAGEN"),
        ("Suomi", "FI"),
        ("Helsingfors", "FI-18-HELSINKI"),
        ("Polska", "PL"),
        ("Warszawa", "PL-14-WARSAW"),
        ("województwo podkarpackie", "PL-18"),
        ("woj. lubelskiego", "PL-06"),
        ("Česko", "CZ"),
        ("Praha", "CZ-10"),
        ("Slovensko", "SK"),
        ("Bratislava", "SK-BL-BRATISLAVA"),
        ("Latvija", "LV"),
        ("Rīga", "LV-RIX"),
        ("Lietuva", "LT"),
        ("Vilnius", "LT-VL-VILNIUS"),
        ("Österreich", "AT"),
        ("Wien", "AT-9"),
        ("Luxemburg", "LU"),
        ("Lisboa", "PT-11-LISBON"),
        ("România", "RO"),
        ("București", "RO-B"),
        ("Republica Moldova", "MD"),
        ("Кишинёв", "MD-CU"),
        ("България", "BG"),
        ("София", "BG-22"),
        ("Львівська область", "UA-46"),
        ("Донецкая область", "UA-14"),
        ("Kharkiv Oblast", "UA-63"),
        ("Київ", "UA-30"),
        ("Magyarország", "HU"),
        ("Budapest", "HU-BU"),
    ],
)
def test_local_names_resolve(catalog: Catalog, name: str, area_id: str) -> None:
    assert catalog.find_area(name) == area_id


def test_kyiv_city_and_kyiv_oblast_are_twins(catalog: Catalog) -> None:
    assert catalog.areas["UA-30"].twin == "UA-32"
    assert catalog.find_area("Київська область") == "UA-32"
    assert catalog.area_name("UA-46", "uk") == "Львівська область"
    assert catalog.area_name("UA-46", "ru") == "Львовская область"


# (text, expected announcements): one clear announcement per scheme, in English and in the
# issuer's language; sentences written for these tests.
ANNOUNCEMENTS = [
    pytest.param(
        "PET has raised the terror threat level for Denmark to very serious.",
        [("dk", "DK", "very serious", "set")],
        id="dk-en",
    ),
    pytest.param(
        "PET har hævet terrortrusselsniveauet i Danmark til meget alvorlig.",
        [("dk", "DK", "very serious", "set")],
        id="dk-da",
    ),
    pytest.param(
        "Finland's Supo raised the terrorist threat level to high, level 3 on a four-level scale.",
        [("fi", "FI", "3", "set")],
        id="fi-en",
    ),
    pytest.param(
        "Supo nosti terrorismin uhkatason Suomessa tasolle korkea.",
        [("fi", "FI", "3", "set")],
        id="fi-fi",
    ),
    pytest.param(
        "Poland's prime minister introduced the third alert level CHARLIE nationwide over a "
        "terrorist threat.",
        [("pl", "PL", "CHARLIE", "set")],
        id="pl-en",
    ),
    pytest.param(
        "Premier wprowadził trzeci stopień alarmowy CHARLIE na terenie całego kraju.",
        [("pl", "PL", "CHARLIE", "set")],
        id="pl-pl",
    ),
    pytest.param(
        "Poland introduced the BRAVO-CRP alert level over the threat of cyber attacks.",
        [("pl-crp", "PL", "BRAVO-CRP", "set")],
        id="pl-crp-en",
    ),
    pytest.param(
        "Premier wprowadził stopień alarmowy BRAVO-CRP na terenie całego kraju z powodu "
        "zagrożenia w cyberprzestrzeni.",
        [("pl-crp", "PL", "BRAVO-CRP", "set")],
        id="pl-crp-pl",
    ),
    pytest.param(
        "Poland introduced the BRAVO alert level nationwide over terrorist threats. It also "
        "introduced the CHARLIE-CRP level over the threat of cyber attacks.",
        [("pl", "PL", "BRAVO", "set"), ("pl-crp", "PL", "CHARLIE-CRP", "set")],
        id="pl-both-en",
    ),
    pytest.param(
        "The Czech government lowered the terrorism threat level from C to B.",
        [("cz", "CZ", "B", "set")],
        id="cz-en",
    ),
    pytest.param(
        "Vláda vyhlásila stupeň ohrožení terorismem C v České republice.",
        [("cz", "CZ", "C", "set")],
        id="cz-cs",
    ),
    pytest.param(
        "Slovakia raised its terrorist threat level to high, the third of four.",
        [("sk", "SK", "3", "set")],
        id="sk-en",
    ),
    pytest.param(
        "Minister vnútra zvýšil stupeň teroristického ohrozenia na Slovensku na tretí stupeň.",
        [("sk", "SK", "3", "set")],
        id="sk-sk",
    ),
    pytest.param(
        "Latvia raised its terrorism threat level to high (orange).",
        [("lv", "LV", "high", "set")],
        id="lv-en",
    ),
    pytest.param(
        "Iekšlietu ministrs izsludināja augstu terorisma draudu līmeni Latvijā.",
        [("lv", "LV", "high", "set")],
        id="lv-lv",
    ),
    pytest.param(
        "Lithuania's government raised the terrorist threat level to the third level.",
        [("lt", "LT", "3", "set")],
        id="lt-en",
    ),
    pytest.param(
        "Vyriausybė pakėlė teroro akto grėsmės lygį Lietuvoje iki trečiojo.",
        [("lt", "LT", "3", "set")],
        id="lt-lt",
    ),
    pytest.param(
        "Austria raised its terror warning level to 5, the highest.",
        [("at", "AT", "5", "set")],
        id="at-en",
    ),
    pytest.param(
        "Österreich hat die Terrorwarnstufe von 4 auf 5 erhöht.",
        [("at", "AT", "5", "set")],
        id="at-de",
    ),
    pytest.param(
        "Luxembourg raised its Vigilnat alert level to 3.",
        [("lu", "LU", "3", "set")],
        id="lu-en",
    ),
    pytest.param(
        "Le gouvernement a relevé le niveau d'alerte Vigilnat à 3 au Luxembourg.",
        [("lu", "LU", "3", "set")],
        id="lu-fr",
    ),
    pytest.param(
        "Portugal raised its terrorist threat level to high.",
        [("pt", "PT", "high", "set")],
        id="pt-en",
    ),
    pytest.param(
        "Portugal elevou o grau de ameaça terrorista para elevado.",
        [("pt", "PT", "high", "set")],
        id="pt-pt",
    ),
    pytest.param(
        "Romania's SRI raised the terrorist alert level to high.",
        [("ro", "RO", "high", "set")],
        id="ro-en",
    ),
    pytest.param(
        "SRI a ridicat nivelul de alertă teroristă la ridicat în România.",
        [("ro", "RO", "high", "set")],
        id="ro-ro",
    ),
    pytest.param(
        "Moldova's SIS set the orange terrorist alert code.",
        [("md", "MD", "high", "set")],
        id="md-en",
    ),
    pytest.param(
        "SIS a stabilit nivelul ridicat (cod portocaliu) de alertă teroristă pe teritoriul "
        "Republicii Moldova.",
        [("md", "MD", "high", "set")],
        id="md-ro",
    ),
    pytest.param(
        "Bulgaria declared the orange counter-terrorism readiness level.",
        [("bg", "BG", "orange", "set")],
        id="bg-en",
    ),
    pytest.param(
        "Министерският съвет обяви оранжева степен на готовност за противодействие на "
        "тероризма в България.",
        [("bg", "BG", "orange", "set")],
        id="bg-bg",
    ),
    pytest.param(
        "The SBU set the red terrorist threat level in Kharkiv Oblast.",
        [("ua", "UA-63", "red", "set")],
        id="ua-en",
    ),
    pytest.param(
        "СБУ установила красный уровень террористической угрозы в Харьковской области.",
        [("ua", "UA-63", "red", "set")],
        id="ua-ru",
    ),
    pytest.param(
        "СБУ установила красный уровень террористической угрозы в Донецкой и Луганской "
        "областях и в Крыму.",
        [
            ("ua", "UA-09", "red", "set"),
            ("ua", "UA-14", "red", "set"),
            ("ua", "UA-43", "red", "set"),
        ],
        id="ua-ru-three-areas",
    ),
    pytest.param(
        "СБУ встановила червоний рівень терористичної загрози у Харківській області.",
        [("ua", "UA-63", "red", "set")],
        id="ua-uk",
    ),
    pytest.param(
        "Hungary raised its terror threat level to critical, TEK said.",
        [("hu", "HU", "1", "set")],
        id="hu-en",
    ),
    pytest.param(
        "A belügyminiszter elrendelte a 2-es terrorfenyegetettségi fokozatot Magyarországon.",
        [("hu", "HU", "2", "set")],
        id="hu-hu",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ANNOUNCEMENTS)
def test_a_clear_announcement_is_read(
    extractor: Extractor, text: str, expected: list[tuple[str, str, str, str]]
) -> None:
    assert tuples(extractor, text) == expected


# Weather, flood and avalanche warnings with colours and degrees, in each issuer's language.
LOOK_ALIKES = [
    "DMI udsender et varsel om meget alvorligt vejr med storm i Danmark.",
    "Ilmatieteen laitos antoi Helsingissä korkean tason varoituksen myrskystä.",
    "IMGW wydał ostrzeżenie trzeciego stopnia przed burzami w województwie podkarpackim.",
    "ČHMÚ vydal výstrahu třetího stupně před silnými bouřkami v Praze.",
    "SHMÚ vydal výstrahu tretieho stupňa pred búrkami v Bratislave.",
    "Sinoptiķi Rīgā izsludināja oranžo brīdinājumu par stipru vēju.",
    "Sinoptikai Vilniuje paskelbė trečiojo lygio perspėjimą dėl audros.",
    "In Tirol gilt Lawinenwarnstufe 4 von 5.",
    "In Wien gilt die Unwetterwarnstufe Orange wegen Sturm.",
    "MeteoLux a émis une alerte orange aux orages pour le Luxembourg.",
    "O IPMA colocou Lisboa sob aviso laranja devido ao calor.",
    "ANM a emis cod portocaliu de caniculă pentru București.",
    "Meteorologii au emis cod galben de ploi în Republica Moldova.",
    "НИМХ обяви оранжев код за силен вятър в София.",
    "Укргідрометцентр оголосив червоний рівень небезпеки через сильний вітер у Львівській області.",
    "Az OMSZ harmadfokú figyelmeztetést adott ki a hőség miatt Budapesten.",
    "Latvia's weather service issued an orange warning for strong winds in Riga.",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_weather_look_alike_is_not_an_announcement(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


def test_a_russian_region_bordering_ukraine_stays_russian(extractor: Extractor) -> None:
    text = (
        "Жёлтый уровень террористической опасности введён в Курской области, граничащей с Украиной."
    )
    assert tuples(extractor, text) == [("ru", "RU-KRS", "yellow", "set")]


def test_a_change_keeps_its_previous_level(extractor: Extractor) -> None:
    doc = Document(
        source_id="t",
        id="d",
        text="The SBU lowered the terrorist threat level in Lviv Oblast from blue to grey.",
        published=datetime(2024, 5, 2, tzinfo=UTC),
    )
    [got] = extractor.extract(doc)
    assert (got.scheme, got.area.id, got.level, got.previous_level) == (
        "ua",
        "UA-46",
        "grey",
        "blue",
    )
    assert got.severity is MINOR


def test_a_stated_end_date_becomes_the_expiry(extractor: Extractor) -> None:
    doc = Document(
        source_id="t",
        id="d",
        text="Poland's prime minister introduced the BRAVO alert level nationwide over the "
        "terrorist threat until 31 May 2025.",
        published=datetime(2025, 5, 2, tzinfo=UTC),
    )
    [got] = extractor.extract(doc)
    assert (got.scheme, got.level) == ("pl", "BRAVO")
    assert got.expires is not None
    assert got.expires.date().isoformat() == "2025-05-31"


# --- language packs written here (the engine helper owns the model; see PACKS.md) ---------

ENGINE_PACKS = {"kk", "ru", "uk", "en", "fr", "nl", "de", "it", "es", "sv", "nb", "da"}
# he: for the existing il-nsc-travel scheme
OUR_PACKS = {"pl", "fi", "cs", "sk", "lv", "lt", "pt", "ro", "bg", "hu", "he"}


def _declared(scheme_file: Path) -> set[str]:
    data = yaml.safe_load(scheme_file.read_text(encoding="utf-8"))
    langs = set(data["languages"])
    for key in ("cues", "markers", "level_nouns", "exclude"):
        langs |= set(data.get(key) or {})
    for level in data["levels"]:
        langs |= set(level.get("names") or {}) | set(level.get("adjectives") or {})
    return langs - {"any"}


@pytest.mark.parametrize(
    "scheme_file", sorted((ROOT / "config" / "schemes").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_declared_language_has_a_pack(scheme_file: Path) -> None:
    scheme_id = scheme_file.stem
    declared = _declared(scheme_file)
    missing = declared - ENGINE_PACKS - OUR_PACKS
    assert not missing, f"{scheme_id} declares languages without a pack: {sorted(missing)}"
    for code in declared & OUR_PACKS:
        assert (LANGUAGES / f"{code}.yaml").is_file()


PACK_KEYS = [
    "code", "name", "actions", "negation", "modality", "history", "definitions", "unchanged",
    "reported_by", "from_to", "numbers", "months", "units", "nationwide", "display",
]  # fmt: skip


@pytest.mark.parametrize("code", sorted(OUR_PACKS))
def test_our_packs_have_every_section_of_the_agreed_format(code: str) -> None:
    data = yaml.safe_load((LANGUAGES / f"{code}.yaml").read_text(encoding="utf-8"))
    # the agreed sections first, in order; optional engine sections (stopwords ...) may follow
    assert list(data)[: len(PACK_KEYS)] == PACK_KEYS
    assert data["code"] == code
    assert set(data["actions"]) == {"set", "raise", "lower", "extend", "lift"}
    assert set(data["from_to"]) == {"from", "to"}
    assert set(data["units"]) == {"hour", "day", "week", "month", "year"}
    assert set(data["display"]["severity"]) == {"minor", "moderate", "severe", "extreme"}
    assert set(data["display"]["transitions"]) == {
        "issued", "raised", "lowered", "extended", "lifted", "expired",
    }  # fmt: skip
    assert set(data["months"].values()) == set(range(1, 13))
    assert {1, 2, 3, 4, 5} <= set(data["numbers"].values())
    lists = [
        *data["actions"].values(), *data["from_to"].values(), *data["units"].values(),
        *(data[k] for k in ("negation", "modality", "history", "definitions", "unchanged",
                            "reported_by", "nationwide")),
    ]  # fmt: skip
    for phrases in lists:
        assert phrases, f"{code}: an empty list"
        assert all(isinstance(p, str) and p.strip() == p and p for p in phrases)

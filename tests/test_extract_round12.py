"""Error kinds of blind round 12, each a rule tested in every pack language it applies to.

Named after the rule (README, "Extraction, schemes and areas"): a novelty ("for the first time
since 2014") is no history; a clause dated weeks before the document is history; a scheme's
levels in the languages the world's press reports them in (US HSAS colours); an abbreviation's
point ends no sentence; an end date in the text's own words ("do 15 marca", "bis Ende August")
and the end of a month. Every sentence was written for this file (none is a corpus text).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.extract import Extractor
from notifier.model import Document
from tests.extracting import D2024, tuples
from tests.test_extract_kinds import _cases

# --- novelty: "for the first time since 2014" is today's news, not the level's history ---------
NOVELTY = {
    "en": [
        (
            "Britain lowered its terrorism threat level to substantial for the first time since "
            "2014, the Home Office said.",
            ("uk", "GB", "substantial", "set"),
        )
    ],
    "ru": [
        (
            "Впервые с 2014 года в Актобе введен желтый уровень террористической опасности.",
            ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
        )
    ],
    "kk": [
        (
            "Ақтөбе қаласында алғаш рет сары деңгейдегі террористік қауіп енгізілді.",
            ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
        )
    ],
    "uk": [
        (
            "В Актобе вперше з 2016 року запроваджено жовтий рівень терористичної загрози.",
            ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
        )
    ],
    "fr": [
        (
            "Pour la première fois depuis 2015, l'OCAM a abaissé le niveau de la menace "
            "terroriste en Belgique à 2.",
            ("be-ocam", "BE", "2", "set"),
        )
    ],
    "nl": [
        (
            "De NCTV heeft het dreigingsniveau voor het eerst sinds 2019 verhoogd naar 4.",
            ("nl-nctv", "NL", "4", "set"),
        )
    ],
    "de": [
        (
            "Großbritannien hat die Terrorwarnstufe erstmals seit 2014 auf erheblich gesenkt.",
            ("uk", "GB", "substantial", "set"),
        )
    ],
    "it": [
        (
            "Il Regno Unito ha abbassato il livello di minaccia terroristica a sostanziale per la "
            "prima volta dal 2014.",
            ("uk", "GB", "substantial", "set"),
        )
    ],
    "es": [
        (
            "Por primera vez desde 2015, Interior ha elevado el nivel de alerta antiterrorista "
            "en España a 5.",
            ("es", "ES", "5", "set"),
        )
    ],
    "sv": [
        (
            "Säpo sänker terrorhotnivån till 3 för första gången sedan 2023.",
            ("se", "SE", "3", "set"),
        )
    ],
    "nb": [
        (
            "PST har for første gang siden 2019 hevet terrortrusselnivået i Norge til 4.",
            ("no", "NO", "4", "set"),
        )
    ],
    "da": [
        (
            "PET har for første gang siden 2010 sænket terrortrusselsniveauet i Danmark til "
            "generel.",
            ("dk", "DK", "general", "set"),
        )
    ],
}


@pytest.mark.parametrize(("text", "expected"), _cases(NOVELTY))
def test_novelty_is_no_history(extractor: Extractor, text: str, expected: tuple) -> None:
    assert tuples(extractor, text) == [expected]


# --- a clause dated weeks before the document is history ---------------------------------------
# Each text is read twice in a document of 2 May 2024: dated 3 March it is background, dated
# 29 April it is the news (the template's {day} is filled in).
DATED = {
    "en": [
        (
            "Britain raised its terrorism threat level to severe on {day}.",
            ("3 March", "29 April"),
            ("uk", "GB", "severe", "set"),
        )
    ],
    "ru": [
        (
            "{day} в Актобе ввели желтый уровень террористической опасности.",
            ("3 марта", "29 апреля"),
            ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
        )
    ],
    "kk": [
        (
            "{day} Ақтөбе қаласында террористік қауіптің сары деңгейі енгізілді.",
            ("3 наурызда", "29 сәуірде"),
            ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
        )
    ],
    "uk": [
        (
            "{day} в Актобе запровадили жовтий рівень терористичної загрози.",
            ("3 березня", "29 квітня"),
            ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
        )
    ],
    "fr": [
        (
            "Le {day}, l'OCAM a relevé le niveau de la menace terroriste en Belgique à 3.",
            ("3 mars", "29 avril"),
            ("be-ocam", "BE", "3", "set"),
        )
    ],
    "nl": [
        (
            "Op {day} verhoogde de NCTV het dreigingsniveau naar 4.",
            ("3 maart", "29 april"),
            ("nl-nctv", "NL", "4", "set"),
        )
    ],
    "de": [
        (
            "Am {day} hob Großbritannien die Terrorwarnstufe auf ernst an.",
            ("3. März", "29. April"),
            ("uk", "GB", "severe", "set"),
        )
    ],
    "it": [
        (
            "Il {day} il Regno Unito ha alzato il livello di minaccia terroristica a grave.",
            ("3 marzo", "29 aprile"),
            ("uk", "GB", "severe", "set"),
        )
    ],
    "es": [
        (
            "El {day}, Interior elevó el nivel de alerta antiterrorista en España a 5.",
            ("3 de marzo", "29 de abril"),
            ("es", "ES", "5", "set"),
        )
    ],
    "sv": [
        (
            "Den {day} höjde Säpo terrorhotnivån i Sverige till 4.",
            ("3 mars", "29 april"),
            ("se", "SE", "4", "set"),
        )
    ],
    "nb": [
        (
            "Den {day} hevet PST terrortrusselnivået i Norge til 4.",
            ("3. mars", "29. april"),
            ("no", "NO", "4", "set"),
        )
    ],
    "da": [
        (
            "Den {day} sænkede PET terrortrusselsniveauet i Danmark fra alvorlig til generel.",
            ("3. marts", "29. april"),
            ("dk", "DK", "general", "set"),
        )
    ],
}


@pytest.mark.parametrize(
    ("text", "days", "expected"),
    [pytest.param(*row, id=lang) for lang, rows in DATED.items() for row in rows],
)
def test_a_clause_dated_weeks_before_the_document_is_history(
    extractor: Extractor, text: str, days: tuple[str, str], expected: tuple
) -> None:
    old, recent = days
    assert tuples(extractor, text.format(day=old)) == []
    assert tuples(extractor, text.format(day=recent)) == [expected]
    assert tuples(extractor, text.format(day=old), None) == [expected]  # undated: not judged


def test_a_weekday_is_no_month(extractor: Extractor) -> None:
    # "4 mardi" once read as 4 March ("mar" + "di"), dating the sentence weeks back
    text = "La Belgique a relevé le niveau de la menace terroriste à 4 mardi."
    assert tuples(extractor, text) == [("be-ocam", "BE", "4", "set")]


# --- a scheme's levels in the languages the world's press reported them in ---------------------
D2003 = datetime(2003, 5, 20, tzinfo=UTC)
HSAS = {
    "en": "The United States raised its terrorism alert level to orange on Tuesday.",
    "pt": "Os Estados Unidos elevaram o nível de alerta contra o terrorismo para laranja.",
    "es": "Estados Unidos elevó el nivel de alerta antiterrorista a naranja.",
    "fr": "Les États-Unis ont relevé leur niveau d'alerte terroriste à orange.",
    "de": "Die USA haben die Terrorwarnstufe auf Orange angehoben.",
    "it": "Gli Stati Uniti hanno alzato il livello di allerta terrorismo ad arancione.",
    "nl": "De Verenigde Staten hebben het alarmniveau voor terreur verhoogd naar oranje.",
    "ru": "США повысили уровень террористической угрозы до оранжевого.",
    "uk": "США підвищили рівень терористичної загрози до помаранчевого.",
    "pl": "Stany Zjednoczone podniosły poziom zagrożenia terrorystycznego do pomarańczowego, jak "
    "podał rzecznik, który mówił o zamachach.",
    "sv": "USA höjde terrorhotnivån till orange.",
    "nb": "USA hevet terrorberedskapen til nivå oransje.",
    "da": "USA hævede terrorberedskabet til niveau orange.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in HSAS.items()])
def test_hsas_colours_in_the_press_languages(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text, D2003) == [("us-hsas", "US", "orange", "set")]


@pytest.mark.parametrize(
    "text",
    [
        "Moskau hob die Alarmstufe für Waldbrände auf Orange an.",  # no marker of the US
        "O alerta meteorológico nos Estados Unidos passou para laranja.",  # weather
    ],
)
def test_a_colour_without_the_us_is_not_hsas(extractor: Extractor, text: str) -> None:
    assert [t for t in tuples(extractor, text, D2003) if t[0] == "us-hsas"] == []


# --- an abbreviation's point ends no sentence ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Wprowadzono stopień alarmowy BRAVO na terenie woj. podkarpackiego i lubelskiego.",
            [("pl", "PL-06", "BRAVO", "set"), ("pl", "PL-18", "BRAVO", "set")],
        ),
        (
            "В Актюбинской обл. введен желтый уровень террористической опасности.",
            [("kz", "KZ-AKT", "yellow", "set")],
        ),
    ],
)
def test_abbreviation_point_ends_no_sentence(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


def test_polish_voivodeship_in_the_locative(extractor: Extractor) -> None:
    text = "Stopień alarmowy BRAVO wprowadzono w województwie lubelskim."
    assert tuples(extractor, text) == [("pl", "PL-06", "BRAVO", "set")]


# --- an end date in the text's own words; the end of a month -----------------------------------
UNTIL = {
    "pl": (
        "Premier wprowadził stopień alarmowy BRAVO w województwie lubelskim do 15 czerwca.",
        "2024-06-15",
    ),
    "pl-end": (
        "Premier przedłużył stopień alarmowy BRAVO na terenie całego kraju do końca sierpnia.",
        "2024-08-31",
    ),
    "ru-end": (
        "В Белгородской области продлили желтый уровень террористической опасности до конца мая.",
        "2024-05-31",
    ),
    "uk-end": (
        "У Києві запровадили жовтий рівень терористичної загрози до кінця червня.",
        "2024-06-30",
    ),
    "en-end": (
        "Kazakhstan extended the yellow terrorism threat level in Aktobe until the end of June.",
        "2024-06-30",
    ),
}


@pytest.mark.parametrize(("text", "day"), [pytest.param(*v, id=k) for k, v in UNTIL.items()])
def test_end_date_in_the_texts_own_words(extractor: Extractor, text: str, day: str) -> None:
    [found] = extractor.extract(_doc(text))
    assert found.expires is not None and found.expires.date().isoformat() == day


def test_polish_do_is_no_end_cue_in_portuguese(extractor: Extractor) -> None:
    # "do" is Polish "until" and Portuguese "of the": a pack's words count in its language only
    text = "O Reino Unido elevou o nível de ameaça terrorista para grave, informou o porta-voz do 10 Downing Street."
    assert [a.expires for a in extractor.extract(_doc(text))] == [None]


def _doc(text: str) -> Document:
    return Document(source_id="t", id="d", text=text, published=D2024)


# --- a dateline in capitals with the agency's parenthesis; "von insgesamt vier" ----------------
def test_capital_dateline_with_agency_is_no_area(extractor: Extractor) -> None:
    text = (
        "LONDON (Example News / Agency - 22nd March, 2024) Officials met on Tuesday.\n\n"
        '"Today I have announced that the Northern Ireland-related Terrorism threat level has '
        'been lowered from SEVERE to SUBSTANTIAL," the minister said.'
    )
    assert ("uk-nirt", "GB-LND") not in [t[:2] for t in tuples(extractor, text)]


def test_size_after_von_insgesamt_is_no_level(extractor: Extractor) -> None:
    text = (
        "Belgien hat die Terrorwarnstufe gesenkt. Damit gilt nun die Stufe zwei von insgesamt "
        "vier, teilte die Regierung in Brüssel mit."
    )
    assert "4" not in [t[2] for t in tuples(extractor, text)]


# --- an expected change named as a direction ("Vers un abaissement à 2") announces nothing -----
# (the packs of es it pt nl de carry the words too; their nouns of change are no action words, so
# only English and French headlines read a change from the noun alone, as the controls show)
TOWARDS = {
    "en": (
        "Towards a lowering of Britain's terrorism threat level to substantial",
        ("uk", "GB", "substantial", "set"),
    ),
    "fr": (
        "Vers un abaissement à 2 du niveau de la menace terroriste en Belgique",
        ("be-ocam", "BE", "2", "set"),
    ),
}


@pytest.mark.parametrize(("text", "control"), [pytest.param(*v, id=k) for k, v in TOWARDS.items()])
def test_a_direction_is_no_announcement(extractor: Extractor, text: str, control: tuple) -> None:
    assert tuples(extractor, text) == []
    without = text.split(" ", 2)[2]  # "lowering of …", "abaissement à 2 …"
    assert tuples(extractor, without[:1].upper() + without[1:]) == [control]


# --- Portuguese keeps (extend) vs remains (unchanged); the place of an event names no area -----
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "O governo belga mantém o nível de ameaça terrorista em 3 após a reunião.",
            [("be-ocam", "BE", "3", "extend")],
        ),
        ("O nível de ameaça terrorista na Bélgica mantém-se em 3.", []),
    ],
)
def test_portuguese_keeps_is_an_extension(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Het dreigingsniveau in België blijft na de explosie in het station Brussel-Centraal "
        "gehandhaafd op niveau drie.",
        "A Bélgica mantém o nível de ameaça terrorista em 3 após o atentado em Bruxelas.",
    ],
)
def test_the_place_of_an_event_is_no_area(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == [("be-ocam", "BE", "3", "extend")]


# --- a month after the document's month is last year's, even in the title ----------------------
# In a document of 2 May 2024: "in August" can only be August 2023 (background); "in April" is
# this year's and, in the first sentence, the news.
MONTH_AFTER = {
    "en": (
        "In {m}, Britain raised its terrorism threat level to severe.",
        ("August", "April"),
        ("uk", "GB", "severe", "set"),
    ),
    "ru": (
        "В {m} в Актобе ввели желтый уровень террористической опасности.",
        ("августе", "апреле"),
        ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
    ),
    "uk": (
        "У {m} в Актобе запровадили жовтий рівень терористичної загрози.",
        ("серпні", "квітні"),
        ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
    ),
    "fr": (
        "En {m}, l'OCAM a relevé le niveau de la menace terroriste en Belgique à 3.",
        ("août", "avril"),
        ("be-ocam", "BE", "3", "set"),
    ),
    "nl": (
        "In {m} verhoogde de NCTV het dreigingsniveau naar 4.",
        ("augustus", "april"),
        ("nl-nctv", "NL", "4", "set"),
    ),
    "de": (
        "Im {m} hob Großbritannien die Terrorwarnstufe auf ernst an.",
        ("August", "April"),
        ("uk", "GB", "severe", "set"),
    ),
    "it": (
        "Ad {m} il Regno Unito ha alzato il livello di minaccia terroristica a grave.",
        ("agosto", "aprile"),
        ("uk", "GB", "severe", "set"),
    ),
    "es": (
        "En {m}, Interior elevó el nivel de alerta antiterrorista en España a 5.",
        ("agosto", "abril"),
        ("es", "ES", "5", "set"),
    ),
    "sv": (
        "I {m} höjde Säpo terrorhotnivån i Sverige till 4.",
        ("augusti", "april"),
        ("se", "SE", "4", "set"),
    ),
    "nb": (
        "I {m} hevet PST terrortrusselnivået i Norge til 4.",
        ("august", "april"),
        ("no", "NO", "4", "set"),
    ),
    "da": (
        "I {m} sænkede PET terrortrusselsniveauet i Danmark fra alvorlig til generel.",
        ("august", "april"),
        ("dk", "DK", "general", "set"),
    ),
    "pt": (
        "Em {m}, a Bélgica elevou o nível de ameaça terrorista para 3.",
        ("agosto", "abril"),
        ("be-ocam", "BE", "3", "set"),
    ),
}


@pytest.mark.parametrize(
    ("text", "months", "expected"),
    [pytest.param(*row, id=lang) for lang, row in MONTH_AFTER.items()],
)
def test_a_month_after_the_documents_is_last_years(
    extractor: Extractor, text: str, months: tuple[str, str], expected: tuple
) -> None:
    later, earlier = months
    assert tuples(extractor, text.format(m=later)) == []
    assert tuples(extractor, text.format(m=earlier)) == [expected]


# --- a country's level in a language its scheme file does not list (pack cues, level nouns) ----
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A Bélgica manteve o nível de ameaça terrorista em 3.", ("be-ocam", "BE", "3", "extend")),
        ("A Suécia elevou o nível de ameaça terrorista para 4.", ("se", "SE", "4", "set")),
        # "do" is Polish "to" and Portuguese "from": the main language decides
        (
            "Szwecja podniosła poziom zagrożenia terrorystycznego do 4, jak podała policja.",
            ("se", "SE", "4", "set"),
        ),
    ],
)
def test_a_level_reported_in_a_language_its_scheme_does_not_list(
    extractor: Extractor, text: str, expected: tuple
) -> None:
    assert tuples(extractor, text) == [expected]


# --- a range in parentheses is a scale's bounds ("la gravité (de 1 à 5)") ----------------------
PAREN_RANGE = {
    "en": "MI5 rates the likelihood (from 1 to 5) and the impact of each terrorism threat.",
    "fr": "L'OCAM analyse la vraisemblance (de 2 à 6) et la gravité (de 1 à 5) de la menace.",
    "de": "Die Behörde bewertet die Terrorgefahr in Belgien nach Wahrscheinlichkeit (von 1 bis 5).",
    "nl": "Het OCAD beoordeelt de terreurdreiging in België op waarschijnlijkheid (van 1 tot 5).",
    "es": "Interior mide la amenaza terrorista en España por probabilidad (de 1 a 5).",
    "it": "L'OCAM valuta la minaccia terroristica in Belgio per probabilità (da 1 a 5).",
    "ru": "КНБ оценивает террористическую угрозу в Казахстане по вероятности (от 1 до 5).",
    "sv": "Säpo bedömer terrorhotet i Sverige efter sannolikhet (från 1 till 5).",
    "pl": "ABW ocenia zagrożenie terrorystyczne w Polsce według prawdopodobieństwa (od 1 do 5).",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in PAREN_RANGE.items()])
def test_a_range_in_parentheses_is_masked(text: str) -> None:
    from notifier.extract.normalise import fold
    from notifier.extract.segment import mask_scale_ranges

    folded = fold(text)
    masked = mask_scale_ranges(folded)
    assert len(masked) == len(folded)  # positions (evidence offsets) unchanged
    inside = masked[masked.index("(") : masked.index(")")]
    assert not any(c.isdigit() for c in inside), masked


def test_a_range_in_parentheses_is_no_level(extractor: Extractor) -> None:
    assert tuples(extractor, PAREN_RANGE["fr"]) == []


def test_a_from_to_change_outside_parentheses_still_counts(extractor: Extractor) -> None:
    text = "L'OCAM a relevé le niveau de la menace en Belgique de 2 à 3."
    assert tuples(extractor, text) == [("be-ocam", "BE", "3", "set")]


# --- the situation a level answers ("because of the war in Ukraine") names no area and does not
# vote for its country's scheme; a place after it is the level's ("... на Украине в Белгородской
# области") -------------------------------------------------------------------------------------
REASON: dict[str, tuple[str, tuple[str, str, str, str]]] = {
    "en": (
        "Because of the war in Ukraine, Poland introduced the BRAVO alert level nationwide.",
        ("pl", "PL", "BRAVO", "set"),
    ),
    "pl": (
        "W związku z sytuacją na Ukrainie premier wprowadził stopień alarmowy BRAVO na terenie całego kraju.",
        ("pl", "PL", "BRAVO", "set"),
    ),
    "ru": (
        "В связи с ситуацией на Украине в Белгородской области ввели желтый уровень террористической опасности.",
        ("ru", "RU-BEL", "yellow", "set"),
    ),
    "uk": (
        "У зв'язку з війною в Україні в Актобе запровадили жовтий рівень терористичної загрози.",
        ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
    ),
    "de": (
        "Wegen des Krieges in der Ukraine hat Schweden die Terrorwarnstufe auf 4 angehoben.",
        ("se", "SE", "4", "set"),
    ),
    "fr": (
        "En raison de la guerre en Ukraine, la Belgique a relevé le niveau de la menace terroriste à 3.",
        ("be-ocam", "BE", "3", "set"),
    ),
    "es": (
        "Por la guerra en Ucrania, España ha elevado el nivel de alerta antiterrorista a 5.",
        ("es", "ES", "5", "set"),
    ),
    "it": (
        "A causa della guerra in Ucraina, il Belgio ha alzato il livello di minaccia terroristica a 3.",
        ("be-ocam", "BE", "3", "set"),
    ),
    "nl": (
        "Vanwege de oorlog in Oekraïne heeft de NCTV het dreigingsniveau verhoogd naar 4.",
        ("nl-nctv", "NL", "4", "set"),
    ),
    "sv": (
        "På grund av kriget i Ukraina höjde Säpo terrorhotnivån i Sverige till 4.",
        ("se", "SE", "4", "set"),
    ),
    "nb": (
        "På grunn av krigen i Ukraina hevet PST terrortrusselnivået i Norge til 4.",
        ("no", "NO", "4", "set"),
    ),
    "da": (
        "På grund af krigen i Ukraine hævede PET terrortrusselsniveauet i Danmark fra generel til alvorlig.",
        ("dk", "DK", "serious", "set"),
    ),
    "pt": (
        "Devido à guerra na Ucrânia, a Bélgica elevou o nível de ameaça terrorista para 3.",
        ("be-ocam", "BE", "3", "set"),
    ),
}


@pytest.mark.parametrize(("text", "expected"), [pytest.param(*v, id=k) for k, v in REASON.items()])
def test_the_situation_a_level_answers_is_no_area(
    extractor: Extractor, text: str, expected: tuple
) -> None:
    assert tuples(extractor, text) == [expected]


# --- a list under a header, items without bullets ('"Красный" (реальная угроза) - Донецкая и
# Луганская области;'): the header's noun, cue and verb serve each item; "был установлен
# следующий уровень:" introduces the list it announces (no background); an adjective that
# explains a quoted name the scheme does not know is no level; an item whose places are all
# unknown is not the whole country; Crimea is an area, not a marker of Russia's scheme ---------
LISTS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "ru": (
        "СБУ установила уровни террористической угрозы в регионах.\n\n"
        "Таким образом, был установлен следующий уровень террористических угроз:\n\n"
        '"Красный" (реальная угроза) - Донецкая и Луганская области, АР Крым;\n\n'
        '"Синий" (потенциальная угроза) - Закарпатская область и. Киев;\n\n'
        '"Серый" (возможная угроза) - Волынская область.',
        [
            ("ua", "UA-09", "red"),
            ("ua", "UA-14", "red"),
            ("ua", "UA-21", "blue"),
            ("ua", "UA-43", "red"),
            ("ua", "UA-07", "grey"),
        ],
    ),
    "uk": (
        "СБУ встановила рівні терористичної загрози в регіонах.\n\n"
        "Таким чином, було встановлено такі рівні терористичної загрози:\n\n"
        '"Червоний" (реальна загроза) - Донецька і Луганська області;\n\n'
        '"Синій" (потенційна загроза) - Закарпатська область.',
        [("ua", "UA-09", "red"), ("ua", "UA-14", "red"), ("ua", "UA-21", "blue")],
    ),
    "en": (
        "The SBU set terrorist threat levels in the regions of Ukraine.\n\n"
        "The following terrorist threat levels were set:\n\n"
        '"Red" (real threat) - Donetsk oblast and Luhansk oblasts;\n\n'
        '"Blue" (potential threat) - Zakarpattia oblast.',
        [("ua", "UA-09", "red"), ("ua", "UA-14", "red"), ("ua", "UA-21", "blue")],
    ),
}


D2016 = datetime(2016, 8, 12, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [pytest.param(*v, id=k) for k, v in LISTS.items()])
def test_list_items_under_a_header(extractor: Extractor, text: str, expected: list) -> None:
    assert sorted(t[:3] for t in tuples(extractor, text, D2016)) == sorted(expected)


def test_an_adjective_for_an_unknown_quoted_name_is_no_level(extractor: Extractor) -> None:
    head = "СБУ установила следующие уровни террористической угрозы:\n\n"
    misspelt = head + '"Жетлый" (возможная угроза) - Запорожская область;'
    assert tuples(extractor, misspelt, D2016) == []
    known = head + '"Серый" (возможная угроза) - Запорожская область;'
    assert tuples(extractor, known, D2016) == [("ua", "UA-23", "grey", "set")]


def test_a_list_item_of_unknown_places_is_not_the_country(extractor: Extractor) -> None:
    text = (
        "The SBU set the following terrorist threat levels:\n\n"
        '"Red" (real threat) - the Donbas front line;\n\n'
        '"Blue" (potential threat) - Zakarpattia oblast.'
    )
    assert tuples(extractor, text, D2016) == [("ua", "UA-21", "blue", "set")]


# --- a reminder governs what it recalls ("Напоминаем, что ... принято решение об установлении
# таких уровней:" over a list; round 13) --------------------------------------------------------
REMIND = {
    "en": "We remind that ",
    "ru": "Напоминаем, что ",
    "kk": "Еске салсақ, ",
    "uk": "Нагадуємо, що ",
    "fr": "Nous rappelons que ",
    "nl": "We herinneren eraan: ",
    "de": "Wir erinnern daran: ",
    "it": "Si ricorda che ",
    "es": "Recordamos que ",
    "sv": "Vi påminner om att ",
    "nb": "Vi minner om at ",
    "da": "Vi minder om at ",
}


@pytest.mark.parametrize("lang", list(REMIND))
def test_a_reminder_recalls_no_news(extractor: Extractor, lang: str) -> None:
    [(text, (_, recent), expected)] = DATED[lang]
    sentence = text.format(day=recent)
    assert tuples(extractor, sentence) == [expected]  # the control reads
    reminded = REMIND[lang] + sentence[0].lower() + sentence[1:]
    assert tuples(extractor, reminded) == []


def test_a_reminder_header_governs_its_list(extractor: Extractor) -> None:
    text = (
        "СБУ призывает граждан быть бдительными.\n\n"
        "Напоминаем, что принято решение об установлении таких уровней террористических угроз:\n\n"
        "- красный (реальная угроза) - Донецкая и Луганская области;\n\n"
        "- синий (потенциальная) - Закарпатская область."
    )
    assert tuples(extractor, text, D2016) == []
    announced = text.replace("Напоминаем, что принято", "Принято")
    assert len(tuples(extractor, announced, D2016)) == 3


def test_ukrainian_oblasts_coordinated_in_the_dative(extractor: Extractor) -> None:
    text = (
        "СБУ встановила рівні терористичної загрози. Донецькій та Луганській областям "
        'присвоєно "червоний" рівень загрози.'
    )
    assert sorted(t[1] for t in tuples(extractor, text, D2016)) == ["UA-09", "UA-14"]


# --- a level defined by the condition it is declared in ("est décrété lorsqu'il apparaît", "при
# установлении «синего» уровня"; round 13): packs' `definitions` --------------------------------
COND: dict[str, tuple[str, str]] = {
    "en": (
        "The red terrorism threat level in Kazakhstan is declared when an attack is imminent.",
        "The red terrorism threat level was declared in Kazakhstan.",
    ),
    "fr": (
        "Le niveau 3 de la menace terroriste en Belgique est décrété lorsque la menace est grave.",
        "Le niveau 3 de la menace terroriste a été décrété en Belgique.",
    ),
    "de": (
        "Die Terrorwarnstufe 4 wird ausgerufen, wenn in Belgien ein Anschlag droht.",
        "Die Terrorwarnstufe 4 wurde in Belgien ausgerufen.",
    ),
    "ru": (
        "При установлении «желтого» уровня террористической опасности в Актобе проверяют документы.",
        "В Актобе установлен «желтый» уровень террористической опасности.",
    ),
    "uk": (
        "У разі запровадження жовтого рівня терористичної загрози в Актобе перевіряють документи.",
        "В Актобе запроваджено жовтий рівень терористичної загрози.",
    ),
}


@pytest.mark.parametrize(("text", "control"), [pytest.param(*v, id=k) for k, v in COND.items()])
def test_a_level_defined_by_its_condition_is_no_announcement(
    extractor: Extractor, text: str, control: str
) -> None:
    assert tuples(extractor, text) == []
    assert len(tuples(extractor, control)) == 1


def test_a_recommendation_to_raise_is_no_raise(extractor: Extractor) -> None:
    text = "Rada NBAC odporučila ministrovi vnútra zvýšiť stupeň teroristického ohrozenia na 2."
    assert tuples(extractor, text) == []

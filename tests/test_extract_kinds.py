"""Error kinds of the blind rounds 8 and 9, each a rule tested in every pack language it applies to.

Named after the rule (README, "Extraction, schemes and areas"): ordinal levels (pack
`ordinals`), an ordinal in apposition to a level's name, the issuer's seat (scheme `seats`),
partial scope (pack `partial_scope`, `except_words`), kept since (pack `since`), keeps as
extensions (pack `keep`), a scheme read only with its marker (scheme `requires_marker`), a verb
of a vetoed clause. Every sentence was written for this file (none is a corpus text).
"""

from __future__ import annotations

import pytest

from notifier.extract import Extractor
from tests.extracting import tuples

LANGUAGES = ("en", "ru", "kk", "uk", "fr", "nl", "de", "it", "es", "sv", "nb", "da")


def _cases(table: dict[str, list[tuple[str, object]]], langs: tuple[str, ...] = LANGUAGES) -> list:
    assert set(table) == set(langs), set(langs) ^ set(table)
    return [
        pytest.param(text, expected, id=f"{lang}-{i}")
        for lang, rows in table.items()
        for i, (text, expected) in enumerate(rows)
    ]


# --- ordinal: a level named by its rank on the scheme's scale ---------------------------------
ORDINAL = {
    "en": [
        (
            "Britain raised its terrorism threat level to the second highest on Tuesday.",
            ("uk", "GB", "severe", "set"),
        ),
        (
            "Sweden's security police lowered the terror threat level to the third highest.",
            ("se", "SE", "3", "set"),
        ),
    ],
    "ru": [
        (
            "В Актобе введен наивысший уровень террористической опасности.",
            ("kz", "KZ-AKT-AKTOBE", "red", "set"),
        )
    ],
    "kk": [
        (
            "Ақтөбе қаласында террористік қауіптің ең жоғары деңгейі енгізілді.",
            ("kz", "KZ-AKT-AKTOBE", "red", "set"),
        )
    ],
    "uk": [
        (
            "У місті Актобе запроваджено найвищий рівень терористичної загрози.",
            ("kz", "KZ-AKT-AKTOBE", "red", "set"),
        )
    ],
    "fr": [
        (
            "La Belgique a relevé son niveau de menace terroriste au deuxième niveau le plus élevé.",
            ("be-ocam", "BE", "3", "set"),
        )
    ],
    "nl": [
        (
            "De NCTV heeft het dreigingsniveau voor terrorisme verhoogd naar het op één na "
            "hoogste niveau.",
            ("nl-nctv", "NL", "4", "set"),
        )
    ],
    "de": [
        (
            "Großbritannien hat die Terrorwarnstufe auf die zweithöchste Stufe angehoben.",
            ("uk", "GB", "severe", "set"),
        ),
        (
            "Großbritannien senkt die Terrorwarnstufe von der zweithöchsten auf die "
            "dritthöchste Stufe.",
            ("uk", "GB", "substantial", "set"),
        ),
    ],
    "it": [
        (
            "Il Regno Unito ha alzato il livello di allerta terrorismo al secondo livello più alto.",
            ("uk", "GB", "severe", "set"),
        )
    ],
    "es": [
        (
            "El Reino Unido ha elevado su nivel de amenaza terrorista al segundo nivel más alto.",
            ("uk", "GB", "severe", "set"),
        )
    ],
    "sv": [
        (
            "Säpo höjer terrorhotnivån i Sverige till den näst högsta nivån.",
            ("se", "SE", "4", "set"),
        )
    ],
    "nb": [
        (
            "PST hever terrortrusselnivået i Norge til nest høyeste nivå.",
            ("no", "NO", "4", "set"),
        )
    ],
    "da": [
        (
            "PET hæver terrortrusselsniveauet i Danmark til det næsthøjeste niveau.",
            ("dk", "DK", "serious", "set"),
        )
    ],
}


@pytest.mark.parametrize(("text", "expected"), _cases(ORDINAL))
def test_ordinal_names_the_level_of_the_scheme_by_rank(
    extractor: Extractor, text: str, expected: tuple[str, str, str, str]
) -> None:
    assert tuples(extractor, text) == [expected]


# --- an ordinal next to a level's name describes it; one without a verb describes the scale ---
APPOSITION = {
    "en": [
        ("Sweden raised its terror threat level to 4, the highest level in years.", "4"),
        ("Sweden's lowest terror threat level is rarely discussed.", None),
    ],
    "ru": [("В Актобе введен красный уровень террористической опасности, самый высокий.", "red")],
    "kk": [
        (
            "Ақтөбе қаласында террористік қауіптің қызыл деңгейі енгізілді, бұл ең жоғары деңгей.",
            "red",
        )
    ],
    "uk": [("В Актобе запроваджено червоний рівень терористичної загрози, найвищий.", "red")],
    "fr": [
        (
            "La Suède a relevé son niveau de menace terroriste à 4, le plus élevé depuis des années.",
            "4",
        )
    ],
    "nl": [
        ("De NCTV verhoogt het dreigingsniveau in Nederland naar 4, het hoogste in jaren.", "4")
    ],
    "de": [("Schweden erhöht die Terrorwarnstufe auf 4, die höchste seit Jahren.", "4")],
    "it": [("La Svezia ha alzato il livello di allerta terrorismo a 4, il più alto da anni.", "4")],
    "es": [("España eleva el nivel de alerta antiterrorista a 4, el más alto en años.", "4")],
    "sv": [("Säpo höjer terrorhotnivån i Sverige till 4, den högsta på flera år.", "4")],
    "nb": [("PST hever terrortrusselnivået i Norge til 4, det høyeste på mange år.", "4")],
    "da": [
        (
            "PET hæver terrortrusselsniveauet i Danmark til alvorlig, det højeste i årevis.",
            "serious",
        )
    ],
}


@pytest.mark.parametrize(("text", "level"), _cases(APPOSITION))
def test_ordinal_in_apposition_names_no_level_of_its_own(
    extractor: Extractor, text: str, level: str | None
) -> None:
    assert [t[2] for t in tuples(extractor, text)] == ([level] if level else [])


# --- the issuer's seat is where the level was decided, not where it applies --------------------
SEAT_LANGS = ("en", "ru", "fr", "nl", "de", "it", "es")
SEAT = {
    "en": [
        (
            "The counter-terrorism agency in The Hague raised the Dutch threat level from 3 to 4.",
            ("nl-nctv", "NL", "4", "set"),
        ),
        (
            "Britain's terrorism threat level was lowered from severe to substantial, the "
            "Home Secretary said on Monday in London.",
            ("uk", "GB", "substantial", "set"),
        ),
    ],
    "ru": [
        (
            "Уровень террористической угрозы в Великобритании понижен с критического до "
            "серьезного, заявил министр в Лондоне.",
            ("uk", "GB", "severe", "set"),
        )
    ],
    "fr": [
        (
            "Le ministère à Londres a abaissé le niveau de la menace terroriste britannique de "
            "critique à grave.",
            ("uk", "GB", "severe", "set"),
        )
    ],
    "nl": [
        (
            "De NCTV verhoogt het dreigingsniveau van 3 naar 4, zei de minister in Den Haag.",
            ("nl-nctv", "NL", "4", "set"),
        )
    ],
    "de": [
        (
            "Die Terrorismusbehörde in Den Haag erhöhte die niederländische Terrorwarnstufe "
            "von 3 auf 4.",
            ("nl-nctv", "NL", "4", "set"),
        ),
        (
            "Die britische Terrorwarnstufe wurde von „ernst“ auf „erheblich“ gesenkt, sagte die "
            "Innenministerin im Parlament in London.",
            ("uk", "GB", "substantial", "set"),
        ),
    ],
    "it": [
        (
            "Il livello di allerta terrorismo nel Regno Unito è stato abbassato da critico a "
            "grave, ha detto il ministro a Londra.",
            ("uk", "GB", "severe", "set"),
        )
    ],
    "es": [
        (
            "El nivel de amenaza terrorista del Reino Unido ha bajado de crítico a grave, ha "
            "dicho el ministro en Londres.",
            ("uk", "GB", "severe", "set"),
        )
    ],
}


@pytest.mark.parametrize(("text", "expected"), _cases(SEAT, SEAT_LANGS))
def test_issuer_seat_is_not_the_area(
    extractor: Extractor, text: str, expected: tuple[str, str, str, str]
) -> None:
    assert tuples(extractor, text) == [expected]


def test_a_level_for_the_seat_city_itself_is_kept(extractor: Extractor) -> None:
    # the seat named as the place of the level (not of the issuer) is the area
    got = tuples(extractor, "The terrorism threat level for Brussels was raised from 3 to 4.")
    assert got == [("be-ocam", "BE-BRU", "4", "set")]


# --- partial scope: a level kept for some places only is nobody's area level ------------------
PARTIAL = {
    "en": [("Belgium's terror threat level 3 will be maintained at certain sites.", [])],
    "ru": [
        (
            "Красный уровень террористической опасности в Актобе сохраняется на отдельных "
            "объектах.",
            [],
        )
    ],
    "kk": [
        (
            "Ақтөбе облысында террористік қауіптің қызыл деңгейі жекелеген нысандарда сақталады.",
            [],
        )
    ],
    "uk": [
        ("Червоний рівень терористичної загрози в Актобе зберігається на окремих об'єктах.", [])
    ],
    "fr": [
        (
            "Le niveau 3 de la menace terroriste sera maintenu dans certains endroits en Belgique.",
            [],
        )
    ],
    "nl": [("Op bepaalde plaatsen in België blijft dreigingsniveau 3 gehandhaafd.", [])],
    "de": [("Die Terrorwarnstufe 3 bleibt in Belgien an bestimmten Orten bestehen.", [])],
    "it": [("In Belgio il livello di allerta terrorismo 3 è mantenuto in alcuni luoghi.", [])],
    "es": [("En España el nivel 4 de alerta antiterrorista se mantiene en algunos lugares.", [])],
    "sv": [("Terrorhotnivå 4 i Sverige behålls på vissa platser.", [])],
    "nb": [("Terrortrusselnivå 4 i Norge opprettholdes på enkelte steder.", [])],
    "da": [("Terrortrusselsniveauet alvorlig i Danmark fastholdes visse steder.", [])],
}


@pytest.mark.parametrize(("text", "expected"), _cases(PARTIAL))
def test_partial_scope_announces_nothing(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


EXCEPT = {
    "en": "Belgium's terror threat level was lowered from 3 to 2, except for specific targets.",
    "fr": "Le niveau de la menace terroriste en Belgique passe de 3 à 2, sauf pour certains sites.",
    "nl": "Het dreigingsniveau in België wordt verlaagd van 3 naar 2, behalve voor specifieke "
    "doelwitten.",
    "de": "Die Terrorwarnstufe in Belgien wurde von 3 auf 2 gesenkt, außer an bestimmten Orten.",
    "it": "Il livello di allerta terrorismo in Belgio è stato abbassato da 3 a 2, tranne alcuni "
    "obiettivi specifici.",
    "es": "El nivel de amenaza terrorista en Bélgica baja de 3 a 2, excepto algunos lugares.",
    "ru": "Уровень террористической угрозы в Бельгии понижен с 3 до 2, кроме отдельных объектов.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in EXCEPT.items()])
def test_except_partial_scope_is_the_rest(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == [("be-ocam", "BE", "2", "set")]


# --- kept since: a standing level, not a decision to keep it ----------------------------------
KEPT_LANGS = ("en", "fr", "nl", "de", "it", "es", "ru", "sv", "nb", "da")
KEPT_SINCE = {
    "en": (
        "Spain keeps its terrorist alert at level 4 since June 2015.",
        "Spain keeps its terrorist alert at level 4.",
        ("es", "ES", "4", "extend"),
    ),
    "fr": (
        "La Belgique maintient le niveau 3 de la menace terroriste depuis novembre 2015.",
        "La Belgique maintient le niveau 3 de la menace terroriste.",
        ("be-ocam", "BE", "3", "extend"),
    ),
    "nl": (
        "Het OCAD behoudt het dreigingsniveau in België sinds 2015 op niveau 3.",
        "Het OCAD behoudt het dreigingsniveau in België op niveau 3.",
        ("be-ocam", "BE", "3", "extend"),
    ),
    "de": (
        "Belgien behält die Terrorwarnstufe seit Januar 2018 bei 2.",
        "Belgien behält die Terrorwarnstufe bei 2.",
        ("be-ocam", "BE", "2", "extend"),
    ),
    "it": (
        "Il Belgio mantiene il livello di allerta terrorismo 3 dal gennaio 2018.",
        "Il Belgio mantiene il livello di allerta terrorismo 3.",
        ("be-ocam", "BE", "3", "extend"),
    ),
    "es": (
        "El Gobierno mantiene el nivel 4 de alerta antiterrorista desde junio de 2015.",
        "El Gobierno de España ha decidido mantener el nivel 4 de alerta antiterrorista.",
        ("es", "ES", "4", "extend"),
    ),
    "ru": (
        "В Бельгии сохраняется третий уровень террористической угрозы с 2015 года.",
        "В Бельгии сохраняется третий уровень террористической угрозы.",
        ("be-ocam", "BE", "3", "extend"),
    ),
    "sv": (
        "Säpo behåller terrorhotnivån i Sverige på 4 sedan 2023.",
        "Säpo behåller terrorhotnivån i Sverige på 4.",
        ("se", "SE", "4", "extend"),
    ),
    "nb": (
        "PST opprettholder terrortrusselnivået i Norge på 4 siden 2022.",
        "PST opprettholder terrortrusselnivået i Norge på 4.",
        ("no", "NO", "4", "extend"),
    ),
    "da": (
        "PET fastholder terrortrusselsniveauet i Danmark på alvorlig siden 2016.",
        "PET fastholder terrortrusselsniveauet i Danmark på alvorlig.",
        ("dk", "DK", "serious", "extend"),
    ),
}


@pytest.mark.parametrize(
    ("since", "decided", "expected"), [pytest.param(*v, id=k) for k, v in KEPT_SINCE.items()]
)
def test_kept_since_is_a_standing_level_kept_is_an_extension(
    extractor: Extractor, since: str, decided: str, expected: tuple[str, str, str, str]
) -> None:
    assert tuples(extractor, since) == []
    assert tuples(extractor, decided) == [expected]


# --- a scheme that shares its level words is read only with its marker -------------------------
def test_marker_only_scheme_needs_its_marker(extractor: Extractor) -> None:
    plain = "The terrorist threat in England has been lowered from critical to severe."
    assert all(t[0] != "uk-nirt" for t in tuples(extractor, plain))
    named = (
        "The threat level from Northern Ireland-related terrorism in Northern Ireland was "
        "lowered from severe to substantial."
    )
    assert tuples(extractor, named) == [("uk-nirt", "GB-NIR", "substantial", "set")]


# --- a verb of a vetoed clause does not act on another clause's level --------------------------
def test_verb_of_a_vetoed_clause_is_not_borrowed(extractor: Extractor) -> None:
    text = (
        "Het algemene dreigingsniveau in België ging naar niveau 2, maar op bepaalde plaatsen "
        "werd niveau 3 gehandhaafd."
    )
    assert all(t[3] != "extend" for t in tuples(extractor, text))


# --- hostile input: ordinal and partial-scope words repeated stay linear -----------------------
def test_repeated_ordinals_stay_bounded(extractor: Extractor) -> None:
    import time

    text = "Britain raised the terror threat level to the second highest, " * 3000
    started = time.perf_counter()
    tuples(extractor, text)
    assert time.perf_counter() - started < 10


# --- an explanation after the level ("..., which means") does not make it a definition --------
EXPLAINS = {
    "en": "Britain raised its terrorism threat level to severe, meaning an attack is highly likely.",
    "ru": "В Актобе введен красный уровень террористической опасности, что означает угрозу "
    "совершения теракта.",
    "kk": "Ақтөбе қаласында террористік қауіптің қызыл деңгейі енгізілді, бұл дегеніміз шабуыл "
    "қаупі жоғары.",
    "uk": "В Актобе запроваджено червоний рівень терористичної загрози, що означає загрозу теракту.",
    "fr": "La Belgique a relevé le niveau de la menace terroriste à 3, ce qui signifie qu'un "
    "attentat est possible.",
    "nl": "België verhoogt het dreigingsniveau naar 3, wat betekent dat een aanslag mogelijk is.",
    "de": "Belgien hebt die Terrorwarnstufe auf 3 an – das bedeutet, ein Anschlag ist möglich.",
    "it": "Il Belgio ha alzato il livello di allerta terrorismo a 3, il che significa che un "
    "attentato è possibile.",
    "es": "Bélgica eleva el nivel de amenaza terrorista a 3, lo que significa que un atentado es "
    "posible.",
    "sv": "Säpo höjer terrorhotnivån i Sverige till 4, vilket betyder att ett attentat är troligt.",
    "nb": "PST hever terrortrusselnivået i Norge til 4, noe som betyr at et angrep er sannsynlig.",
    "da": "PET hæver terrortrusselsniveauet i Danmark til alvorlig, hvilket betyder at et angreb "
    "er sandsynligt.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in EXPLAINS.items()])
def test_definition_after_the_level_explains_it(extractor: Extractor, text: str) -> None:
    assert len(tuples(extractor, text)) == 1
    assert tuples(extractor, text)[0][3] == "set"


@pytest.mark.parametrize(
    "text",
    [
        "Level 3 means that an attack in Belgium is possible.",
        "Le niveau 3 signifie qu'un attentat est possible en Belgique.",
        "Niveau 3 betekent dat een aanslag in België mogelijk is.",
        "Stufe 3 bedeutet, dass ein Anschlag in Belgien möglich ist.",
    ],
)
def test_definition_before_or_around_the_level_still_vetoes(
    extractor: Extractor, text: str
) -> None:
    assert tuples(extractor, text) == []


# --- "after it had been raised": the subordinate past clause is its own -----------------------
AFTER_CLAUSE = {
    "en": "Britain lowered its terrorism threat level to severe after it had been raised to "
    "critical.",
    "ru": "Великобритания понизила уровень террористической угрозы до серьезного, после того как "
    "он был повышен до критического.",
    "uk": "Великобританія знизила рівень терористичної загрози до серйозного, після того як його "
    "було підвищено до критичного.",
    "fr": "Le Royaume-Uni a abaissé son niveau de menace terroriste à grave, après que celui-ci "
    "avait été relevé à critique.",
    "nl": "Groot-Brittannië verlaagt het dreigingsniveau voor terrorisme naar ernstig, nadat het "
    "was verhoogd naar kritiek.",
    "de": "Großbritannien senkt die Terrorwarnstufe auf „ernst“, nachdem sie auf „kritisch“ "
    "angehoben worden war.",
    "it": "L'allerta terrorismo nel Regno Unito torna al livello grave dopo che era stata "
    "innalzata a critico.",
    "es": "El Reino Unido rebaja su nivel de amenaza terrorista a grave, después de que había "
    "sido elevado a crítico.",
    "sv": "Storbritannien sänker terrorhotnivån till allvarlig, efter att den hade höjts till "
    "kritisk.",
    "nb": "Storbritannia senker terrortrusselnivået til alvorlig, etter at det hadde blitt hevet "
    "til kritisk.",
    "da": "Storbritannien sænker terrortrusselsniveauet til alvorlig, efter at det var blevet "
    "hævet til kritisk.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in AFTER_CLAUSE.items()])
def test_after_clause_is_background_of_its_own(extractor: Extractor, text: str) -> None:
    got = tuples(extractor, text)
    assert [t[3] for t in got] == ["set"]
    assert got[0][2] == "severe"


# --- foreign-language reports: a scheme carries its words in the languages that report it -----
FOREIGN_PRESS = [
    (
        "Frankreich hat den Vigipirate-Plan auf die höchste Stufe angehoben.",
        "fr-vigipirate",
        "FR",
        "attack emergency",
    ),
    (
        "La Francia ha innalzato il piano Vigipirate al livello di emergenza attentato.",
        "fr-vigipirate",
        "FR",
        "attack emergency",
    ),
    (
        "Francia eleva el plan Vigipirate al nivel «urgence attentat».",
        "fr-vigipirate",
        "FR",
        "attack emergency",
    ),
    (
        "Frankrijk verhoogt het Vigipirate-plan naar het hoogste niveau.",
        "fr-vigipirate",
        "FR",
        "attack emergency",
    ),
    (
        "Франция повысила уровень плана Vigipirate до «urgence attentat».",
        "fr-vigipirate",
        "FR",
        "attack emergency",
    ),
    ("Spanien erhöht die Terrorwarnstufe auf 4.", "es", "ES", "4"),
    ("L'Espagne relève son niveau d'alerte antiterroriste à 4.", "es", "ES", "4"),
    ("La Spagna alza il livello di allerta antiterrorismo a 4.", "es", "ES", "4"),
    ("Spanje verhoogt het terreurdreigingsniveau naar 4.", "es", "ES", "4"),
    ("Испания повысила уровень террористической угрозы до 4.", "es", "ES", "4"),
    (
        "Het Verenigd Koninkrijk verhoogt het dreigingsniveau voor terrorisme naar ernstig.",
        "uk",
        "GB",
        "severe",
    ),
]


@pytest.mark.parametrize(("text", "scheme", "area", "level"), FOREIGN_PRESS)
def test_foreign_press_reads_the_scheme_in_its_language(
    extractor: Extractor, text: str, scheme: str, area: str, level: str
) -> None:
    assert tuples(extractor, text) == [(scheme, area, level, "set")]


# --- a reminder of an earlier event ("Recall that ...") is background -------------------------
REMINDER = {
    "en": "Recall that the red level of terrorist threat was lifted in Aktobe.",
    "ru": "Напомним, красный уровень террористической опасности в Актобе был отменен.",
    "kk": "Еске сала кетейік, Ақтөбе қаласында террористік қауіптің қызыл деңгейі алынды.",
    "uk": "Нагадаємо, червоний рівень терористичної загрози в Актобе скасували.",
    "fr": "Rappelons que le niveau de la menace terroriste en Belgique a été abaissé à 2.",
    "nl": "Ter herinnering: het dreigingsniveau in België werd verlaagd naar 2.",
    "de": "Zur Erinnerung: Belgien hat die Terrorwarnstufe auf 2 gesenkt.",
    "it": "Ricordiamo che il Belgio ha abbassato il livello di allerta terrorismo a 2.",
    "es": "Cabe recordar que Bélgica rebajó el nivel de alerta terrorista a 2.",
    "sv": "Som en påminnelse sänkte Säpo terrorhotnivån i Sverige till 3.",
    "nb": "Til påminnelse senket PST terrortrusselnivået i Norge til 3.",
    "da": "Til påmindelse sænkede PET terrortrusselsniveauet i Danmark til generel.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in REMINDER.items()])
def test_reminder_is_background(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


# --- "has remained at" describes a standing level, it decides nothing ---------------------------
REMAINED = {
    "en": "Britain's terrorism threat level has remained at substantial for years.",
    "ru": "Уровень террористической угрозы в Великобритании оставался значительным.",
    "uk": "Рівень терористичної загрози у Великій Британії залишався значним.",
    "fr": "Le niveau de la menace terroriste au Royaume-Uni est restée substantiel.",
    "nl": "Het dreigingsniveau in België is gebleven op niveau 3.",
    "de": "Die Terrorwarnstufe in Belgien ist gleich geblieben bei Stufe 3.",
    "it": "Il livello di allerta terrorismo in Belgio è rimasto a 3 per anni.",
    "es": "El nivel de alerta antiterrorista en España ha permanecido en 4 durante años.",
    "sv": "Terrorhotnivån i Sverige har legat kvar på 4 i flera år.",
    "nb": "Terrortrusselnivået i Norge har ligget på 4 i flere år.",
    "da": "Terrortrusselsniveauet i Danmark har ligget på alvorlig i flere år.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in REMAINED.items()])
def test_has_remained_is_no_extension(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


# --- a possible raise is no raise (round 10: Slovak "možné zvýšenie") -------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Na Bezpečnostnej rade sa riešilo aj možné zvýšenie stupňa teroristického ohrozenia na "
        "Slovensku na tretí stupeň.",
        "Bezpečnostní rada řešila možné zvýšení stupně teroristického ohrožení na Slovensku.",
        "Depending on the alert level, the authorities in Moldova will take measures against "
        "the red terrorist threat.",
    ],
)
def test_possible_raise_announces_nothing(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


# --- a country named in any pack language is that country (not the scheme's default) -----------
FOREIGN_COUNTRY = {
    "en": "The US raised its terror alert for travellers to Italy from 1 to 2.",
    "ru": "США повысили уровень террористической угрозы для поездок в Италию до 2.",
    "uk": "США підвищили рівень терористичної загрози для поїздок до Італії до 2.",
    "fr": "Les États-Unis ont relevé l'alerte terroriste pour l'Italie de 1 à 2.",
    "nl": "De Verenigde Staten verhogen het terreuralarm voor Italië van 1 naar 2.",
    "de": "Die USA erhöhen die Terrorwarnstufe für Reisen nach Italien von 1 auf 2.",
    "it": "Gli Stati Uniti hanno alzato da 1 a 2 il livello di allerta terrorismo per l'Italia.",
    "es": "Estados Unidos eleva de 1 a 2 el nivel de alerta terrorista para Italia.",
    "sv": "USA höjer terrorvarningen för resor till Italien från 1 till 2.",
    "nb": "USA hever terrorvarselet for reiser til Italia fra 1 til 2.",
    "da": "USA hæver terrorvarslet for rejser til Italien fra 1 til 2.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in FOREIGN_COUNTRY.items()])
def test_a_country_without_a_scheme_is_nobodys_level(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "El Gobierno español ha elevado la alerta antiterrorista al nivel 4 tras los "
            "atentados que han sacudido Túnez, Francia y Kuwait.",
            [("es", "ES", "4", "set")],
        ),
        (
            "Spain raised its terrorist alert to level 4 after the attacks in Tunisia, France "
            "and Kuwait.",
            [("es", "ES", "4", "set")],
        ),
    ],
)
def test_places_listed_after_an_event_are_no_area(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


# --- "on a scale of 5" is the scale's size in every language -----------------------------------
SCALE_OF = {
    "en": "The Dutch terrorist threat level remains at 4 on a scale of 5, the NCTV said.",
    "fr": "Le niveau de la menace terroriste aux Pays-Bas reste fixé à 4 sur une échelle de 5.",
    "nl": "Het dreigingsniveau in Nederland blijft 4 op een schaal van 5, meldt de NCTV.",
    "de": "Die Terrorwarnstufe in den Niederlanden bleibt auf einer Skala von 5 bei 4.",
    "it": "Il livello di allerta terrorismo nei Paesi Bassi resta fissato a 4 su una scala di 5.",
    "es": "El nivel de amenaza terrorista en los Países Bajos se queda en 4 en una escala de 5.",
    "ru": "Уровень террористической угрозы в Нидерландах сохраняется на отметке 4 из 5.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in SCALE_OF.items()])
def test_scale_of_five_is_the_size_not_a_level(extractor: Extractor, text: str) -> None:
    assert all(t[2] != "5" for t in tuples(extractor, text))


# --- a level's name that ends a verb phrase is the verb ------------------------------------------
def test_name_inside_a_verb_phrase_is_the_verb(extractor: Extractor) -> None:
    text = "SRI a ridicat nivelul de alertă teroristă la ridicat în România."
    assert tuples(extractor, text) == [("ro", "RO", "high", "set")]
    text = "SRI a ridicat nivelul de alertă teroristă la critic în România."
    assert tuples(extractor, text) == [("ro", "RO", "critical", "set")]


# --- the languages of every shipped pack are told apart by their everyday words ----------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "O Reino Unido elevou o nível de ameaça terrorista de grave para crítico.",
            [("uk", "GB", "critical", "set")],
        ),
        (
            "Министерският съвет обяви оранжева степен на готовност за противодействие на "
            "тероризма в България.",
            [("bg", "BG", "orange", "set")],
        ),
    ],
)
def test_pack_languages_are_recognised(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- a link to another article ("Read also: ...") is that article's headline ------------------
SEE_ALSO = {
    "en": "Read also: Belgium raises its terror threat level to 4.",
    "ru": "Читайте также: в Актобе введен красный уровень террористической опасности.",
    "kk": "Сондай-ақ оқыңыз: Ақтөбе қаласында террористік қауіптің қызыл деңгейі енгізілді.",
    "uk": "Читайте також: в Актобе запроваджено червоний рівень терористичної загрози.",
    "fr": "Lire aussi : la Belgique relève son niveau de menace terroriste à 4.",
    "nl": "Lees ook: België verhoogt het dreigingsniveau naar 4.",
    "de": "Lesen Sie auch: Belgien erhöht die Terrorwarnstufe auf 4.",
    "it": "Leggi anche: il Belgio alza il livello di allerta terrorismo a 4.",
    "es": "Lee también: Bélgica eleva el nivel de alerta terrorista a 4.",
    "sv": "Läs också: Säpo höjer terrorhotnivån i Sverige till 4.",
    "nb": "Les også: PST hever terrortrusselnivået i Norge til 4.",
    "da": "Læs også: PET hæver terrortrusselsniveauet i Danmark til alvorlig.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in SEE_ALSO.items()])
def test_see_also_headline_announces_nothing(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


def test_see_also_in_polish(extractor: Extractor) -> None:
    text = "Czytaj też: Premier wprowadził trzeci stopień alarmowy CHARLIE na terenie całego kraju."
    assert tuples(extractor, text) == []


# --- a change dated by its month alone, further down, is background --------------------------
MONTH_ONLY = {
    "en": "In November, Britain's terrorism threat level was raised from substantial to severe.",
    "ru": "В ноябре уровень террористической угрозы в Великобритании повысили до серьезного.",
    "uk": "У листопаді рівень терористичної загрози у Великій Британії підвищили до серйозного.",
    "fr": "En novembre, le Royaume-Uni a relevé son niveau de menace terroriste à grave.",
    "nl": "In november verhoogde België het dreigingsniveau voor terrorisme naar 3.",
    "de": "Im November hatte Großbritannien die Terrorwarnstufe auf „ernst“ angehoben.",
    "it": "A novembre il Regno Unito ha alzato il livello di allerta terrorismo a grave.",
    "es": "En noviembre el Reino Unido elevó su nivel de amenaza terrorista a grave.",
    "sv": "Terrorhotnivån i Sverige höjdes i november 2015 från tre till fyra.",
    "nb": "Terrortrusselnivået i Norge ble hevet i november til 4.",
    "da": "Terrortrusselsniveauet i Danmark blev i november hævet til alvorlig.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in MONTH_ONLY.items()])
def test_month_only_change_further_down_is_background(extractor: Extractor, text: str) -> None:
    lead = "The security services published their annual report on Tuesday. "
    second = "It covers the whole year. "
    # the same sentence as the lead of a text is news; third in a text it is background
    assert tuples(extractor, lead + second + text) == []


def test_month_only_in_the_month_of_publication_is_news(extractor: Extractor) -> None:
    from datetime import UTC, datetime

    text = (
        "The security services met on Tuesday. They reviewed the threat. In May, Britain's "
        "terrorism threat level was raised from substantial to severe."
    )
    got = tuples(extractor, text, published=datetime(2024, 5, 20, tzinfo=UTC))
    assert got == [("uk", "GB", "severe", "set")]


# --- "Bratislava - Slovensko zvýšilo ...": a dateline city with a dash is no area -------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bratislava - Slovensko dnes zvýšilo stupeň teroristického ohrozenia na druhý stupeň.",
            [("sk", "SK", "2", "set")],
        ),
        (
            "Bratislava – Slovensko zvýšilo stupeň teroristického ohrožení na druhý stupeň.",
            [("sk", "SK", "2", "set")],
        ),
    ],
)
def test_dash_dateline_city_is_no_area(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- numerals as nouns and Central European ordinals ----------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Terrorhotnivån i Sverige sänks från en fyra till en trea.",
            [("se", "SE", "3", "set")],
        ),
        (
            "Kaliňák vyhlásil najnižší stupeň teroristického ohrozenia na Slovensku.",
            [("sk", "SK", "1", "set")],
        ),
    ],
)
def test_numeral_nouns_and_ordinals(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- a national scheme: a place inside the country names the country ---------------------------
NATIONAL = {
    "en": (
        "The terrorist threat in London has been lowered from critical to severe.",
        "uk",
        "GB",
        "severe",
    ),
    "ru": (
        "В Лондоне уровень террористической угрозы понижен с критического до серьезного.",
        "uk",
        "GB",
        "severe",
    ),
    "uk": (
        "У Лондоні рівень терористичної загрози знизили з критичного до серйозного.",
        "uk",
        "GB",
        "severe",
    ),
    "fr": (
        "À Londres, le niveau de la menace terroriste a été abaissé de critique à grave.",
        "uk",
        "GB",
        "severe",
    ),
    "de": (
        "In London wurde die Terrorwarnstufe von „kritisch“ auf „ernst“ gesenkt.",
        "uk",
        "GB",
        "severe",
    ),
    "it": (
        "A Londra il livello di allerta terrorismo è stato abbassato da critico a grave.",
        "uk",
        "GB",
        "severe",
    ),
    "es": (
        "En Londres el nivel de amenaza terrorista ha bajado de crítico a grave.",
        "uk",
        "GB",
        "severe",
    ),
    "nl": (
        "In Londen is het dreigingsniveau voor terrorisme verlaagd van kritiek naar ernstig.",
        "uk",
        "GB",
        "severe",
    ),
    "sv": ("Terrorhotnivån i London sänks från kritisk till allvarlig.", "uk", "GB", "severe"),
    "nb": ("Terrortrusselnivået i London senkes fra kritisk til alvorlig.", "uk", "GB", "severe"),
    "da": (
        "Terrortrusselsniveauet i London sænkes fra kritisk til alvorlig.",
        "uk",
        "GB",
        "severe",
    ),
}


@pytest.mark.parametrize(
    ("text", "scheme", "area", "level"), [pytest.param(*v, id=k) for k, v in NATIONAL.items()]
)
def test_national_scheme_place_inside_names_the_country(
    extractor: Extractor, text: str, scheme: str, area: str, level: str
) -> None:
    assert tuples(extractor, text) == [(scheme, area, level, "set")]


def test_a_regional_scheme_keeps_its_places(extractor: Extractor) -> None:
    text = "The terrorist threat level for Brussels was lowered from 4 to 3."
    assert tuples(extractor, text) == [("be-ocam", "BE-BRU", "3", "set")]


def test_travel_advisory_of_another_issuer_is_not_israels(extractor: Extractor) -> None:
    text = "The State Department issued Level 4 travel advisories for 21 countries."
    assert tuples(extractor, text) == []
    text = "Israel's National Security Council raised the travel warning for Egypt to level 4."
    assert tuples(extractor, text) == [("il-nsc-travel", "raw:egypt", "4", "set")] or all(
        t[0] == "il-nsc-travel" for t in tuples(extractor, text)
    )


# --- "level four (of five)": the scale's size; "from three to four" stays a change ------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "In Österreich wurde die Terrorwarnstufe vier (von fünf) ausgerufen.",
            [("at", "AT", "4", "set")],
        ),
        (
            "Belgien hat die Terrorwarnstufe von drei auf vier erhöht.",
            [("be-ocam", "BE", "4", "set")],
        ),
        ("Austria declared terror alert level 4 (of 5).", [("at", "AT", "4", "set")]),
        (
            "La Belgique a relevé son niveau de menace terroriste de trois à quatre.",
            [("be-ocam", "BE", "4", "set")],
        ),
    ],
)
def test_scale_size_with_number_words(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- "still at level two": a keep in Finnish word order; "the plan at its maximal level" -------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Terrorismin uhka Suomessa on supon mukaan yhä neliportaisen asteikon tasolla kaksi.",
            [("fi", "FI", "2", "extend")],
        ),
        (
            "Le plan Vigipirate sera porté à son niveau maximal sur tout le territoire.",
            [("fr-vigipirate", "FR", "attack emergency", "set")],
        ),
        (
            "O Sistema de Segurança Interna anunciou que Portugal está em grau de ameaça "
            "terrorista significativo.",
            [("pt", "PT", "significant", "set")],
        ),
    ],
)
def test_keeps_and_maximal_level(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- a hedge inside the explanation after the level is not the level's hedge ------------------
EXPLAINED_HEDGE = {
    "en": "Britain raised its terrorism threat level to critical, meaning another attack could be imminent.",
    "ru": "Великобритания повысила уровень террористической угрозы до критического, что означает, что новый теракт может быть неизбежен.",
    "kk": "Ақтөбе қаласында террористік қауіптің қызыл деңгейі енгізілді, бұл дегеніміз шабуыл болуы мүмкін.",
    "uk": "Великобританія підвищила рівень терористичної загрози до критичного, що означає, що новий теракт може бути неминучим.",
    "fr": "Le Royaume-Uni a relevé son niveau de menace terroriste à critique, ce qui signifie qu'une attaque pourrait être imminente.",
    "nl": "Het Verenigd Koninkrijk verhoogt het dreigingsniveau voor terrorisme naar kritiek, wat betekent dat een aanslag zou kunnen volgen.",
    "de": "Großbritannien hat die Terrorwarnstufe auf „kritisch“ angehoben, das bedeutet, ein Anschlag könnte unmittelbar bevorstehen.",
    "it": "Il Regno Unito ha alzato il livello di allerta terrorismo a critico, indicando che un nuovo attacco potrebbe essere imminente.",
    "es": "El Reino Unido ha elevado su nivel de amenaza terrorista a crítico, lo que significa que un atentado podría ser inminente.",
    "sv": "Storbritannien höjer terrorhotnivån till kritisk, vilket betyder att ett attentat kan vara nära förestående.",
    "nb": "Storbritannia hever terrortrusselnivået til kritisk, noe som betyr at et angrep kan være nært forestående.",
    "da": "Storbritannien hæver terrortrusselsniveauet til kritisk, hvilket betyder at et angreb kan være nært forestående.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in EXPLAINED_HEDGE.items()])
def test_hedge_in_the_explanation_is_not_the_levels(extractor: Extractor, text: str) -> None:
    got = tuples(extractor, text)
    assert len(got) == 1 and got[0][3] == "set"


def test_a_hedge_before_the_level_still_vetoes(extractor: Extractor) -> None:
    text = (
        "Britain could raise its terrorism threat level to critical, meaning an attack is imminent."
    )
    assert tuples(extractor, text) == []


# --- a change with no verb of its own, denied right next to it ---------------------------------
VERBLESS_DENIED = {
    "en": "Recent incidents in Belgium do not justify a lower threat level - from 4 to 3 - now.",
    "ru": "Недавние инциденты в Бельгии не оправдывают более низкий уровень угрозы терроризма - с 4 до 3.",
    "kk": "Ақтөбе қаласында террористік қауіп деңгейін қызылдан сарыға түсіру жоқ.",
    "uk": "Нещодавні інциденти в Бельгії не виправдовують нижчий рівень терористичної загрози - з 4 до 3.",
    "fr": "Les incidents récents en Belgique ne justifient pas un niveau de menace terroriste plus bas, de 4 à 3.",
    "nl": "De recente incidenten in België rechtvaardigen een lager dreigingsniveau -dus van 4 naar 3- niet.",
    "de": "Die jüngsten Vorfälle in Belgien rechtfertigen keine niedrigere Terrorwarnstufe - von 4 auf 3.",
    "it": "I recenti incidenti in Belgio non giustificano un livello di allerta terrorismo più basso, da 4 a 3.",
    "es": "Los incidentes recientes en Bélgica no justifican un nivel de alerta terrorista más bajo, de 4 a 3.",
    "sv": "Incidenterna i Sverige motiverar inte en lägre terrorhotnivå - från 4 till 3.",
    "nb": "Hendelsene i Norge rettferdiggjør ikke et lavere terrortrusselnivå - fra 4 til 3.",
    "da": "Hændelserne i Danmark retfærdiggør ikke et lavere terrortrusselsniveau - fra alvorlig til generel.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in VERBLESS_DENIED.items()])
def test_verbless_change_next_to_a_negation_is_denied(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


def test_verbless_change_with_a_later_negation_stands(extractor: Extractor) -> None:
    text = (
        "El nivel de alerta antiterrorista en España pasa de 3 a 4 y el ministro afirma que, "
        "por el momento, no hay víctimas españolas."
    )
    assert tuples(extractor, text) == [("es", "ES", "4", "set")]


def test_norwegian_infinitive_raise(extractor: Extractor) -> None:
    text = (
        "Säpo bekrefter beslutningen om å heve terrortrusselnivået i Sverige til det nest høyeste."
    )
    assert tuples(extractor, text) == [("se", "SE", "4", "set")]


# --- two levels in parallel, each after its to-word and level noun, are no change -------------
PARALLEL = {
    "en": "The terror threat level was raised to level 3 in Belgium and to level 4 in Brussels.",
    "fr": "Le niveau de la menace terroriste a été relevé au niveau 3 en Belgique et au niveau 4 à Bruxelles.",
    "nl": "Het dreigingsniveau is opgetrokken naar niveau 3 in België en naar niveau 4 in Brussel.",
    "de": "Die Terrorwarnstufe wurde auf Stufe 3 in Belgien und auf Stufe 4 in Brüssel erhöht.",
    "it": "Il livello di allerta terrorismo è stato alzato al livello 3 in Belgio e al livello 4 a Bruxelles.",
    "es": "El nivel de alerta terrorista se ha elevado al nivel 3 en Bélgica y al nivel 4 en Bruselas.",
    "ru": "Уровень террористической угрозы повышен до уровня 3 в Бельгии и до уровня 4 в Брюсселе.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in PARALLEL.items()])
def test_parallel_levels_with_their_nouns_are_two_levels(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == [
        ("be-ocam", "BE", "3", "set"),
        ("be-ocam", "BE-BRU", "4", "set"),
    ]


def test_from_level_to_level_is_still_a_change(extractor: Extractor) -> None:
    text = "Belgium raised its terror threat level from level 3 to level 4."
    assert tuples(extractor, text) == [("be-ocam", "BE", "4", "set")]


# --- an intention or plan to change the level is no change ------------------------------------
INTENTION = {
    "en": "Britain plans to lower its terrorism threat level to substantial.",
    "ru": "Великобритания планирует понизить уровень террористической угрозы до значительного.",
    "kk": "Ақтөбе қаласында террористік қауіптің қызыл деңгейін енгізу жоспарлап отыр.",
    "uk": "Велика Британія планує знизити рівень терористичної загрози до значного.",
    "fr": "Le Royaume-Uni prévoit de baisser son niveau de menace terroriste à substantiel.",
    "nl": "Het Verenigd Koninkrijk is van plan het dreigingsniveau voor terrorisme naar aanzienlijk te verlagen.",
    "de": "Großbritannien plant, die Terrorwarnstufe auf „erheblich“ zu senken.",
    "it": "Il Regno Unito prevede di abbassare il livello di allerta terrorismo a sostanziale.",
    "es": "El Reino Unido prevé rebajar su nivel de amenaza terrorista a sustancial.",
    "sv": "Storbritannien planerar att sänka terrorhotnivån till betydande.",
    "nb": "PST planlegger å senke terrortrusselnivået i Norge til 3.",
    "da": "Storbritannien planlægger at sænke terrortrusselsniveauet til betydelig.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in INTENTION.items()])
def test_a_plan_to_change_the_level_is_no_change(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "En España hay un nivel de alerta antiterrorista 4, que significa riesgo alto de atentado.",
        "In Belgien gilt die Terrorwarnstufe 3, was bedeutet, dass ein Anschlag möglich ist.",
        "En Belgique, le niveau 3 de la menace terroriste, qui signifie qu'un attentat est possible.",
    ],
)
def test_an_explanation_without_a_verb_on_the_level_still_defines(
    extractor: Extractor, text: str
) -> None:
    assert tuples(extractor, text) == []


# --- "the highest level in years" compares over time; it is no rank ----------------------------
HIGHEST_IN_YEARS = {
    "en": "Sweden raised its terror threat level to the highest in years.",
    "nl": "De NCTV verhoogt het dreigingsniveau in Nederland naar het hoogste niveau in jaren.",
    "de": "Großbritannien hebt die Terrorwarnstufe auf die höchste Stufe seit Jahren an.",
    "fr": "La Belgique relève son niveau de menace terroriste au plus élevé depuis des années.",
    "it": "Il Belgio alza il livello di allerta terrorismo al più alto da anni.",
    "es": "Bélgica eleva su nivel de alerta terrorista al más alto en años.",
    "uk": "В Актобе запроваджено найвищий за останні роки рівень терористичної загрози.",
    "sv": "Säpo höjer terrorhotnivån i Sverige till den högsta på många år.",
    "nb": "PST hever terrortrusselnivået i Norge til det høyeste på mange år.",
    "da": "PET hæver terrortrusselsniveauet i Danmark til det højeste i årevis.",
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in HIGHEST_IN_YEARS.items()])
def test_highest_in_years_is_no_rank(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


# --- "the Belgian capital", "столица Казахстана": a country's capital named by description ----
CAPITAL = {
    "en": (
        "The terror threat level in the Belgian capital was raised to 4.",
        "be-ocam",
        "BE-BRU",
        "4",
    ),
    "de": (
        "Die Terrorwarnstufe für die belgische Hauptstadt wurde auf 4 erhöht.",
        "be-ocam",
        "BE-BRU",
        "4",
    ),
    "fr": (
        "Le niveau de la menace terroriste dans la capitale belge a été relevé à 4.",
        "be-ocam",
        "BE-BRU",
        "4",
    ),
    "nl": (
        "Het dreigingsniveau voor terreur in de Belgische hoofdstad is verhoogd naar 4.",
        "be-ocam",
        "BE-BRU",
        "4",
    ),
    "it": (
        "Il livello di allerta terrorismo nella capitale belga è stato alzato a 4.",
        "be-ocam",
        "BE-BRU",
        "4",
    ),
    "es": (
        "El nivel de alerta terrorista en la capital belga se ha elevado a 4.",
        "be-ocam",
        "BE-BRU",
        "4",
    ),
    "ru": (
        "В столице Казахстана введен желтый уровень террористической опасности.",
        "kz",
        "KZ-AST",
        "yellow",
    ),
    "uk": (
        "У столиці Казахстану запроваджено жовтий рівень терористичної загрози.",
        "kz",
        "KZ-AST",
        "yellow",
    ),
    "kk": ("Елордада террористік қауіптің сары деңгейі енгізілді.", "kz", "KZ-AST", "yellow"),
}


@pytest.mark.parametrize(
    ("text", "scheme", "area", "level"), [pytest.param(*v, id=k) for k, v in CAPITAL.items()]
)
def test_a_capital_named_by_description(
    extractor: Extractor, text: str, scheme: str, area: str, level: str
) -> None:
    assert tuples(extractor, text) == [(scheme, area, level, "set")]

"""The phenomena that broke extraction on unseen text, each tested in every pack language.

Named after the rule that handles it: attribution (a national body or a possessive names the
issuer, not the area), negation, modality, clause-scoped vetoes, unchanged/keeps (extend), new
versus extended, from_to (any word order), two_levels, scale descriptions, history, definitions.
Every sentence was written for this file (none is a corpus text). The first sentence of the
attribution, negation, modality and clause groups is the one of issue 9.
"""

from __future__ import annotations

import pytest

from notifier.extract import Extractor
from tests.extracting import tuples

LANGUAGES = ("en", "ru", "kk", "uk", "fr", "nl", "de", "it", "es", "sv", "nb", "da")


def _with_previous(extractor: Extractor, text: str) -> set[tuple[str, str, str, str, str | None]]:
    from datetime import UTC, datetime

    from notifier.model import Document

    doc = Document(source_id="t", id="d", text=text, published=datetime(2024, 5, 2, tzinfo=UTC))
    return {
        (a.scheme, a.area.id, a.level, a.action.value, a.previous_level)
        for a in extractor.extract(doc)
    }


def _cases(table: dict[str, list[tuple[str, object]]]) -> list[object]:
    assert set(table) == set(LANGUAGES), set(LANGUAGES) ^ set(table)
    return [
        pytest.param(text, expected, id=f"{lang}-{i}")
        for lang, rows in table.items()
        for i, (text, expected) in enumerate(rows)
    ]


# --- attribution: the level of the city; the national body that said so is not an area -------
ATTRIBUTION = {
    "en": [
        (
            "The terrorist threat level in Shymkent has been raised from orange to red, the "
            "National Security Committee said.",
            ("kz", "KZ-SHY", "red", "set", "orange"),
        ),
        (
            "The terrorist threat level in Brussels was raised from 3 to 4, the National Crisis "
            "Centre said.",
            ("be-ocam", "BE-BRU", "4", "set", "3"),
        ),
    ],
    "ru": [
        (
            "Уровень террористической опасности в Шымкенте повышен с оранжевого до красного, "
            "сообщил КНБ Казахстана.",
            ("kz", "KZ-SHY", "red", "set", "orange"),
        )
    ],
    "kk": [
        (
            "Шымкент қаласында террористік қауіп деңгейі қызғылт сарыдан қызылға көтерілді, деп "
            "хабарлады Қазақстан ҰҚК.",
            ("kz", "KZ-SHY", "red", "set", "orange"),
        )
    ],
    "uk": [
        (
            "Рівень терористичної загрози в Шимкенті підвищено з помаранчевого до червоного, "
            "повідомив КНБ Казахстану.",
            ("kz", "KZ-SHY", "red", "set", "orange"),
        )
    ],
    "fr": [
        (
            "Le niveau de la menace terroriste à Bruxelles a été relevé de 3 à 4, a annoncé le "
            "Centre de crise national.",
            ("be-ocam", "BE-BRU", "4", "set", "3"),
        )
    ],
    "nl": [
        (
            "Het dreigingsniveau voor terreur in Brussel is van 3 naar 4 verhoogd, meldt het "
            "Nationaal Crisiscentrum.",
            ("be-ocam", "BE-BRU", "4", "set", "3"),
        )
    ],
    "de": [
        (
            "Die Terrorwarnstufe in Brüssel wurde von drei auf vier angehoben, teilte das "
            "nationale Krisenzentrum Belgiens mit.",
            ("be-ocam", "BE-BRU", "4", "set", "3"),
        )
    ],
    "it": [
        (
            "Il livello di allerta terrorismo a Bruxelles è stato alzato da 3 a 4, ha annunciato "
            "il Centro di crisi nazionale.",
            ("be-ocam", "BE-BRU", "4", "set", "3"),
        )
    ],
    "es": [
        (
            "El nivel de alerta terrorista en Bruselas ha sido elevado de 3 a 4, informó el "
            "Centro de Crisis nacional.",
            ("be-ocam", "BE-BRU", "4", "set", "3"),
        )
    ],
    "sv": [
        (
            "Terrorhotnivån i Stockholm höjs från 3 till 4, meddelade Säkerhetspolisen.",
            ("se", "SE-AB-STOCKHOLM", "4", "set", "3"),
        )
    ],
    "nb": [
        (
            "Terrortrusselnivået i Oslo er hevet fra 3 til 4, opplyser PST.",
            ("no", "NO-03", "4", "set", "3"),
        )
    ],
    "da": [
        (
            "Terrortrusselsniveauet i Oslo er hævet fra 3 til 4, oplyser den norske "
            "efterretningstjeneste PST.",
            ("no", "NO-03", "4", "set", "3"),
        )
    ],
}


@pytest.mark.parametrize(("text", "expected"), _cases(ATTRIBUTION))
def test_attribution_names_the_issuer_not_the_area(
    extractor: Extractor, text: str, expected: tuple[str, str, str, str, str]
) -> None:
    assert _with_previous(extractor, text) == {expected}


# --- negation and modality: nothing ---------------------------------------------------------
NEGATION = {
    "en": [("Britain did not raise its terrorism threat level to critical after the attack.", [])],
    "ru": [("Казахстан не стал повышать уровень террористической опасности до красного.", [])],
    "kk": [("Қазақстанда террористік қауіп деңгейі қызылға дейін көтерілген жоқ.", [])],
    "uk": [("Казахстан не підвищив рівень терористичної загрози до червоного.", [])],
    "fr": [("La Belgique n'a pas relevé le niveau de la menace terroriste à 4.", [])],
    "nl": [("België heeft het dreigingsniveau voor terreur niet naar 4 verhoogd.", [])],
    "de": [("Belgien hat die Terrorwarnstufe nicht auf vier angehoben.", [])],
    "it": [("Il Belgio non ha alzato il livello di allerta terrorismo a 4.", [])],
    "es": [("Bélgica no ha elevado el nivel de alerta terrorista a 4.", [])],
    "sv": [("Säpo har inte höjt terrorhotnivån till 4.", [])],
    "nb": [("PST har ikke hevet terrortrusselnivået til 4.", [])],
    "da": [("PST har ikke hævet terrortrusselsniveauet i Norge til 4.", [])],
}

MODALITY = {
    "en": [
        (
            "Ministers debated whether Britain should raise its terrorism threat level to critical.",
            [],
        )
    ],
    "ru": [
        (
            "В КНБ обсуждают, стоит ли повышать уровень террористической опасности в Казахстане "
            "до красного.",
            [],
        )
    ],
    "kk": [("Қазақстанда террористік қауіп деңгейі қызылға дейін көтерілуі мүмкін.", [])],
    "uk": [
        (
            "У Казахстані обговорюють, чи варто підвищити рівень терористичної загрози до червоного.",
            [],
        )
    ],
    "fr": [
        (
            "Les ministres débattent pour savoir si la Belgique doit relever le niveau de la "
            "menace terroriste à 4.",
            [],
        )
    ],
    "nl": [
        (
            "Ministers debatteren of België het dreigingsniveau voor terreur naar 4 moet verhogen.",
            [],
        )
    ],
    "de": [
        ("Die Minister diskutieren, ob Belgien die Terrorwarnstufe auf vier anheben sollte.", [])
    ],
    "it": [
        ("I ministri discutono se il Belgio debba alzare il livello di allerta terrorismo a 4.", [])
    ],
    "es": [
        ("Los ministros debaten si Bélgica debería elevar el nivel de alerta terrorista a 4.", [])
    ],
    "sv": [("Regeringen diskuterar om Säpo borde höja terrorhotnivån till 4.", [])],
    "nb": [("Regjeringen vurderer om PST bør heve terrortrusselnivået til 4.", [])],
    "da": [("Regeringen overvejer, om PST bør hæve terrortrusselsniveauet i Norge til 4.", [])],
}


@pytest.mark.parametrize(("text", "expected"), _cases(NEGATION))
def test_negation_announces_nothing(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(MODALITY))
def test_modality_announces_nothing(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- a veto applies to the trigger's clause only ----------------------------------------------
CLAUSE = {
    "en": [
        (
            "Britain raised its terrorism threat level to severe on Tuesday and asked people to "
            "call police if they see anything suspicious.",
            [("uk", "GB", "severe", "set")],
        )
    ],
    "ru": [
        (
            "Казахстан повысил уровень террористической опасности до красного и призвал граждан "
            "сообщать в полицию, если они заметят что-то подозрительное.",
            [("kz", "KZ", "red", "set")],
        )
    ],
    "kk": [
        (
            "Қазақстанда террористік қауіптің қызыл деңгейі енгізілді, алайда егер жағдай "
            "өзгерсе, ол алынуы мүмкін.",
            [("kz", "KZ", "red", "set")],
        )
    ],
    "uk": [
        (
            "Казахстан підвищив рівень терористичної загрози до червоного і закликав громадян "
            "телефонувати в поліцію, якщо вони помітять щось підозріле.",
            [("kz", "KZ", "red", "set")],
        )
    ],
    "fr": [
        (
            "La Belgique a relevé le niveau de la menace terroriste à 4 mardi et a demandé aux "
            "citoyens d'appeler la police si quelque chose leur paraît suspect.",
            [("be-ocam", "BE", "4", "set")],
        )
    ],
    "nl": [
        (
            "België heeft het dreigingsniveau voor terreur dinsdag naar 4 verhoogd en vroeg "
            "mensen de politie te bellen als ze iets verdachts zien.",
            [("be-ocam", "BE", "4", "set")],
        )
    ],
    "de": [
        (
            "Belgien hat die Terrorwarnstufe am Dienstag auf vier angehoben und bat die Bürger, "
            "die Polizei zu rufen, falls ihnen etwas verdächtig vorkommt.",
            [("be-ocam", "BE", "4", "set")],
        )
    ],
    "it": [
        (
            "Il Belgio ha alzato il livello di allerta terrorismo a 4 martedì e ha chiesto ai "
            "cittadini di chiamare la polizia se notano qualcosa di sospetto.",
            [("be-ocam", "BE", "4", "set")],
        )
    ],
    "es": [
        (
            "Bélgica ha elevado el nivel de alerta terrorista a 4 el martes y pidió a los "
            "ciudadanos que llamen a la policía si ven algo sospechoso.",
            [("be-ocam", "BE", "4", "set")],
        )
    ],
    "sv": [
        (
            "Säpo höjde terrorhotnivån i Sverige till 4 i tisdags och bad allmänheten att ringa "
            "polisen om de ser något misstänkt.",
            [("se", "SE", "4", "set")],
        )
    ],
    "nb": [
        (
            "PST hevet terrortrusselnivået i Norge til 4 tirsdag og ba folk ringe politiet hvis "
            "de ser noe mistenkelig.",
            [("no", "NO", "4", "set")],
        )
    ],
    "da": [
        (
            "PST har hævet terrortrusselsniveauet i Norge til 4 og bad borgerne ringe til "
            "politiet, hvis de ser noget mistænkeligt.",
            [("no", "NO", "4", "set")],
        )
    ],
}


@pytest.mark.parametrize(("text", "expected"), _cases(CLAUSE))
def test_a_veto_in_another_clause_does_not_apply(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


# --- unchanged / keeps the level: an extension (the corpus convention) ----------------------
KEEPS = {
    "en": [("Britain keeps its terrorism threat level at substantial.", [("uk", "GB", "substantial", "extend")])],
    "ru": [("Казахстан сохраняет жёлтый уровень террористической опасности.", [("kz", "KZ", "yellow", "extend")])],
    "kk": [("Қазақстанда террористік қауіптің сары деңгейі сақталады.", [("kz", "KZ", "yellow", "extend")])],
    "uk": [("Казахстан зберігає жовтий рівень терористичної загрози.", [("kz", "KZ", "yellow", "extend")])],
    "fr": [("La Belgique maintient le niveau de la menace terroriste à 3.", [("be-ocam", "BE", "3", "extend")])],
    "nl": [("België handhaaft het dreigingsniveau voor terreur op 3.", [("be-ocam", "BE", "3", "extend")])],
    "de": [
        ("Belgien hält die Terrorwarnstufe bei drei.", [("be-ocam", "BE", "3", "extend")]),
        ("In Belgien gilt weiterhin die Terrorwarnstufe drei.", [("be-ocam", "BE", "3", "extend")]),
    ],
    "it": [("Il Belgio mantiene il livello di allerta terrorismo a 3.", [("be-ocam", "BE", "3", "extend")])],
    "es": [("Bélgica mantiene su alerta terrorista en el nivel 3.", [("be-ocam", "BE", "3", "extend")])],
    "sv": [("Säpo behåller terrorhotnivån i Sverige på 4.", [("se", "SE", "4", "extend")])],
    "nb": [("PST opprettholder terrortrusselnivået i Norge på 4.", [("no", "NO", "4", "extend")])],
    "da": [("PST fastholder terrortrusselsniveauet i Norge på 4.", [("no", "NO", "4", "extend")])],
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), _cases(KEEPS))
def test_unchanged_keeps_the_level_is_an_extension(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


# --- new versus extended ----------------------------------------------------------------------
EXTENDED = {
    "en": [("Kazakhstan extended the yellow level of terrorist threat until 15 May.", [("kz", "KZ", "yellow", "extend")])],
    "ru": [("В Казахстане продлили жёлтый уровень террористической опасности до 15 мая.", [("kz", "KZ", "yellow", "extend")])],
    "kk": [("Қазақстанда террористік қауіптің сары деңгейі 15 мамырға дейін ұзартылды.", [("kz", "KZ", "yellow", "extend")])],
    "uk": [("У Казахстані продовжили жовтий рівень терористичної загрози до 15 травня.", [("kz", "KZ", "yellow", "extend")])],
    "fr": [("La Belgique a prolongé le niveau 3 de la menace terroriste jusqu'au 15 mai.", [("be-ocam", "BE", "3", "extend")])],
    "nl": [("België heeft het dreigingsniveau 3 voor terreur verlengd tot 15 mei.", [("be-ocam", "BE", "3", "extend")])],
    "de": [("Belgien hat die Terrorwarnstufe drei bis zum 15. Mai verlängert.", [("be-ocam", "BE", "3", "extend")])],
    "it": [("Il Belgio ha prorogato il livello 3 di allerta terrorismo fino al 15 maggio.", [("be-ocam", "BE", "3", "extend")])],
    "es": [("Bélgica ha prorrogado el nivel 3 de alerta terrorista hasta el 15 de mayo.", [("be-ocam", "BE", "3", "extend")])],
    "sv": [("Säpo har förlängt terrorhotnivå 4 i Sverige till den 15 maj.", [("se", "SE", "4", "extend")])],
    "nb": [("PST har forlenget terrortrusselnivå 4 i Norge til 15. mai.", [("no", "NO", "4", "extend")])],
    "da": [("PST har forlænget terrortrusselsniveau 4 i Norge til 15. maj.", [("no", "NO", "4", "extend")])],
}  # fmt: skip

NEW = {
    "en": [("Kazakhstan introduced the yellow level of terrorist threat on 2 May.", [("kz", "KZ", "yellow", "set")])],
    "ru": [("В Казахстане ввели жёлтый уровень террористической опасности.", [("kz", "KZ", "yellow", "set")])],
    "kk": [("Қазақстанда террористік қауіптің сары деңгейі енгізілді.", [("kz", "KZ", "yellow", "set")])],
    "uk": [("У Казахстані запровадили жовтий рівень терористичної загрози.", [("kz", "KZ", "yellow", "set")])],
    "fr": [("La Belgique a relevé le niveau de la menace terroriste à 3.", [("be-ocam", "BE", "3", "set")])],
    "nl": [("België heeft het dreigingsniveau voor terreur verhoogd naar 3.", [("be-ocam", "BE", "3", "set")])],
    "de": [("Belgien hat die Terrorwarnstufe auf drei erhöht.", [("be-ocam", "BE", "3", "set")])],
    "it": [("Il Belgio ha alzato il livello di allerta terrorismo a 3.", [("be-ocam", "BE", "3", "set")])],
    "es": [("Bélgica ha elevado el nivel de alerta terrorista a 3.", [("be-ocam", "BE", "3", "set")])],
    "sv": [("Säpo har höjt terrorhotnivån i Sverige till 4.", [("se", "SE", "4", "set")])],
    "nb": [("PST har hevet terrortrusselnivået i Norge til 4.", [("no", "NO", "4", "set")])],
    "da": [("PST har hævet terrortrusselsniveauet i Norge til 4.", [("no", "NO", "4", "set")])],
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), _cases(EXTENDED))
def test_extended_is_not_new(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(NEW))
def test_new_is_not_extended(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- from_to in any word order ----------------------------------------------------------------
FROM_TO = {
    "en": [("The terrorist threat level in Shymkent has been raised to red from orange.", ("kz", "KZ-SHY", "red", "set", "orange"))],
    "ru": [("В Шымкенте уровень террористической опасности изменён с жёлтого на красный.", ("kz", "KZ-SHY", "red", "set", "yellow"))],
    "kk": [("Шымкент қаласында террористік қауіп деңгейі сарыдан қызылға көтерілді.", ("kz", "KZ-SHY", "red", "set", "yellow"))],
    "uk": [("У Шимкенті рівень терористичної загрози змінено з жовтого на червоний.", ("kz", "KZ-SHY", "red", "set", "yellow"))],
    "fr": [("La Belgique a abaissé le niveau de la menace terroriste de 4 à 3.", ("be-ocam", "BE", "3", "set", "4"))],
    "nl": [("België heeft het dreigingsniveau voor terreur verlaagd van 4 naar 3.", ("be-ocam", "BE", "3", "set", "4"))],
    "de": [("Belgien hat die Terrorwarnstufe von drei auf vier angehoben.", ("be-ocam", "BE", "4", "set", "3"))],
    "it": [("Il Belgio ha abbassato il livello di allerta terrorismo da 4 a 3.", ("be-ocam", "BE", "3", "set", "4"))],
    "es": [("Bélgica ha rebajado el nivel de alerta terrorista de 4 a 3.", ("be-ocam", "BE", "3", "set", "4"))],
    "sv": [("Säpo sänker terrorhotnivån i Sverige från 4 till 3.", ("se", "SE", "3", "set", "4"))],
    "nb": [("PST senker terrortrusselnivået i Norge fra 4 til 3.", ("no", "NO", "3", "set", "4"))],
    "da": [("PST har sænket terrortrusselsniveauet i Norge fra 4 til 3.", ("no", "NO", "3", "set", "4"))],
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), _cases(FROM_TO))
def test_from_to_pairs_the_old_and_the_new_level(
    extractor: Extractor, text: str, expected: tuple[str, str, str, str, str]
) -> None:
    assert _with_previous(extractor, text) == {expected}


# --- two_levels: a country's and its capital's in one sentence -------------------------------
TWO_LEVELS = {
    "en": [("Belgium's terrorist threat level was raised to 3 and Brussels' to 4.", [("be-ocam", "BE", "3", "set"), ("be-ocam", "BE-BRU", "4", "set")])],
    "ru": [("Уровень террористической опасности в Казахстане повышен до оранжевого, а в Астане — до красного.", [("kz", "KZ", "orange", "set"), ("kz", "KZ-AST", "red", "set")])],
    "kk": [("Қазақстанда террористік қауіптің қызғылт сары деңгейі, ал Астанада қызыл деңгейі енгізілді.", [("kz", "KZ", "orange", "set"), ("kz", "KZ-AST", "red", "set")])],
    "uk": [("Рівень терористичної загрози в Казахстані підвищено до помаранчевого, а в Астані — до червоного.", [("kz", "KZ", "orange", "set"), ("kz", "KZ-AST", "red", "set")])],
    "fr": [("Le niveau de la menace terroriste a été relevé à 3 pour la Belgique et à 4 pour Bruxelles.", [("be-ocam", "BE", "3", "set"), ("be-ocam", "BE-BRU", "4", "set")])],
    "nl": [("Het dreigingsniveau voor terreur is voor België verhoogd naar 3 en voor Brussel naar 4.", [("be-ocam", "BE", "3", "set"), ("be-ocam", "BE-BRU", "4", "set")])],
    "de": [("Die Terrorwarnstufe wurde für Belgien auf drei und für Brüssel auf vier angehoben.", [("be-ocam", "BE", "3", "set"), ("be-ocam", "BE-BRU", "4", "set")])],
    "it": [("Il livello di allerta terrorismo è stato alzato a 3 per il Belgio e a 4 per Bruxelles.", [("be-ocam", "BE", "3", "set"), ("be-ocam", "BE-BRU", "4", "set")])],
    "es": [("El nivel de alerta terrorista ha sido elevado a 3 para Bélgica y a 4 para Bruselas.", [("be-ocam", "BE", "3", "set"), ("be-ocam", "BE-BRU", "4", "set")])],
    "sv": [("Terrorhotnivån har höjts till 4 i Sverige och till 5 i Stockholm.", [("se", "SE", "4", "set"), ("se", "SE-AB-STOCKHOLM", "5", "set")])],
    "nb": [("Terrortrusselnivået er hevet til 3 i Norge og til 4 i Oslo.", [("no", "NO", "3", "set"), ("no", "NO-03", "4", "set")])],
    "da": [("Terrortrusselsniveauet er hævet til 3 i Norge og til 4 i Oslo.", [("no", "NO", "3", "set"), ("no", "NO-03", "4", "set")])],
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), _cases(TWO_LEVELS))
def test_two_levels_in_one_sentence_are_two_announcements(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


# --- a description of the scale, a past declaration, a definition: nothing -----------------
SCALE = {
    "en": [("The UK terrorism threat levels range from low to critical.", [])],
    "ru": [("Уровни террористической опасности в Казахстане варьируются от жёлтого до красного.", [])],
    "kk": [("Қазақстанда террористік қауіптің үш деңгейі бар: сары, қызғылт сары және қызыл.", [])],
    "uk": [("Шкала рівнів терористичної загрози в Казахстані — від жовтого до червоного.", [])],
    "fr": [("En Belgique, les niveaux de la menace terroriste vont de 1 à 4.", [])],
    "nl": [("In België lopen de dreigingsniveaus voor terreur van 1 tot 4.", [])],
    "de": [("In Belgien reichen die Terrorwarnstufen von 1 bis 4.", [])],
    "it": [("In Belgio i livelli di allerta terrorismo vanno da 1 a 4.", [])],
    "es": [("En Bélgica los niveles de alerta terrorista van de 1 a 4.", [])],
    "sv": [("Terrorhotnivån i Sverige anges på en skala från 1 till 5.", [])],
    "nb": [("Terrortrusselnivået i Norge angis på en skala fra 1 til 5.", [])],
    "da": [("Terrortrusselsniveauet i Norge angives på en skala fra 1 til 5.", [])],
}  # fmt: skip

HISTORY = {
    "en": [("In 2017 Britain raised its terrorism threat level to critical after the Manchester attack.", [])],
    "ru": [("В 2022 году в Алматы был введён красный уровень террористической опасности.", [])],
    "kk": [("2022 жылы Алматыда террористік қауіптің қызыл деңгейі енгізілген болатын.", [])],
    "uk": [("У 2022 році в Алмати запровадили червоний рівень терористичної загрози.", [])],
    "fr": [("En 2015, la Belgique avait relevé le niveau de la menace terroriste à 4.", [])],
    "nl": [("In 2015 verhoogde België het dreigingsniveau voor terreur naar 4.", [])],
    "de": [("Im Jahr 2015 hatte Belgien die Terrorwarnstufe auf vier angehoben.", [])],
    "it": [("Nel 2015 il Belgio aveva alzato il livello di allerta terrorismo a 4.", [])],
    "es": [("En 2015 Bélgica elevó el nivel de alerta terrorista a 4.", [])],
    "sv": [("År 2010 höjde Säpo terrorhotnivån i Sverige till 3.", [])],
    "nb": [("I 2011 ble terrortrusselnivået i Norge hevet til 4.", [])],
    "da": [("I 2011 blev terrortrusselsniveauet i Norge hævet til 4.", [])],
}  # fmt: skip

DEFINITION = {
    "en": [("Under the UK system, a severe terrorism threat level means that an attack is highly likely.", [])],
    "ru": [("Красный уровень террористической опасности означает, что теракт может произойти в любой момент.", [])],
    "kk": [("Террористік қауіптің қызыл деңгейі терактінің жоғары ықтималдығын білдіреді.", [])],
    "uk": [("Червоний рівень терористичної загрози означає, що теракт може статися будь-якої миті.", [])],
    "fr": [("En Belgique, le niveau 4 de la menace terroriste signifie que la menace est sérieuse et imminente.", [])],
    "nl": [("Dreigingsniveau 4 betekent in België dat de terreurdreiging zeer ernstig is.", [])],
    "de": [("Die Terrorwarnstufe vier bedeutet in Belgien, dass die Bedrohung ernst und unmittelbar ist.", [])],
    "it": [("In Belgio il livello 4 di allerta terrorismo significa che la minaccia è seria e imminente.", [])],
    "es": [("En Bélgica, el nivel 4 de alerta terrorista significa que la amenaza es grave e inminente.", [])],
    "sv": [("Terrorhotnivå 4 i Sverige betyder att ett attentat är sannolikt.", [])],
    "nb": [("Terrortrusselnivå 4 i Norge betyr at et terrorangrep er sannsynlig.", [])],
    "da": [("Terrortrusselsniveau 4 i Norge betyder, at et terrorangreb er sandsynligt.", [])],
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), _cases(SCALE))
def test_a_scale_description_announces_nothing(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(HISTORY))
def test_history_announces_nothing(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(DEFINITION))
def test_a_definition_announces_nothing(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


# --- kinds of error of blind round 8, each as a rule in every pack language -------------------
# negation (refusal): refusing to raise is not raising
REFUSAL = {
    "en": [("Britain refused to raise its terrorism threat level to critical.", [])],
    "ru": [("Казахстан отказался повышать уровень террористической опасности до красного.", [])],
    "kk": [("Қазақстан террористік қауіп деңгейін қызылға дейін көтеруден бас тартты.", [])],
    "uk": [("Казахстан відмовився підвищити рівень терористичної загрози до червоного.", [])],
    "fr": [("La Belgique a refusé de relever le niveau de la menace terroriste à 4.", [])],
    "nl": [("België weigert het dreigingsniveau voor terreur naar 4 te verhogen.", [])],
    "de": [("Belgien weigert sich, die Terrorwarnstufe auf vier anzuheben.", [])],
    "it": [("Il Belgio ha rifiutato di alzare il livello di allerta terrorismo a 4.", [])],
    "es": [("El Gobierno ha rechazado elevar el nivel de alerta terrorista de Bélgica a 4.", [])],
    "sv": [("Säpo vägrar att höja terrorhotnivån i Sverige till 5.", [])],
    "nb": [("PST nekter å heve terrortrusselnivået i Norge til 5.", [])],
    "da": [("PST nægter at hæve terrortrusselsniveauet i Norge til 5.", [])],
}

# modality (proposal): a proposal or a demand is not a decision
PROPOSAL = {
    "en": [("Experts proposed raising Britain's terrorism threat level to critical.", [])],
    "ru": [("Эксперты предложили повысить уровень террористической опасности в Казахстане до красного.", [])],
    "kk": [("Сарапшылар Қазақстанда террористік қауіп деңгейін қызылға дейін көтеруді ұсынды.", [])],
    "uk": [("Експерти запропонували підвищити рівень терористичної загрози в Казахстані до червоного.", [])],
    "fr": [("Les experts ont proposé de relever le niveau de la menace terroriste en Belgique à 4.", [])],
    "nl": [("Experts stellen voor het dreigingsniveau voor terreur in België naar 4 te verhogen.", [])],
    "de": [("Experten haben vorgeschlagen, die Terrorwarnstufe in Belgien auf vier anzuheben.", [])],
    "it": [("Gli esperti hanno proposto di alzare il livello di allerta terrorismo in Belgio a 4.", [])],
    "es": [("Los expertos han propuesto elevar el nivel de alerta terrorista en Bélgica a 4.", [])],
    "sv": [("Experter föreslår att terrorhotnivån i Sverige höjs till 5.", [])],
    "nb": [("Eksperter foreslår at terrortrusselnivået i Norge heves til 5.", [])],
    "da": [("Eksperter foreslår, at terrortrusselsniveauet i Norge hæves til 5.", [])],
}  # fmt: skip

# history (ago): "two years ago" makes what follows background
AGO = {
    "en": [("Five years ago Britain raised its terrorism threat level to critical.", [])],
    "ru": [("Пять лет назад в Казахстане был введён красный уровень террористической опасности.", [])],
    "kk": [("Бес жыл бұрын Қазақстанда террористік қауіптің қызыл деңгейі енгізілді.", [])],
    "uk": [("П'ять років тому в Казахстані запровадили червоний рівень терористичної загрози.", [])],
    "fr": [("Cinq ans plus tôt, la Belgique avait relevé le niveau de la menace terroriste à 4.", [])],
    "nl": [("Vijf jaar geleden verhoogde België het dreigingsniveau voor terreur naar 4.", [])],
    "de": [("Fünf Jahre zuvor hatte Belgien die Terrorwarnstufe auf vier angehoben.", [])],
    "it": [("Cinque anni fa il Belgio ha alzato il livello di allerta terrorismo a 4.", [])],
    "es": [("Cinco años atrás, Bélgica elevó el nivel de alerta terrorista a 4.", [])],
    "sv": [("För fem år sedan höjde Säpo terrorhotnivån i Sverige från två till tre.", [])],
    "nb": [("For fem år siden hevet PST terrortrusselnivået i Norge fra 3 til 4.", [])],
    "da": [("For fem år siden hævede PET terrortrusselsniveauet i Norge fra 3 til 4.", [])],
}  # fmt: skip

# scale (size): "there are 5 levels" names the scale, not level 5
SCALE_SIZE = {
    "en": [("There are 5 levels of terrorist threat in Belgium.", [])],
    "ru": [("В Казахстане существует 3 уровня террористической опасности.", [])],
    "kk": [("Қазақстанда террористік қауіптің 3 деңгейлері бар.", [])],
    "uk": [("У Казахстані є 3 рівнів терористичної загрози.", [])],
    "fr": [("La Belgique compte 4 niveaux de menace terroriste.", [])],
    "nl": [("België kent 4 niveaus van terreurdreiging.", [])],
    "de": [("Belgien kennt 4 Stufen der Terrorwarnung.", [])],
    "it": [("Il Belgio prevede 4 livelli di allerta terrorismo.", [])],
    "es": [("Bélgica tiene 4 niveles de alerta terrorista.", [])],
    "sv": [("Sverige har 5 nivåer för terrorhot.", [])],
    "nb": [("Norge har 5 nivåer for terrortrussel.", [])],
    "da": [("Norge har 5 niveauer for terrortrussel.", [])],
}

# attribution (foreign country): a nationwide word belongs to the country the sentence names
# Denmark has a scheme (dk) since the European schemes landed: the foreign country is Germany,
# which publishes no threat level.
FOREIGN = {
    "en": [("Germany's national terrorist threat level is red.", [])],
    "ru": [("Национальный уровень террористической угрозы в Германии — красный.", [])],
    "kk": [("Германияда бүкіл ел бойынша террористік қауіптің қызыл деңгейі енгізілді.", [])],
    "uk": [("У Німеччині по всій країні запроваджено червоний рівень терористичної загрози.", [])],
    "fr": [("En Allemagne, le niveau national de la menace terroriste a été relevé à 4.", [])],
    "nl": [("In Duitsland is het landelijke dreigingsniveau voor terreur verhoogd naar 4.", [])],
    "de": [("In Deutschland wurde die bundesweite Terrorwarnstufe auf vier angehoben.", [])],
    "it": [("In Germania il livello di allerta terrorismo è stato alzato a 4 in tutto il paese.", [])],
    "es": [("En Alemania, el nivel nacional de alerta terrorista ha sido elevado a 4.", [])],
    "sv": [("I Tyskland har terrorhotnivån i hela landet höjts till 4.", [])],
    "nb": [("I Tyskland er terrortrusselnivået i hele landet hevet til 4.", [])],
    "da": [("I Tyskland er terrortrusselsniveauet i hele landet hævet til 4.", [])],
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), _cases(REFUSAL))
def test_negation_refusal_announces_nothing(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(PROPOSAL))
def test_modality_proposal_announces_nothing(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(AGO))
def test_history_years_ago_announces_nothing(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(SCALE_SIZE))
def test_scale_size_is_not_a_level(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases(FOREIGN))
def test_attribution_nationwide_word_of_a_foreign_country(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


# history (since then): "ever since", "seitdem" make the whole clause background, wherever they stand
SINCE_THEN = {
    "en": [("Britain raised its terrorism threat level to severe and it has stayed there ever since.", [])],
    "ru": [("С тех пор в Казахстане действует жёлтый уровень террористической опасности.", [])],
    "kk": [("Содан бері Қазақстанда террористік қауіптің сары деңгейі сақталып отыр.", [])],
    "uk": [("Відтоді в Казахстані діє жовтий рівень терористичної загрози.", [])],
    "fr": [("La Belgique a relevé le niveau de la menace terroriste à 3 et il n'a pas bougé depuis lors.", [])],
    "nl": [("België verhoogde het dreigingsniveau voor terreur naar 3 en het is sindsdien zo gebleven.", [])],
    "de": [("Belgien hat die Terrorwarnstufe auf drei angehoben und seitdem nicht mehr verändert.", [])],
    "it": [("Il Belgio ha alzato il livello di allerta terrorismo a 3 e da allora non è cambiato.", [])],
    "es": [("Bélgica ha elevado el nivel de alerta terrorista a 3 y desde entonces no ha cambiado.", [])],
    "sv": [("Säpo har höjt terrorhotnivån i Sverige till 4 och den har legat där sedan dess.", [])],
    "nb": [("PST har hevet terrortrusselnivået i Norge til 4 og det har ligget der siden da.", [])],
    "da": [("PST har hævet terrortrusselsniveauet i Norge til 4 og det har ligget der siden da.", [])],
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), _cases(SINCE_THEN))
def test_history_since_then_announces_nothing(
    extractor: Extractor, text: str, expected: list
) -> None:
    assert tuples(extractor, text) == expected


# attribution (no country at all): a level word several schemes share, with nothing of any
# country in the text, is nobody's — never a random country's
NO_COUNTRY = {
    "en": [("The terror threat level was raised to 4.", [])],
    "ru": [("Уровень террористической угрозы повышен до оранжевого.", [])],
    "kk": [("Террористік қауіп деңгейі 4-ке дейін көтерілді.", [])],
    "uk": [("Рівень терористичної загрози підвищено до 4.", [])],
    "fr": [("Le niveau de la menace terroriste a été relevé à 4.", [])],
    "nl": [("Het dreigingsniveau voor terreur is verhoogd naar 4.", [])],
    "de": [("Die Terrorwarnstufe wurde auf 4 angehoben.", [])],
    "it": [("Il livello di allerta terrorismo è stato alzato a 4.", [])],
    "es": [("El nivel de alerta terrorista ha sido elevado a 4.", [])],
    "sv": [("Terrorhotnivån har höjts till 4.", [])],
    "nb": [("Terrortrusselnivået er hevet til 4.", [])],
    "da": [("Terrortrusselsniveauet er hævet til 4.", [])],
}


@pytest.mark.parametrize(("text", "expected"), _cases(NO_COUNTRY))
def test_attribution_no_country_is_no_ones(extractor: Extractor, text: str, expected: list) -> None:
    assert tuples(extractor, text) == expected

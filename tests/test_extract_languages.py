"""Round-6 rules: a scheme's level as the international press reports it.

Causes (from the round-5 cause list, never its texts): the NCTV level in English/Russian and the UK
level in Spanish missed (no words for those languages in the scheme YAML); a German pronoun standing
for the level; an attack's city taken as the level's area; a dated history clause read as a new
level. Every sentence here was written for these tests (none is copied from a held-out text).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notifier.extract import Extractor
from tests.extracting import tuples

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The terrorist threat level in the Netherlands was raised from 3 to 4 ('substantial') by the NCTV.",
            ("nl-nctv", "NL", "4", "set"),
        ),
        (
            "The Dutch counter-terrorism coordinator NCTV lowered the national threat level from 'substantial' to 'considerable'.",
            ("nl-nctv", "NL", "3", "set"),
        ),
        (
            "Уровень террористической угрозы в Нидерландах повышен до четвертого, сообщил координатор NCTV.",
            ("nl-nctv", "NL", "4", "set"),
        ),
        (
            "Координатор NCTV понизил уровень террористической угрозы в Нидерландах с 4 до 3.",
            ("nl-nctv", "NL", "3", "set"),
        ),
        (
            "El nivel de amenaza terrorista en los Países Bajos fue elevado de 3 a 4, informó el coordinador NCTV.",
            ("nl-nctv", "NL", "4", "set"),
        ),
        (
            "Die Terrorwarnstufe in den Niederlanden wurde von 3 auf 4 erhöht, teilte die NCTV mit.",
            ("nl-nctv", "NL", "4", "set"),
        ),
        (
            "Il livello di minaccia terroristica nei Paesi Bassi è stato alzato da 3 a 4, ha comunicato il NCTV.",
            ("nl-nctv", "NL", "4", "set"),
        ),
        (
            "Les Pays-Bas ont abaissé leur niveau de menace terroriste de 4 à 3.",
            ("nl-nctv", "NL", "3", "set"),
        ),
        (
            "El Reino Unido elevó el nivel de amenaza terrorista de 'grave' a 'crítico', anunció la primera ministra.",
            ("uk", "GB", "critical", "set"),
        ),
        (
            "El nivel de amenaza terrorista en el Reino Unido fue rebajado de 'grave' a 'sustancial'.",
            ("uk", "GB", "substantial", "set"),
        ),
        (
            "Le Royaume-Uni a abaissé son niveau de menace terroriste de « critique » à « grave ».",
            ("uk", "GB", "severe", "set"),
        ),
        (
            "Großbritannien hat die Terrorwarnstufe von „ernst“ auf „erheblich“ gesenkt.",
            ("uk", "GB", "substantial", "set"),
        ),
        (
            'Il Regno Unito ha alzato il livello di allerta terrorismo da "sostanziale" a "grave".',
            ("uk", "GB", "severe", "set"),
        ),
        (
            "Великобритания повысила уровень террористической угрозы с «значительного» до «серьезного».",
            ("uk", "GB", "severe", "set"),
        ),
        (
            "La Belgique a abaissé son niveau de menace terroriste de 3 à 2.",
            ("be-ocam", "BE", "2", "set"),
        ),
    ],
)
def test_scheme_words_in_the_languages_of_the_international_press(
    extractor: Extractor, text: str, expected: tuple[str, str, str, str]
) -> None:
    assert tuples(extractor, text) == [expected]


def test_a_pronoun_opening_a_sentence_stands_for_the_level_named_before(
    extractor: Extractor,
) -> None:
    text = (
        "Die schwedische Sicherheitspolizei Säpo hat die Terrorwarnstufe überprüft. "
        "Sie wurde von 3 auf 4 angehoben."
    )
    assert tuples(extractor, text) == [("se", "SE", "4", "set")]


def test_a_pronoun_without_a_level_noun_before_it_is_nothing(extractor: Extractor) -> None:
    text = "Die Säpo warnt vor Terror in Schweden. Sie wurde 1989 gegründet und hat 4 Abteilungen."
    assert tuples(extractor, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Après l'attentat de Strasbourg, le plan Vigipirate a été relevé au niveau « urgence attentat » "
            "sur l'ensemble du territoire.",
            ("fr-vigipirate", "FR", "attack emergency", "set"),
        ),
        (
            "Nach dem Anschlag in Manchester hob Großbritannien die Terrorwarnstufe auf „kritisch“ an.",
            ("uk", "GB", "critical", "set"),
        ),
        (
            'Dopo l\'attacco a Manchester il Regno Unito ha alzato il livello di allerta terrorismo a "critico".',
            ("uk", "GB", "critical", "set"),
        ),
    ],
)
def test_the_attacks_city_is_not_the_levels_area(
    extractor: Extractor, text: str, expected: tuple[str, str, str, str]
) -> None:
    assert tuples(extractor, text) == [expected]


def test_a_dated_relative_clause_is_history(extractor: Extractor) -> None:
    text = (
        "The UK terror threat level, which was raised to severe in November, "
        "has been lowered to substantial."
    )
    assert tuples(extractor, text) == [("uk", "GB", "substantial", "set")]


@pytest.mark.parametrize(
    "text",
    [
        "Das Wetter in den Niederlanden: Warnstufe 4 für Sturm an der Küste.",
        "Il livello di allerta meteo arancione in Olanda per vento forte.",
    ],
)
def test_weather_in_the_new_languages_stays_silent(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []

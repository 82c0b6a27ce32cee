"""Round-5 rules: a level belongs to the country the text is about; neighbours' languages.

Causes (from round 4, not its texts): a US colour read as Kazakhstan's; a Spanish/French text about
Sweden's raise read as Spain's/Belgium's; Sweden's level in German/Norwegian/Danish missed; a
Brussels lowering with a background clause missed; an "unchanged" clause vetoing a whole sentence.
Every sentence here was written for these tests (none is copied from a held-out text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.extract import Extractor
from notifier.model import Document
from tests.extracting import D2024, tuples

ROOT = Path(__file__).resolve().parent.parent
D2003 = datetime(2003, 2, 8, tzinfo=UTC)


# --- a colour belongs to the scheme of the country the text is about ------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        (
            "The Department of Homeland Security raised the national threat level from yellow "
            "to orange on Friday, citing intelligence about al-Qaeda.",
            "orange",
        ),
        (
            "America's terrorism alert was lowered back to yellow by Homeland Security "
            "Secretary Tom Ridge on Thursday.",
            "yellow",
        ),
    ],
)
def test_us_colour_is_hsas_never_kazakhstan(extractor: Extractor, text: str, level: str) -> None:
    got = tuples(extractor, text, D2003)
    assert [t[:3] for t in got] == [("us-hsas", "US", level)]


def test_hsas_official_words_are_not_level_words(extractor: Extractor) -> None:
    # "elevated"/"high"/"severe" are everyday English and other schemes' levels
    assert tuples(extractor, "Current National Threat Level is elevated", None) == []


@pytest.mark.parametrize(
    "text",
    [
        "New Zealand's national terrorism threat level was lowered from high to medium on "
        "Wednesday, the prime minister said.",
        "Neuseeland hat seine Terrorwarnstufe von hoch auf mittel gesenkt.",
        # (the US colours are read in French since round 12: Canada has no scheme)
        "Le Canada a relevé son niveau d'alerte terroriste à l'orange.",
    ],
)
def test_a_foreign_country_does_not_fall_back_to_another_scheme(
    extractor: Extractor, text: str
) -> None:
    assert tuples(extractor, text) == []


def test_bare_colour_with_nothing_of_the_country_goes_to_review(extractor: Extractor) -> None:
    doc = Document(
        source_id="t",
        id="d",
        text="Власти объявили оранжевый уровень террористической опасности.",
        published=D2024,
    )
    for a in extractor.extract(doc):
        assert a.confidence < 0.6  # the operator's review queue, not thousands of phones


# --- another country's level in a text of a third language ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Suecia elevó en agosto su nivel de alerta terrorista del 3 al 4 tras la quema de "
        "ejemplares del Corán.",
        "El pasado mes de agosto, Suecia subió su nivel de amenaza terrorista a 4 sobre 5.",
        "La Suède avait relevé en août son niveau d'alerte terroriste de 3 à 4 sur une échelle "
        "de 5.",
    ],
)
def test_explainer_about_sweden_is_not_a_local_level(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []


# --- Sweden (and Norway) reported in German, Norwegian, Danish ------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Schweden hat die Terrorwarnstufe von drei auf vier erhöht, teilte Säpo mit.", "4"),
        ("Der schwedische Geheimdienst Säpo senkt die Terrorbedrohungsstufe von 4 auf 3.", "3"),
        ("Die Terrorwarnstufe in Schweden wurde am Donnerstag auf Stufe 4 angehoben.", "4"),
        ("Schweden hat seine Terrorwarnstufe auf die Stufe vier von fünf erhöht.", "4"),
        ("Säpo hever terrortrusselnivået i Sverige fra tre til fire.", "4"),
        (
            "Den svenske sikkerhedstjeneste Säpo har besluttet at hæve terrortrusselsniveauet i "
            "Sverige fra 3 til 4, som er det næsthøjeste niveau.",
            "4",
        ),
    ],
)
def test_sweden_in_neighbour_languages(extractor: Extractor, text: str, level: str) -> None:
    assert tuples(extractor, text) == [("se", "SE", level, "set")]


def test_norway_in_german(extractor: Extractor) -> None:
    text = "Norwegen hat seine Terrorwarnstufe auf vier angehoben, teilte der Dienst PST mit."
    assert tuples(extractor, text) == [("no", "NO", "4", "set")]


def test_german_level_unchanged_is_nothing(extractor: Extractor) -> None:
    text = "Die Terrorwarnstufe in Schweden bleibt unverändert bei drei, sagte Säpo."
    assert tuples(extractor, text) == []


# --- a city's own level (OCAM) with a background clause or an unchanged clause -------------


@pytest.mark.parametrize(
    "text",
    [
        "L'OCAM a abaissé le niveau de la menace pour Bruxelles de 4 à 3, tandis que le reste du "
        "pays reste au niveau 3.",
        "Le niveau de menace terroriste à Bruxelles, qui avait été porté à 4 lundi, est "
        "redescendu au niveau 3 ce mercredi, a annoncé l'OCAM.",
        "Le niveau de menace à Bruxelles, qui était passé à 4, est ramené à 3 selon l'OCAM.",
    ],
)
def test_brussels_lowered_to_3(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == [("be-ocam", "BE-BRU", "3", "set")]


def test_unchanged_clause_alone_is_still_nothing(extractor: Extractor) -> None:
    text = "Le niveau de la menace pour la Belgique reste au niveau 3, a indiqué l'OCAM."
    assert tuples(extractor, text) == []


# --- Vigipirate "urgence attentat" ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Le Premier ministre a annoncé que le plan Vigipirate passait au niveau « urgence "
        "attentat » sur tout le territoire.",
        "Le niveau Urgence Attentat du plan Vigipirate a été déclenché ce dimanche.",
    ],
)
def test_urgence_attentat(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == [("fr-vigipirate", "FR", "attack emergency", "set")]

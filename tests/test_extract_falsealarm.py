"""False-alarm rules: scale descriptions, ordinals, datelines, history, "remains", other countries.

Every sentence here was written for these tests (none is copied from a held-out text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.extract import Extractor
from notifier.model import Document

ROOT = Path(__file__).resolve().parent.parent


def tuples(
    extractor: Extractor, text: str, published: datetime | None = None
) -> list[tuple[str, str, str | None, str]]:
    doc = Document(source_id="t", id="d", text=text, published=published)
    return sorted((a.scheme, a.area.id, a.level, a.action.value) for a in extractor.extract(doc))


D2024 = datetime(2024, 5, 2, tzinfo=UTC)

# --- a description of the scale is never a level change ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The UK threat level system has five levels, from low to moderate, substantial, severe "
        "and critical.",
        "Het NCTV kent vijf dreigingsniveaus, van 'minimaal' naar 'kritiek'.",
        "В России действуют три уровня террористической опасности: синий, желтый и красный.",
        "Le plan Vigipirate compte trois niveaux : vigilance, sécurité renforcée - risque "
        "attentat et urgence attentat.",
        "Terrorhotnivån anges på en skala från 1 till 5.",
    ],
)
def test_scale_description_is_not_a_level(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text, D2024) == []


def test_change_next_to_a_scale_description_keeps_only_the_change(extractor: Extractor) -> None:
    text = (
        "The UK terrorism threat level has been raised from substantial to severe. "
        "There are five levels: low, moderate, substantial, severe and critical."
    )
    assert tuples(extractor, text, D2024) == [("uk", "GB", "severe", "set")]


# --- an ordinal "N of M" gives N --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Norway's PST raised the terror threat level to level 4 of 5 on Tuesday.",
            [("no", "NO", "4", "set")],
        ),
        (
            "Служба безопасности Норвегии PST повысила уровень террористической угрозы "
            "до 4-го из 5.",
            [("no", "NO", "4", "set")],
        ),
        (
            "Säpo höjer terrorhotnivån i Sverige till nivå 4 på en skala från 1 till 5.",
            [("se", "SE", "4", "set")],
        ),
        (
            "De NCTV heeft het dreigingsniveau verhoogd naar niveau 4 op een schaal van 1 tot 5.",
            [("nl-nctv", "NL", "4", "set")],
        ),
    ],
)
def test_ordinal_of_a_scale_gives_the_ordinal(
    extractor: Extractor, text: str, expected: list[tuple[str, str, str, str]]
) -> None:
    assert tuples(extractor, text, D2024) == expected


# --- a dateline is not an area ---------------------------------------------------------------


def test_dateline_city_is_not_an_area(extractor: Extractor) -> None:
    text = (
        "Москва. 14 марта. В Белгородской области продлен желтый уровень террористической "
        "опасности до 29 марта."
    )
    got = tuples(extractor, text, datetime(2023, 3, 14, tzinfo=UTC))
    assert got == [("ru", "RU-BEL", "yellow", "extend")]


def test_dateline_with_agency_is_not_an_area(extractor: Extractor) -> None:
    text = (
        "Алматы, 3 февраля (КазТАГ) – В Актюбинской области введен умеренный (желтый) "
        "уровень террористической опасности."
    )
    got = tuples(extractor, text, datetime(2023, 2, 3, tzinfo=UTC))
    assert got == [("kz", "KZ-AKT", "yellow", "set")]


# --- a sentence in an earlier year than the document is history ------------------------------


def test_earlier_year_sentence_is_history(extractor: Extractor) -> None:
    text = (
        "В Курской области продлен желтый уровень террористической опасности. "
        "В апреле 2022 года в регионе впервые ввели высокий «желтый» уровень."
    )
    got = tuples(extractor, text, datetime(2023, 6, 1, tzinfo=UTC))
    assert got == [("ru", "RU-KRS", "yellow", "extend")]


def test_earlier_year_in_english_is_history(extractor: Extractor) -> None:
    text = "In August 2014 the UK threat level was raised to severe."
    assert tuples(extractor, text, datetime(2019, 11, 4, tzinfo=UTC)) == []


# --- "remains" is extend only with a level word attached -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Terrorism remains a threat to the United Kingdom, the Home Secretary said, after the "
        "threat level review.",
        "Терроризм сохраняется как угроза, заявили в КНБ, говоря об уровне террористической "
        "опасности.",
        "Le terrorisme reste une menace, a rappelé le ministre à propos du plan Vigipirate.",
    ],
)
def test_terrorism_remains_a_threat_is_not_extend(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text, D2024) == []


def test_remains_with_level_word_is_extend(extractor: Extractor) -> None:
    text = "The separate terrorism threat level for Northern Ireland remains “severe”."
    assert tuples(extractor, text, D2024) == [("uk-nirt", "GB-NIR", "severe", "extend")]


def test_russian_level_kept_is_extend(extractor: Extractor) -> None:
    text = "В Севастополе сохраняется желтый уровень террористической опасности."
    assert tuples(extractor, text, D2024) == [("ru", "UA-40", "yellow", "extend")]


def test_kazakh_level_kept_is_extend(extractor: Extractor) -> None:
    text = "Астана қаласында терроризм қаупінің «сары» деңгейі сақталады."
    assert tuples(extractor, text, D2024) == [("kz", "KZ-AST", "yellow", "extend")]


# --- a level applies to the country its sentence names ---------------------------------------


def test_level_of_one_country_not_applied_to_the_other(extractor: Extractor) -> None:
    text = (
        "Norge höjer terrorhotnivån efter skottlossningen i Oslo.\n\n"
        "PST meddelade att hotnivån nu är på nivå 4 på en skala från 1 till 5."
    )
    assert tuples(extractor, text, D2024) == [("no", "NO", "4", "set")]


def test_other_country_named_as_comparison_gets_nothing(extractor: Extractor) -> None:
    text = (
        "Sweden raised its terrorist threat level to 4 on Thursday.\n\n"
        "In Norway, PST said the terrorist threat level is unchanged."
    )
    assert tuples(extractor, text, D2024) == [("se", "SE", "4", "set")]


# --- Vigipirate "urgence attentat" -------------------------------------------------------------


def test_vigipirate_raised_to_urgence_attentat(extractor: Extractor) -> None:
    text = (
        "Le gouvernement a décidé de porter le plan Vigipirate au niveau « urgence attentat » "
        "sur l'ensemble du territoire national."
    )
    assert tuples(extractor, text, D2024) == [("fr-vigipirate", "FR", "attack emergency", "set")]


def test_level_without_place_goes_to_the_country_the_text_names(extractor: Extractor) -> None:
    text = (
        "Norges säkerhetstjänst PST meddelade beslutet på tisdagen.\n\n"
        "Terrorhotnivån höjs till nivå 4."
    )
    assert tuples(extractor, text, D2024) == [("no", "NO", "4", "set")]


def test_english_wire_dateline_is_not_an_area(extractor: Extractor) -> None:
    text = (
        "ALMATY, Jan 5 (Reuters) - Kazakhstan declared a red level of terrorist threat in "
        "the western city of Aktobe on Wednesday."
    )
    got = tuples(extractor, text, datetime(2022, 1, 5, tzinfo=UTC))
    assert got == [("kz", "KZ-AKT-AKTOBE", "red", "set")]


@pytest.mark.parametrize(
    "text",
    [
        "Le gouvernement a déclenché l'urgence attentat dimanche soir après l'attaque de Moscou.",
        "La France est passée en « urgence attentat » dimanche, a annoncé le Premier ministre.",
    ],
)
def test_urgence_attentat_without_the_word_niveau(extractor: Extractor, text: str) -> None:
    got = tuples(extractor, text, datetime(2024, 3, 25, tzinfo=UTC))
    assert got == [("fr-vigipirate", "FR", "attack emergency", "set")]

"""Rules added after held-out round 1 (promoted to the development set): general phrasing, each
with sentences written for the test in several languages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.extract import Extractor
from notifier.extract.patterns import phrase_regex
from notifier.model import Document

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2022, 1, 26, 9, 0, tzinfo=UTC)


def tuples(extractor: Extractor, text: str) -> set[tuple[str, str, str | None, str]]:
    doc = Document(source_id="t", id="d", text=text, published=WHEN)
    return {(a.scheme, a.area.id, a.level, a.action.value) for a in extractor.extract(doc)}


def test_a_plural_regions_closes_a_list_of_bare_names(extractor: Extractor) -> None:
    got = tuples(
        extractor,
        "The counter-terrorism centre introduced a moderate yellow level of terrorist threat in "
        "Aktobe, Karaganda, Pavlodar and Kostanay regions.",
    )
    assert got == {("kz", r, "yellow", "set") for r in ("KZ-AKT", "KZ-KAR", "KZ-PAV", "KZ-KUS")}


def test_a_bare_name_after_the_list_is_still_a_city(extractor: Extractor) -> None:
    got = tuples(
        extractor,
        "A yellow level of terrorist threat was declared in Atyrau and Kyzylorda regions and in "
        "the city of Aktobe.",
    )
    assert got == {
        ("kz", "KZ-ATY", "yellow", "set"),
        ("kz", "KZ-KZY", "yellow", "set"),
        ("kz", "KZ-AKT-AKTOBE", "yellow", "set"),
    }


def test_russian_noun_before_oblast_adjectives_stays_the_city(extractor: Extractor) -> None:
    got = tuples(
        extractor,
        "В Алматы, Алматинской и Жамбылской областях введен критический «красный» уровень "
        "террористической опасности.",
    )
    assert got == {
        ("kz", "KZ-ALA", "red", "set"),
        ("kz", "KZ-ALM", "red", "set"),
        ("kz", "KZ-ZHA", "red", "set"),
    }


def test_kazakh_plural_oblast_word_matches_the_oblast_name() -> None:
    import re

    rx = re.compile(phrase_regex("Жамбыл облысы", "kk", inflect=True))
    for form in ("жамбыл облысы", "жамбыл облысында", "жамбыл облыстары", "жамбыл облыстарында"):
        assert rx.fullmatch(form), form


def test_kazakh_these_regions_points_back_to_the_areas_named_before(extractor: Extractor) -> None:
    got = tuples(
        extractor,
        "Жедел штаб Ақтөбе, Атырау облыстарында террористік қауіптің «қызыл» деңгейінің "
        "тоқтағаны туралы хабарлайды.\n"
        "Бұл өңірлерде террористік қауіптің жоғары «қызғылт сары» деңгейі белгіленеді.",
    )
    assert ("kz", "KZ", "orange", "set") not in got
    assert {("kz", "KZ-AKT", "orange", "set"), ("kz", "KZ-ATY", "orange", "set")} <= got


@pytest.mark.parametrize(
    "text",
    [
        "Le niveau de la menace est resté à 2 pendant des mois, puis a été porté à 3.",
        "Le niveau 3 signifiait une menace « possible et vraisemblable ».",
        "Le plan Vigipirate était ensuite redescendu au niveau « risque attentat ».",
        "Het dreigingsniveau stond jarenlang op niveau 4 (substantieel).",
        "The UK threat level stood at severe for years before it was lowered.",
    ],
)
def test_history_and_definition_phrasing_yields_nothing(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == set()


def test_a_reissued_bulletin_is_an_extension(extractor: Extractor) -> None:
    got = tuples(
        extractor,
        "The Department of Homeland Security today reissued its National Terrorism Advisory "
        "System Bulletin for the United States.",
    )
    assert got == {("us-ntas", "US", "bulletin", "extend")}

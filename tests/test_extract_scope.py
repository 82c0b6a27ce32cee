"""Rules added after the round-1 promotion: the "уровень угрозы" cue, passive past on the day of
the report, "joined them", system updates, dated successors of a former area, speculation and
refusal, places named right after an anaphor, headlines yielding to the body, wrapped lines
and ranges of days. Every sentence is written for the test."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notifier.extract import Catalog, Extractor
from notifier.extract.dates import parse_validity
from notifier.extract.normalise import fold
from notifier.model import Document

ROOT = Path(__file__).resolve().parent.parent
ALMATY = ZoneInfo("Asia/Almaty")
PARIS = ZoneInfo("Europe/Paris")
MOSCOW = ZoneInfo("Europe/Moscow")

Tuple = tuple[str, str, str | None, str]


def tuples(extractor: Extractor, text: str, when: datetime | None, title: str = "") -> set[Tuple]:
    doc = Document(source_id="t", id="d", title=title, text=text, published=when)
    return {(a.scheme, a.area.id, a.level, a.action.value) for a in extractor.extract(doc)}


APRIL = datetime(2022, 4, 11, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "Жёлтый уровень угрозы введён в Курской и Брянской областях.",
            {("ru", "RU-KRS", "yellow", "set"), ("ru", "RU-BRY", "yellow", "set")},
        ),
        (
            "В Мангистауской области установлен умеренный «желтый» уровень угрозы.",
            {("kz", "KZ-MAN", "yellow", "set")},
        ),
        ("В Курской области объявлен жёлтый уровень угрозы паводка.", set()),
    ],
)
def test_russian_threat_level_noun_is_a_security_cue(
    extractor: Extractor, text: str, want: set[Tuple]
) -> None:
    assert tuples(extractor, text, APRIL) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "Незадолго до 18:00 «жёлтый» уровень угрозы был введён в Белгородской области.",
            {("ru", "RU-BEL", "yellow", "set")},
        ),
        (
            "Сегодня в Воронежской области был введён жёлтый уровень террористической опасности.",
            {("ru", "RU-VOR", "yellow", "set")},
        ),
        # dated: background, as before
        (
            "Жёлтый уровень террористической опасности был введён в Белгородской области 2 апреля.",
            set(),
        ),
        ("В Курской области был введён жёлтый уровень террористической опасности.", set()),
    ],
)
def test_passive_past_counts_only_on_the_day_of_the_report(
    extractor: Extractor, text: str, want: set[Tuple]
) -> None:
    assert tuples(extractor, text, APRIL) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "В Курской области введён жёлтый уровень террористической опасности. Позже к ним "
            "добавились Брянская и Белгородская области.",
            {"RU-KRS", "RU-BRY", "RU-BEL"},
        ),
        (
            "A yellow terrorist threat level was introduced in Kursk Region. Later Bryansk "
            "Region joined them.",
            {"RU-KRS", "RU-BRY"},
        ),
    ],
)
def test_joined_them_repeats_the_level_and_action_before(
    extractor: Extractor, text: str, want: set[str]
) -> None:
    assert tuples(extractor, text, APRIL) == {("ru", a, "yellow", "set") for a in want}


def test_an_update_to_the_advisory_system_is_not_a_bulletin(extractor: Extractor) -> None:
    text = (
        "The new bulletin level gives the public information about the terrorism threat. "
        "The bulletin describes trends in the threat environment."
    )
    title = "DHS Announces Update to the National Terrorism Advisory System"
    got = tuples(extractor, text, datetime(2015, 12, 16, tzinfo=UTC), title=title)
    assert ("us-ntas", "US", "bulletin", "set") not in got


def test_a_former_area_keeps_its_name_before_its_successors_took_over(
    catalog: Catalog, extractor: Extractor
) -> None:
    former = catalog.areas["KZ-SOUTH-KAZAKHSTAN"]
    assert former.successors(datetime(2016, 6, 6).date()) == ()
    assert former.successors(datetime(2019, 1, 1).date()) == ("KZ-YUZ", "KZ-SHY")
    assert former.successors(None) == ("KZ-YUZ", "KZ-SHY")
    en = "A moderate yellow level of terrorist threat was declared in South Kazakhstan region."
    ru = "В Южно-Казахстанской области объявлен желтый уровень террористической опасности."
    for text in (en, ru):
        assert tuples(extractor, text, datetime(2016, 6, 6, tzinfo=UTC)) == {
            ("kz", "KZ-SOUTH-KAZAKHSTAN", "yellow", "set")
        }
        assert tuples(extractor, text, datetime(2019, 3, 1, tzinfo=UTC)) == {
            ("kz", "KZ-YUZ", "yellow", "set"),
            ("kz", "KZ-SHY", "yellow", "set"),
        }


@pytest.mark.parametrize(
    "text",
    [
        "L'OCAM décidera lundi d'un éventuel abaissement du niveau de la menace terroriste de 3 "
        "à 2 en Belgique.",
        "El Gobierno renuncia a elevar el nivel de alerta antiterrorista a 5 en España.",
        "Ministers will decide on Monday whether the UK terrorism threat level could be raised "
        "to critical.",
        "The terrorism threat level in the UK could be raised to critical.",
        "Het NCTV overweegt het dreigingsniveau voor terrorisme in Nederland te verhogen naar 5.",
        "Власти рассматривают возможность повышения уровня террористической опасности до "
        "жёлтого в Курской области.",
        "Il governo deciderà su un eventuale innalzamento del livello di allerta terrorismo "
        "in Crimea al giallo.",
    ],
)
def test_speculation_and_refusal_are_not_changes(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text, datetime(2023, 10, 17, tzinfo=UTC)) == set()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "L'OCAM a abaissé le niveau de la menace terroriste de 3 à 2 en Belgique.",
            ("be-ocam", "BE", "2", "set"),
        ),
        (
            "El Gobierno ha elevado el nivel de alerta antiterrorista a 5 en España.",
            ("es", "ES", "5", "set"),
        ),
        (
            "The UK terrorism threat level has been raised to critical.",
            ("uk", "GB", "critical", "set"),
        ),
    ],
)
def test_the_decision_itself_still_counts(extractor: Extractor, text: str, want: Tuple) -> None:
    assert tuples(extractor, text, datetime(2023, 10, 17, tzinfo=UTC)) == {want}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "С 00:00 5 июля в городах Астана и Алматы отменен умеренный «желтый» уровень "
            "террористической опасности.",
            {"KZ-AST", "KZ-ALA"},
        ),
        (
            "The yellow terrorist threat level was lifted in the cities of Astana and Shymkent.",
            {"KZ-AST", "KZ-SHY"},
        ),
    ],
)
def test_places_named_right_after_an_anaphor_are_its_own(
    extractor: Extractor, text: str, want: set[str]
) -> None:
    got = tuples(extractor, text, datetime(2024, 7, 4, tzinfo=UTC))
    assert got == {("kz", a, "yellow", "lift") for a in want}


@pytest.mark.parametrize(
    "title",
    [
        "Желтый уровень террористической опасности сняли в Казахстане",
        "Yellow terrorist threat level lifted throughout the country",
    ],
)
def test_a_country_wide_headline_yields_to_the_areas_of_the_body(
    extractor: Extractor, title: str
) -> None:
    text = (
        "С 00:00 5 июля в Астане и Шымкенте отменен умеренный «желтый» уровень "
        "террористической опасности."
    )
    got = tuples(extractor, text, datetime(2024, 7, 4, tzinfo=UTC), title=title)
    assert got == {("kz", "KZ-AST", "yellow", "lift"), ("kz", "KZ-SHY", "yellow", "lift")}


def test_a_date_wrapped_onto_the_next_line_is_one_sentence(extractor: Extractor) -> None:
    text = (
        "Умеренный «желтый» уровень террористической опасности в Казахстане продлен до 15 "
        "января\n2017 года включительно.\nОб этом сообщает пресс-служба."
    )
    doc = Document(source_id="t", id="d", text=text, published=datetime(2016, 8, 20, tzinfo=UTC))
    (a,) = extractor.extract(doc)
    assert (a.area.id, a.level, a.action.value) == ("KZ", "yellow", "extend")
    assert a.expires == datetime(2017, 1, 15, 23, 59, 59, tzinfo=ALMATY)


@pytest.mark.parametrize(
    ("text", "zone", "start", "end"),
    [
        ("The level is yellow between January 13 and 26.", ALMATY, "2022-01-13", "2022-01-26"),
        ("Уровень действует с 13 по 26 января.", MOSCOW, "2022-01-13", "2022-01-26"),
        ("Le niveau s'applique du 13 au 26 janvier 2022.", PARIS, "2022-01-13", "2022-01-26"),
        ("Het niveau geldt van 3 tot 17 maart.", PARIS, "2022-03-03", "2022-03-17"),
    ],
)
def test_a_range_of_days_gives_start_and_last_day(
    text: str, zone: ZoneInfo, start: str, end: str
) -> None:
    v = parse_validity(fold(text), datetime(2022, 1, 10, tzinfo=UTC), zone)
    assert v.effective is not None and v.expires is not None
    assert v.effective.date().isoformat() == start
    assert v.expires.date().isoformat() == end
    assert v.expires.time().isoformat() == "23:59:59"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "L'OCAM a ramené le niveau de la menace terroriste à 2 en Belgique ce lundi.",
            {("be-ocam", "BE", "2", "set")},
        ),
        ("Il y a de grandes chances que le niveau de la menace terroriste soit ramené à 2.", set()),
        ("Chances are the terrorism threat level in the UK will go down to substantial.", set()),
        (
            "Скорее всего, желтый уровень террористической опасности в Курской области продлят.",
            set(),
        ),
    ],
)
def test_brought_back_is_a_change_and_likelihood_is_not(
    extractor: Extractor, text: str, want: set[Tuple]
) -> None:
    assert tuples(extractor, text, datetime(2018, 1, 22, tzinfo=UTC)) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "L'OCAM a ramené le niveau de la menace terroriste à 2, a affirmé le Premier ministre "
            "lors d'une conférence de presse à Bruxelles.",
            ("be-ocam", "BE", "2", "set"),
        ),
        (
            "В Брянской области повышен уровень террористической опасности до желтого, сообщил "
            "губернатор на пресс-конференции в Курской области.",
            ("ru", "RU-BRY", "yellow", "set"),
        ),
        (
            "Britain's terrorism threat level was lowered from severe to substantial, the "
            "minister said at a press conference in Belfast.",
            ("uk", "GB", "substantial", "set"),
        ),
    ],
)
def test_the_place_of_a_press_conference_is_not_where_the_level_applies(
    extractor: Extractor, text: str, want: Tuple
) -> None:
    assert tuples(extractor, text, datetime(2018, 1, 22, tzinfo=UTC)) == {want}

"""Validity rules: clock-time ends, zone labels, per-area starts, year-less dates, merged terms."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notifier.extract import Extractor
from notifier.extract.dates import parse_validity
from notifier.extract.normalise import fold
from notifier.model import Action, Document

ROOT = Path(__file__).resolve().parent.parent
MOSCOW = ZoneInfo("Europe/Moscow")
ALMATY = ZoneInfo("Asia/Almaty")
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")


def expires(text: str, zone: ZoneInfo, ref: datetime | None = None) -> str | None:
    v = parse_validity(fold(text), ref, zone)
    return None if v.expires is None else v.expires.isoformat()


@pytest.mark.parametrize(
    ("text", "zone", "want"),
    [
        (
            "Режим продлен до 18:00 15 марта 2023 года.",
            MOSCOW,
            "2023-03-15T18:00:00+03:00",
        ),
        (
            "Le niveau est maintenu jusqu'au 12 mars 2024 à 18h00.",
            ZoneInfo("Europe/Paris"),
            "2024-03-12T18:00:00+01:00",
        ),
        ("L'allerta resterà fino al 25 aprile 2022 alle 20:00.", ROME, "2022-04-25T20:00:00+02:00"),
        # a bare date is the last valid day, to its end in the issuer's zone
        ("The bulletin expires June 16, 2016.", NEW_YORK, "2016-06-16T23:59:59-04:00"),
        ("This Bulletin will expire on November 30, 2022.", NEW_YORK, "2022-11-30T23:59:59-05:00"),
    ],
)
def test_end_with_clock_time_or_date_in_several_languages(
    text: str, zone: ZoneInfo, want: str
) -> None:
    assert expires(text, zone, datetime(2022, 1, 1, tzinfo=UTC)) == want


def test_clock_time_end_outranks_the_same_day_without_time() -> None:
    timed = parse_validity(fold("действует до 18:00 12 ноября 2022 года"), None, MOSCOW)
    dated = parse_validity(fold("действует до 12 ноября 2022 года"), None, MOSCOW)
    assert timed.quality > dated.quality


@pytest.mark.parametrize(
    ("text", "want_start", "want_end"),
    [
        (
            "The blue level will be introduced from 19:00 Moscow Standard Time on January 13 "
            "until 19:00 Moscow Standard Time on January 21.",
            "2014-01-13T19:00:00+04:00",
            "2014-01-21T19:00:00+04:00",
        ),
        (
            "Уровень вводится с 12.00 по московскому времени 3 марта до 12.00 по московскому "
            "времени 18 марта.",
            "2014-03-03T12:00:00+04:00",
            "2014-03-18T12:00:00+04:00",
        ),
    ],
)
def test_a_zone_label_may_stand_between_a_clock_time_and_its_date(
    text: str, want_start: str, want_end: str
) -> None:
    # Moscow time was UTC+4 in 2011-2014
    v = parse_validity(fold(text), datetime(2014, 1, 10, tzinfo=UTC), MOSCOW)
    assert v.effective is not None and v.effective.isoformat() == want_start
    assert v.expires is not None and v.expires.isoformat() == want_end


def test_each_area_takes_the_start_stated_before_it() -> None:
    text = fold(
        "Высокий «оранжевый» уровень ввели с 13 января 2022 года в городе Нур-Султане "
        "и с 14 января в городе Шымкенте, сроком на 14 суток."
    )
    astana = parse_validity(text, None, ALMATY, anchor=text.index("нур-султан"))
    shymkent = parse_validity(text, None, ALMATY, anchor=text.index("шымкент"))
    assert astana.expires is not None and astana.expires.date().isoformat() == "2022-01-26"
    assert shymkent.expires is not None and shymkent.expires.date().isoformat() == "2022-01-27"


def test_year_less_date_takes_the_year_of_a_full_date_when_the_document_has_none() -> None:
    text = fold("From 1 July 2024 in Astana and from 2 July in Almaty for 5 days.")
    v = parse_validity(text, None, ALMATY, anchor=text.index("almaty"))
    assert v.effective is not None and v.effective.date().isoformat() == "2024-07-02"
    assert v.expires is not None and v.expires.date().isoformat() == "2024-07-06"


def test_extension_takes_the_exact_end_of_the_quoted_decision(extractor: Extractor) -> None:
    doc = Document(
        source_id="t",
        id="d",
        title="«Жёлтый» уровень террористической опасности продлили в Севастополе до 20 марта",
        text=(
            "«Установлен высокий («жёлтый») уровень террористической опасности на территории "
            "города Севастополя на период с 18:00 5 марта 2023 года сроком на 15 суток до "
            "18:00 20 марта 2023 года», — говорится в сообщении."
        ),
        published=datetime(2023, 3, 5, tzinfo=UTC),
    )
    (a,) = extractor.extract(doc)
    assert (a.area.id, a.level, a.action) == ("UA-40", "yellow", Action.EXTEND)
    assert a.expires is not None and a.expires.isoformat() == "2023-03-20T18:00:00+03:00"

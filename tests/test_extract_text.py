"""Free-text extraction: each rule with the exact tuples it must produce."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from notifier.extract import Extractor
from notifier.extract.normalise import clean, fold
from notifier.model import Action, Document, Severity
from notifier.sources.parse import parse_bytes

ROOT = Path(__file__).resolve().parent.parent


def tuples(
    extractor: Extractor, text: str, published: datetime | None = None
) -> list[tuple[str, str, str | None, str]]:
    doc = Document(source_id="t", id="d", text=text, published=published)
    return [(a.scheme, a.area.id, a.level, a.action.value) for a in extractor.extract(doc)]


def test_seed_article_is_one_red_set_for_aktobe(extractor: Extractor) -> None:
    data = (ROOT / "seeds" / "000_2b99838c51a8518c.txt").read_bytes()
    docs = parse_bytes(data, source_id="seed", name="seed.txt")
    anns = [a for d in docs for a in extractor.extract(d)]
    assert len(anns) == 1
    a = anns[0]
    assert (a.scheme, a.area.id, a.area.name, a.level, a.severity, a.action) == (
        "kz",
        "KZ-AKT-AKTOBE",
        "Aktobe",
        "red",
        Severity.EXTREME,
        Action.SET,
    )
    assert a.evidence.startswith(
        "A red terror alert has been announced in Kazakhstan's western city of Aktobe"
    )
    assert 0.8 <= a.confidence <= 1.0
    assert (a.source_id, a.document_id) == ("seed", "seed.txt")


def test_history_and_explainer_sentences_yield_nothing(extractor: Extractor) -> None:
    assert (
        tuples(extractor, "In 2011, the city became the site of Kazakhstan's first terror attack.")
        == []
    )
    assert (
        tuples(extractor, "The red terror level is the highest possible rating within the country.")
        == []
    )


def test_weather_and_covid_colours_yield_nothing(extractor: Extractor) -> None:
    assert (
        tuples(extractor, "В Алматы объявлен «красный» уровень погодной опасности из-за ветра.")
        == []
    )
    assert (
        tuples(extractor, "Казахстан перешёл из «красной» в «жёлтую» зону по коронавирусу.") == []
    )
    assert tuples(extractor, "A red warning for wind was announced in Aktobe.") == []


def test_security_cue_is_required(extractor: Extractor) -> None:
    assert tuples(extractor, "В Актобе введен красный уровень опасности.") == []
    assert tuples(extractor, "В Актобе введен красный уровень террористической опасности.") == [
        ("kz", "KZ-AKT-AKTOBE", "red", "set")
    ]


def test_actions_in_russian_kazakh_english(extractor: Extractor) -> None:
    assert tuples(extractor, "В Шымкенте отменен желтый уровень террористической опасности.") == [
        ("kz", "KZ-SHY", "yellow", "lift")
    ]
    assert tuples(extractor, "Желтый уровень террористической опасности продлен в Шымкенте.") == [
        ("kz", "KZ-SHY", "yellow", "extend")
    ]
    assert tuples(
        extractor, "Қарағанды облысында террористік қауіптіліктің сыни «қызыл» деңгейі жойылды."
    ) == [("kz", "KZ-KAR", "red", "lift")]
    assert tuples(extractor, "The yellow level of terrorist threat was lifted in Kokshetau.") == [
        ("kz", "KZ-AKM-KOKSHETAU", "yellow", "lift")
    ]


def test_change_from_red_to_yellow_is_yellow_with_previous_level(extractor: Extractor) -> None:
    doc = Document(
        source_id="t",
        id="d",
        text="В Алматы «красный» уровень террористической угрозы изменен на умеренный «желтый».",
    )
    anns = extractor.extract(doc)
    assert [(a.area.id, a.level, a.action, a.previous_level) for a in anns] == [
        ("KZ-ALA", "yellow", Action.SET, "red")
    ]


def test_many_tuples_in_one_sentence(extractor: Extractor) -> None:
    text = "The terrorist threat level: red remains in Almaty and Zhambyl; yellow in Pavlodar; orange in Nur-Sultan for 14 days."
    published = datetime(2022, 1, 14, tzinfo=UTC)
    doc = Document(source_id="t", id="d", text=text, published=published)
    anns = extractor.extract(doc)
    assert [(a.area.id, a.level, a.action.value) for a in anns] == [
        ("KZ-ALA", "red", "extend"),
        ("KZ-ZHA", "red", "extend"),
        ("KZ-PAV-PAVLODAR", "yellow", "extend"),
        ("KZ-AST", "orange", "extend"),
    ]
    orange = anns[-1]
    assert orange.expires is not None and orange.expires.date().isoformat() == "2022-01-27"
    pavlodar = anns[2]
    assert pavlodar.confidence < anns[1].confidence  # "Pavlodar" may be the city or the region


def test_russian_list_of_oblast_adjectives(extractor: Extractor) -> None:
    text = (
        "РОШ уведомляет об отмене «красного» уровня террористической опасности на территориях "
        "городов Нур-Султана, Шымкента, Акмолинской, Актюбинской и Туркестанской областей."
    )
    assert sorted(tuples(extractor, text)) == sorted(
        [("kz", a, "red", "lift") for a in ("KZ-AST", "KZ-SHY", "KZ-AKM", "KZ-AKT", "KZ-YUZ")]
    )


def test_almaty_city_and_oblast_are_told_apart(extractor: Extractor) -> None:
    assert tuples(
        extractor, "В Алматинской области введен желтый уровень террористической опасности."
    ) == [("kz", "KZ-ALM", "yellow", "set")]
    assert tuples(extractor, "В Алматы введен желтый уровень террористической опасности.") == [
        ("kz", "KZ-ALA", "yellow", "set")
    ]
    assert tuples(extractor, "A yellow terror threat level was introduced in Almaty region.") == [
        ("kz", "KZ-ALM", "yellow", "set")
    ]


def test_historical_names_and_abbreviations(extractor: Extractor) -> None:
    assert tuples(extractor, "В ЗКО объявлен желтый уровень террористической опасности.") == [
        ("kz", "KZ-ZAP", "yellow", "set")
    ]
    assert tuples(extractor, "A red terror alert was declared in Aktyubinsk.") == [
        ("kz", "KZ-AKT-AKTOBE", "red", "set")
    ]
    assert sorted(
        tuples(
            extractor,
            "В Южно-Казахстанской области введен желтый уровень террористической опасности.",
        )
    ) == [
        ("kz", "KZ-SHY", "yellow", "set"),
        ("kz", "KZ-YUZ", "yellow", "set"),
    ]


def test_transliterated_sms_and_homoglyphs(extractor: Extractor) -> None:
    sms = "Aktobe kalasynda terroristik kauiptiliktin kizil dengei belgilengen, ustanovlen krasni uroven terroristicheskoi opasnosti"
    assert tuples(extractor, sms) == [("kz", "KZ-AKT-AKTOBE", "red", "set")]
    greek_o = "В Акт\u03bfбе введен красный уровень террористической опасности"
    assert tuples(extractor, greek_o) == [("kz", "KZ-AKT-AKTOBE", "red", "set")]


def test_nationwide_level_without_area_is_the_country(extractor: Extractor) -> None:
    assert tuples(
        extractor,
        "Антитеррористический центр продлил желтый уровень террористической опасности на территории всей страны.",
    ) == [("kz", "KZ", "yellow", "extend")]


def test_validity_from_document_date_and_stated_dates(extractor: Extractor) -> None:
    published = datetime(2016, 6, 6, tzinfo=UTC)
    doc = Document(
        source_id="t",
        id="d",
        text="В Казахстане введен желтый уровень террористической опасности сроком на 40 дней.",
        published=published,
    )
    (a,) = extractor.extract(doc)
    assert a.expires is not None and a.expires.date().isoformat() == "2016-07-15"
    doc = Document(
        source_id="t",
        id="d",
        text="Желтый уровень террористической опасности продлен в Казахстане до 15 января 2017 года включительно.",
        published=published,
    )
    (a,) = extractor.extract(doc)
    assert a.expires is not None and a.expires.date().isoformat() == "2017-01-15"
    doc = Document(
        source_id="t",
        id="d",
        text="В Акмолинской области введен желтый уровень террористической опасности до особого распоряжения.",
        published=published,
    )
    (a,) = extractor.extract(doc)
    assert a.expires is None


def test_uk_scheme_levels_do_not_expire(extractor: Extractor) -> None:
    doc = Document(
        source_id="t",
        id="d",
        text="JTAC has raised the UK national threat level to critical for 14 days.",
        published=datetime(2017, 5, 23, tzinfo=UTC),
    )
    (a,) = extractor.extract(doc)
    assert (a.scheme, a.area.id, a.level, a.severity, a.expires) == (
        "uk",
        "GB",
        "critical",
        Severity.EXTREME,
        None,
    )


def test_unchanged_level_yields_nothing(extractor: Extractor) -> None:
    assert (
        tuples(
            extractor,
            "The threat level to the UK from international terrorism remains at substantial.",
        )
        == []
    )


def test_normalisation_repairs_lost_lead_byte_and_folds() -> None:
    assert clean("Russia?€™s border") == "Russia\u2019s border"
    assert fold("Жёлтый «УРОВЕНЬ»") == 'желтыи "уровень"'
    assert len(fold("Актοбе")) == len("Актοбе")
    assert fold("Актοбе") == "актобе"


# --- levels spoken of without their name, scoping across sentences ------------------------------


def test_remaining_regions_are_those_named_before_less_the_ones_singled_out(
    extractor: Extractor,
) -> None:
    text = (
        "С 1 марта в Курской, Брянской и Белгородской областях был введен желтый уровень "
        "террористической опасности. Власти Брянской области решили не продлевать уровень "
        "опасности. В остальных двух регионах режим продлили до 1 апреля."
    )
    assert tuples(extractor, text) == [
        ("ru", "RU-BRY", "yellow", "lift"),
        ("ru", "RU-KRS", "yellow", "extend"),
        ("ru", "RU-BEL", "yellow", "extend"),
    ]
    # "the remaining three" does not fit the two areas left: nothing for that sentence
    assert tuples(extractor, text.replace("остальных двух", "остальных трех")) == [
        ("ru", "RU-BRY", "yellow", "lift")
    ]


def test_level_named_in_another_sentence_and_did_the_same(extractor: Extractor) -> None:
    assert tuples(
        extractor,
        "The Voronezh region was the first to raise its terrorist threat level, citing possible "
        "attacks. Later the Bryansk region raised its terrorist threat level to yellow.",
    ) == [("ru", "RU-VOR", "yellow", "set"), ("ru", "RU-BRY", "yellow", "set")]
    assert tuples(
        extractor,
        "The Kursk region raised its terrorist threat level to yellow on Monday. "
        "The Belgorod region did the same.",
    ) == [("ru", "RU-KRS", "yellow", "set"), ("ru", "RU-BEL", "yellow", "set")]
    assert tuples(
        extractor,
        "Курская область повысила уровень террористической опасности до желтого. "
        "Белгородская область сделала то же самое.",
    ) == [("ru", "RU-KRS", "yellow", "set"), ("ru", "RU-BEL", "yellow", "set")]
    assert tuples(
        extractor,
        "La Russia ha dichiarato un'allerta terrorismo nel nord della Crimea. Il livello di "
        "allerta giallo è entrato in vigore alle 20:00. Nelle regioni di Belgorod e Kursk "
        "l'allerta riguarderà l'intero territorio.",
    ) == [
        ("ru", "UA-43-NORTH", "yellow", "set"),
        ("ru", "RU-KRS", "yellow", "set"),
        ("ru", "RU-BEL", "yellow", "set"),
    ]


def test_negated_action_and_other_regimes_yield_nothing(extractor: Extractor) -> None:
    assert tuples(
        extractor,
        "The Kursk region raised its terrorist threat level to yellow on Monday. "
        "The Rostov region was the only one not to raise its threat level.",
    ) == [("ru", "RU-KRS", "yellow", "set")]
    assert tuples(
        extractor,
        "В Ростовской области ввели режим контртеррористической операции. Желтый уровень "
        "террористической опасности действует в Курской области.",
    ) == [("ru", "RU-KRS", "yellow", "extend")]


def test_elliptic_level_after_a_level_sentence(extractor: Extractor) -> None:
    assert tuples(
        extractor,
        'В столице сохранится "оранжевый" уровень террористической опасности. Умеренный, '
        '"желтый", действует в Костанайской области.',
    ) == [("kz", "KZ-AST", "orange", "extend"), ("kz", "KZ-KUS", "yellow", "extend")]


def test_background_dated_before_the_news_and_its_follow_up_yield_nothing(
    extractor: Extractor,
) -> None:
    assert tuples(
        extractor,
        'В Астане отменят "оранжевый" уровень террористической опасности 10 марта. В полночь '
        '9 марта в Шымкенте и Туркестанской области прекратил действовать "красный" уровень '
        'террористической опасности. В этих регионах установили "оранжевый" уровень.',
    ) == [("kz", "KZ-AST", "orange", "lift")]


def test_promise_or_condition_is_not_an_action(extractor: Extractor) -> None:
    assert (
        tuples(
            extractor,
            "Информацию об отмене желтого уровня террористической опасности в Севастополе "
            "пообещали опубликовать отдельно.",
        )
        == []
    )
    assert (
        tuples(extractor, "If the threat grows, MI5 could raise the threat level to critical.")
        == []
    )


def test_country_wide_lift_yields_to_named_changes_and_places_inside_a_change(
    extractor: Extractor,
) -> None:
    assert tuples(
        extractor,
        "Критический уровень террористической опасности перестанет действовать с 26 января. "
        'В Алматы "красный" уровень изменен на "оранжевый".',
    ) == [("kz", "KZ-ALA", "orange", "set")]
    assert tuples(
        extractor,
        "«Красный» уровень террористической угрозы в Алматы изменен на умеренный «желтый», "
        "сообщается на сайте КНБ Казахстана.",
    ) == [("kz", "KZ-ALA", "yellow", "set")]


def test_a_verb_is_not_a_level_adjective(extractor: Extractor) -> None:
    assert tuples(
        extractor, "Russia raised the terrorist threat level in the Kursk region to yellow."
    ) == [("ru", "RU-KRS", "yellow", "set")]


def test_northern_ireland_level_is_uk_nirt_and_nsc_travel_warnings(extractor: Extractor) -> None:
    assert tuples(
        extractor, "MI5 has raised the threat level in Northern Ireland from substantial to severe."
    ) == [("uk-nirt", "GB-NIR", "severe", "set")]
    assert tuples(
        extractor,
        "Israel's National Security Council raised its travel warning for Morocco to level 3.",
    ) == [("il-nsc-travel", "MA", "3", "set")]

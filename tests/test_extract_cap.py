"""CAP extraction: status, categories, msgType actions, parameters, areas."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from notifier.extract import Catalog, Extractor
from notifier.model import Action, AreaRef, CapAlert, CapArea, CapInfo, Document, Severity
from notifier.sources.parse import parse_bytes

ROOT = Path(__file__).resolve().parent.parent
SENT = datetime(2024, 1, 2, 3, 4, tzinfo=UTC)


def cap_doc(
    *,
    status: str = "Actual",
    msg_type: str = "Alert",
    infos: tuple[CapInfo, ...] = (),
    references: tuple[str, ...] = (),
) -> Document:
    alert = CapAlert(
        identifier="id-2",
        sender="s@example",
        sent=SENT,
        status=status,
        msg_type=msg_type,
        references=references,
        infos=infos,
    )
    return Document(source_id="cap", id="id-2", text="", format="cap", cap=alert)


def security_info(**kw: object) -> CapInfo:
    base: dict[str, object] = {
        "language": "en-US",
        "categories": ("Security",),
        "event": "Terror threat",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Likely",
        "headline": "Threat level raised",
        "areas": (CapArea(desc="Aktobe"),),
    }
    base.update(kw)
    return CapInfo(**base)  # type: ignore[arg-type]


def test_security_alert_maps_severity_and_area(catalog: Catalog) -> None:
    (a,) = Extractor(catalog).extract(cap_doc(infos=(security_info(),)))
    assert (a.scheme, a.area, a.level, a.severity, a.action) == (
        "cap",
        AreaRef("KZ-AKT-AKTOBE", "Aktobe"),
        "Severe",
        Severity.SEVERE,
        Action.SET,
    )
    assert (a.origin, a.effective) == ("id-2", SENT)


def test_parameter_maps_to_scheme_level(catalog: Catalog) -> None:
    info = security_info(
        parameters=(("HSAS", "ORANGE"),),
        areas=(CapArea(desc="U.S. nationwide", geocodes=(("ISO3166", "US"),)),),
    )
    (a,) = Extractor(catalog).extract(cap_doc(infos=(info,)))
    assert (a.scheme, a.area.id, a.level, a.severity) == (
        "us-hsas",
        "US",
        "orange",
        Severity.SEVERE,
    )


def test_non_actual_and_weather_are_dropped(catalog: Catalog) -> None:
    ex = Extractor(catalog)
    for status in ("Test", "Exercise", "Draft", "System"):
        assert ex.extract(cap_doc(status=status, infos=(security_info(),))) == []
    weather = security_info(categories=("Met",))
    assert ex.extract(cap_doc(infos=(weather,))) == []
    assert len(Extractor(catalog, cap_categories={"Met"}).extract(cap_doc(infos=(weather,)))) == 1
    test_event = security_info(event="Required Monthly Test")
    assert ex.extract(cap_doc(infos=(test_event,))) == []


def test_cancel_without_info_is_a_lift_of_its_references(catalog: Catalog) -> None:
    (a,) = Extractor(catalog).extract(cap_doc(msg_type="Cancel", references=("id-1",)))
    assert (a.scheme, a.area, a.level, a.severity, a.action, a.references, a.origin) == (
        "cap",
        AreaRef("raw:", ""),
        None,
        None,
        Action.LIFT,
        ("id-1",),
        "id-2",
    )


def test_update_all_clear_or_past_is_a_lift(catalog: Catalog) -> None:
    ex = Extractor(catalog)
    (a,) = ex.extract(
        cap_doc(msg_type="Update", infos=(security_info(response_types=("AllClear",)),))
    )
    assert (a.action, a.severity) == (Action.LIFT, None)
    (b,) = ex.extract(cap_doc(msg_type="Update", infos=(security_info(urgency="Past"),)))
    assert b.action is Action.LIFT
    (c,) = ex.extract(cap_doc(msg_type="Update", infos=(security_info(),)))
    assert c.action is Action.SET


def test_languages_are_one_announcement_and_unknown_areas_kept(catalog: Catalog) -> None:
    en = security_info(areas=(CapArea(desc="Springfield County"),))
    es = security_info(language="es-US", areas=(CapArea(desc="Condado de Springfield"),))
    (a,) = Extractor(catalog).extract(cap_doc(infos=(en, es)))
    assert a.area == AreaRef("raw:Springfield County", "Springfield County")
    assert a.confidence < 0.9


def test_real_weather_cap_file_gives_nothing_by_default(catalog: Catalog) -> None:
    path = (
        ROOT
        / "tests"
        / "corpus"
        / "cap"
        / "naad_canada_cap12_special_weather_statement_en_fr_2019-07-12.xml"
    )
    docs = parse_bytes(path.read_bytes(), source_id="c", name=path.name)
    assert docs and all(d.cap is not None for d in docs)
    assert [a for d in docs for a in Extractor(catalog).extract(d)] == []
    anns = [a for d in docs for a in Extractor(catalog, cap_categories={"Met"}).extract(d)]
    assert [(a.scheme, a.level, a.action, a.area.name) for a in anns] == [
        ("cap", "Minor", Action.SET, "Channel-Port aux Basques and vicinity")
    ]

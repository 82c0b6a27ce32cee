"""Renderer: SMS texts per language and kind, segment limits, webhook JSON, operator templates."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from notifier.config import SmsSubscriber, TemplatesConfig, WebhookEndpoint
from notifier.dispatch.render import Renderer
from notifier.dispatch.segments import Encoding, count_segments
from notifier.errors import ConfigError
from notifier.model import AreaRef, ChannelKind, Event, Severity, Transition, TransitionKind

ALMATY = timezone(timedelta(hours=5))
AT = datetime(2016, 6, 10, 9, 0, tzinfo=ALMATY)
UNTIL = datetime(2016, 7, 20, 18, 0, tzinfo=ALMATY)
AKTOBE = AreaRef("KZ-AKT", "Aktobe")
NAMES = {("KZ-AKT", "ru"): "Актобе", ("KZ-AKT", "kk"): "Ақтөбе"}
SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()


def area_name(area_id: str, language: str) -> str:
    return NAMES.get((area_id, language), "")


def renderer(tmp: Path | None = None, **templates: object) -> Renderer:
    return Renderer(
        TemplatesConfig.model_validate(templates), base_dir=tmp or Path("."), area_name=area_name
    )


def transition(kind: TransitionKind, **kw: object) -> Transition:
    values: dict[str, object] = {
        "kind": kind,
        "scheme": "kz-terror",
        "area": AKTOBE,
        "at": AT,
        "level": "red",
        "severity": Severity.EXTREME,
    }
    values.update(kw)
    return Transition(**values)  # type: ignore[arg-type]


def event(t: Transition) -> Event:
    return Event.from_transition(t, created=AT)


def sms(language: str = "en", phone: str = "+77012345678") -> SmsSubscriber:
    return SmsSubscriber(id="aigul", phone=phone, areas=["KZ"], language=language)


def hook(language: str = "en") -> WebhookEndpoint:
    return WebhookEndpoint(
        id="ops", url="https://ops.example/hook", secret=SECRET, areas=["KZ"], language=language
    )


ISSUED = transition(TransitionKind.ISSUED)


def test_english_issued_text_and_notice() -> None:
    notice = renderer().render(event(ISSUED), sms("en"), delivery_id="dlv_1")
    assert notice.body == (
        "Aktobe: terror threat level RED (extreme) declared. "
        "Stay alert and follow official instructions."
    )
    assert notice.channel is ChannelKind.TWILIO_SMS
    assert (notice.to, notice.subscriber_id, notice.language) == ("+77012345678", "aigul", "en")
    assert (notice.event_id, notice.delivery_id) == (ISSUED.event_id, "dlv_1")


def test_russian_issued_text() -> None:
    assert renderer().render(event(ISSUED), sms("ru")).body == (
        "Актобе: объявлен уровень террористической опасности «КРАСНЫЙ» (критический). "
        "Будьте бдительны и следуйте указаниям властей."
    )


def test_kazakh_issued_text() -> None:
    assert renderer().render(event(ISSUED), sms("kk")).body == (
        "Ақтөбе: терроризм қаупінің «ҚЫЗЫЛ» деңгейі (өте жоғары) жарияланды. "
        "Сақ болыңыз және ресми нұсқауларды орындаңыз."
    )


@pytest.mark.parametrize(
    ("t", "en", "ru"),
    [
        (
            transition(
                TransitionKind.RAISED,
                previous_level="yellow",
                previous_severity=Severity.MODERATE,
                expires=UNTIL,
            ),
            "Aktobe: terror threat level raised from YELLOW to RED (extreme) until "
            "20 Jul 2016 18:00 UTC+5. Stay alert and follow official instructions.",
            "Актобе: уровень террористической опасности повышен с уровня «ЖЁЛТЫЙ» до уровня "
            "«КРАСНЫЙ» (критический), действует до 20.07.2016 18:00 (UTC+5). "
            "Будьте бдительны и следуйте указаниям властей.",
        ),
        (
            transition(
                TransitionKind.LOWERED,
                level="yellow",
                severity=Severity.MODERATE,
                previous_level="red",
                previous_severity=Severity.EXTREME,
            ),
            "Aktobe: terror threat level lowered from RED to YELLOW (moderate). Remain vigilant.",
            "Актобе: уровень террористической опасности понижен с уровня «КРАСНЫЙ» до уровня "
            "«ЖЁЛТЫЙ» (умеренный). Сохраняйте бдительность.",
        ),
        (
            transition(TransitionKind.EXTENDED, previous_level="red", expires=UNTIL),
            "Aktobe: terror threat level RED (extreme) extended until 20 Jul 2016 18:00 UTC+5. "
            "Stay alert and follow official instructions.",
            "Актобе: уровень террористической опасности «КРАСНЫЙ» (критический) продлён до "
            "20.07.2016 18:00 (UTC+5). Будьте бдительны и следуйте указаниям властей.",
        ),
        (
            transition(TransitionKind.EXTENDED),
            "Aktobe: terror threat level RED (extreme) extended until further notice. "
            "Stay alert and follow official instructions.",
            "Актобе: уровень террористической опасности «КРАСНЫЙ» (критический) продлён до "
            "особого распоряжения. Будьте бдительны и следуйте указаниям властей.",
        ),
        (
            transition(
                TransitionKind.LIFTED,
                level=None,
                severity=None,
                previous_level="red",
                previous_severity=Severity.EXTREME,
            ),
            "Aktobe: terror threat level RED lifted. Remain vigilant.",
            "Актобе: уровень террористической опасности «КРАСНЫЙ» отменён. "
            "Сохраняйте бдительность.",
        ),
        (
            transition(TransitionKind.EXPIRED, level=None, severity=None, previous_level="yellow"),
            "Aktobe: terror threat level YELLOW has expired. Remain vigilant.",
            "Актобе: истёк срок действия уровня террористической опасности «ЖЁЛТЫЙ». "
            "Сохраняйте бдительность.",
        ),
    ],
    ids=["raised", "lowered", "extended", "extended-open", "lifted", "expired"],
)
def test_every_kind_in_english_and_russian(t: Transition, en: str, ru: str) -> None:
    r = renderer()
    assert r.render(event(t), sms("en")).body == en
    assert r.render(event(t), sms("ru")).body == ru


@pytest.mark.parametrize("kind", [k for k in TransitionKind if k is not TransitionKind.UNCHANGED])
@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_kind_renders_within_the_default_limit(kind: TransitionKind, language: str) -> None:
    t = transition(
        kind, previous_level="yellow", previous_severity=Severity.MODERATE, expires=UNTIL
    )
    body = renderer().render(event(t), sms(language)).body
    assert body.startswith(area_name("KZ-AKT", language) or "Aktobe")
    assert not body.endswith(("...", "…"))  # not truncated
    info = count_segments(body)
    assert info.segments <= 3
    if language == "en":
        assert info.encoding is Encoding.GSM7


def test_text_is_cut_to_the_configured_segments() -> None:
    long_area = AreaRef("XX", "Some Very Long District Name " * 4)
    t = transition(TransitionKind.ISSUED, area=long_area, expires=UNTIL)
    r = renderer(sms_max_segments=1)
    body = r.render(event(t), sms("en")).body
    assert count_segments(body).segments == 1
    assert body.endswith("...")
    assert body.startswith("Some Very Long District Name")
    assert count_segments(r.sms_text(t, "en")).segments == 2


def test_unknown_language_falls_back_to_english() -> None:
    notice = renderer().render(event(ISSUED), sms("pt"))
    assert notice.language == "en"
    assert notice.body.startswith("Aktobe: terror threat level RED")


def test_unknown_level_ids_are_shown_upper_cased() -> None:
    t = transition(
        TransitionKind.ISSUED, scheme="uk", level="substantial", severity=Severity.SEVERE
    )
    body = renderer().render(event(t), sms("ru")).body
    assert "«SUBSTANTIAL» (высокий)" in body


def test_level_name_callback_localises_levels() -> None:
    r = Renderer(
        TemplatesConfig(),
        base_dir=Path("."),
        level_name=lambda scheme, level, lang: "критичный" if lang == "ru" else None,
    )
    assert "«КРИТИЧНЫЙ»" in r.render(event(ISSUED), sms("ru")).body


def test_webhook_body_schema_v1() -> None:
    t = transition(
        TransitionKind.RAISED,
        previous_level="yellow",
        previous_severity=Severity.MODERATE,
        expires=UNTIL,
        evidence="A red terror alert has been announced in Aktobe.",
        source_id="tengrinews",
        document_id="doc-7",
    )
    notice = renderer().render(event(t), hook("ru"), delivery_id="dlv_9")
    assert notice.channel is ChannelKind.WEBHOOK
    assert (notice.to, notice.subscriber_id, notice.delivery_id) == (
        "https://ops.example/hook",
        "ops",
        "dlv_9",
    )
    change = {
        "type": "level.raised",
        "schema_version": 1,
        "event_id": t.event_id,
        "occurred_at": "2016-06-10T04:00:00Z",
        "data": {
            "scheme": "kz-terror",
            "area": {"id": "KZ-AKT", "name": "Актобе"},
            "level": "red",
            "severity": "extreme",
            "previous_level": "yellow",
            "previous_severity": "moderate",
            "expires": "2016-07-20T13:00:00Z",
            "evidence": "A red terror alert has been announced in Aktobe.",
            "source_id": "tengrinews",
            "document_id": "doc-7",
            "confirmed": True,
            "sources": [],
            "language": "ru",
            "text": renderer().sms_text(t, "ru"),
        },
    }
    # The one change is also the whole of `changes` (a grouped notice lists several there).
    assert json.loads(notice.body) == {**change, "changes": [change]}
    assert "Актобе" in notice.body  # UTF-8, not \u escapes


def test_webhook_body_for_a_lift_has_nulls() -> None:
    t = transition(TransitionKind.LIFTED, level=None, severity=None, previous_level="red")
    data = json.loads(renderer().render(event(t), hook()).body)
    assert data["type"] == "level.lifted"
    assert (data["data"]["level"], data["data"]["severity"], data["data"]["expires"]) == (
        None,
        None,
        None,
    )


def test_operator_template_overrides_a_default_and_adds_a_language(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "sms.ru.j2").write_text("{{ area }}: уровень {{ level }}!", encoding="utf-8")
    (folder / "sms.it.j2").write_text(
        "{{ area }}: allerta terrorismo {{ level }}.", encoding="utf-8"
    )
    r = renderer(tmp_path, dir="tpl")  # relative to base_dir
    assert r.languages == tuple(
        sorted(["da", "de", "en", "es", "fr", "it", "kk", "nb", "nl", "ru", "sv", "uk"])
    )
    assert r.render(event(ISSUED), sms("ru")).body == "Актобе: уровень КРАСНЫЙ!"
    assert r.render(event(ISSUED), sms("it")).body == "Aktobe: allerta terrorismo RED."
    assert r.render(event(ISSUED), sms("en")).body.startswith("Aktobe: terror threat level RED")


def test_template_syntax_error_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "sms.en.j2").write_text("{{ area }}:\n{% if level %}RED\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        renderer(tmp_path, dir=str(tmp_path))
    assert len(info.value.errors) == 1
    message = info.value.errors[0]
    assert message.startswith(f"templates: {tmp_path / 'sms.en.j2'}, line 2: ")
    assert "endif" in message


def test_undefined_variable_is_a_config_error_at_load(tmp_path: Path) -> None:
    (tmp_path / "sms.kk.j2").write_text("{{ area }} {{ levle }}", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        renderer(tmp_path, dir=str(tmp_path))
    assert info.value.errors == [
        f"templates: {tmp_path / 'sms.kk.j2'}: UndefinedError: 'levle' is undefined "
        "(rendering a 'issued' transition)"
    ]


def test_missing_template_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        renderer(tmp_path, dir="nope")
    assert info.value.errors == [f"templates.dir: folder not found: {tmp_path / 'nope'}"]


def test_naive_times_are_taken_as_utc() -> None:
    t = transition(
        TransitionKind.ISSUED, at=datetime(2026, 1, 2, 3, 4), expires=datetime(2026, 1, 3)
    )
    r = renderer()
    assert "until 3 Jan 2026 00:00 UTC." in r.render(event(t), sms("en")).body
    payload = json.loads(r.render(event(t), hook()).body)
    assert payload["occurred_at"] == "2026-01-02T03:04:00Z"
    assert payload["data"]["expires"] == "2026-01-03T00:00:00Z"
    assert datetime.fromisoformat(payload["occurred_at"]).tzinfo == UTC


# --- output in the subscriber's language from the catalog and the language packs -------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "Великобритания: уровень террористической опасности повышен с уровня «ЗНАЧИТЕЛЬНЫЙ» "
            "до уровня «СЕРЬЕЗНЫЙ» (высокий). Будьте бдительны и следуйте указаниям властей.",
        ),
        (
            "kk",
            "Ұлыбритания: терроризм қаупінің деңгейі «ОРТАША» деңгейінен «ЖОҒАРЫ» деңгейіне "
            "(жоғары) дейін көтерілді. Сақ болыңыз және ресми нұсқауларды орындаңыз.",
        ),
        (
            "de",
            'Großbritannien: Terrorwarnstufe von „ERHEBLICH" auf „ERNST" (hoch) angehoben. '
            "Bleiben Sie wachsam und folgen Sie den Anweisungen der Behörden.",
        ),
        (
            "fr",
            "Royaume-Uni : niveau de menace terroriste relevé de « SUBSTANTIEL » à « GRAVE » "
            "(élevé). Restez vigilants et suivez les consignes des autorités.",
        ),
    ],
)
def test_a_uk_event_reads_in_the_subscribers_language(language: str, expected: str) -> None:
    from notifier.extract import Catalog

    root = Path(__file__).resolve().parent.parent / "config"
    catalog = Catalog.load(root / "schemes", root / "areas")
    r = Renderer.for_catalog(TemplatesConfig(), base_dir=Path("."), catalog=catalog)
    t = transition(
        TransitionKind.RAISED,
        scheme="uk",
        area=AreaRef("GB", "United Kingdom"),
        level="severe",
        severity=Severity.SEVERE,
        previous_level="substantial",
        previous_severity=Severity.MODERATE,
    )
    body = r.render(event(t), sms(language)).body
    assert body == expected
    assert "SEVERE" not in body and "United Kingdom" not in body


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        # the uk scheme names its levels in Dutch too (Dutch press reports are read)
        (
            "nl",
            'Verenigd Koninkrijk: dreigingsniveau terrorisme verhoogd van "AANZIENLIJK" naar '
            '"ERNSTIG" (hoog).',
        ),
        # no Kazakh names in the uk scheme: the pack's severity words, never English ids
        ("kk", "Ұлыбритания: терроризм қаупінің деңгейі «ОРТАША» деңгейінен «ЖОҒАРЫ» деңгейіне"),
        (
            "it",
            'Regno Unito: livello di allerta terrorismo alzato da "SOSTANZIALE" a "GRAVE" (grave).',
        ),
        ("es", 'Reino Unido: nivel de alerta terrorista elevado de "SUSTANCIAL" a "GRAVE" (alto).'),
        (
            "uk",
            'Великобританія: рівень терористичної загрози підвищено з "ІСТОТНИЙ" до "СЕРЙОЗНИЙ"',
        ),
        ("sv", 'Storbritannien: terrorhotnivå höjd från "BETYDANDE" till "ALLVARLIG" (hög).'),
        ("nb", 'Storbritannia: terrortrusselnivå hevet fra "BETYDELIG" til "ALVORLIG" (høy).'),
        ("da", 'Storbritannien: terrortrusselsniveau hævet fra "BETYDELIG" til "ALVORLIG" (høj).'),
    ],
)
def test_every_pack_language_has_a_template(language: str, expected: str) -> None:
    from notifier.extract import Catalog

    root = Path(__file__).resolve().parent.parent / "config"
    catalog = Catalog.load(root / "schemes", root / "areas")
    r = Renderer.for_catalog(TemplatesConfig(), base_dir=Path("."), catalog=catalog)
    t = transition(
        TransitionKind.RAISED,
        scheme="uk",
        area=AreaRef("GB", "United Kingdom"),
        level="severe",
        severity=Severity.SEVERE,
        previous_level="substantial",
        previous_severity=Severity.MODERATE,
    )
    assert r.render(event(t), sms(language)).body.startswith(expected)

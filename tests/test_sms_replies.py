"""Answers to inbound SMS (HELP, JOIN, STOP, START) in the sender's language, through the
running service's signed Twilio webhook on both databases; the pack model that holds them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from notifier.app.sms_language import join_language, name_languages, script_language
from notifier.config import parse_config
from notifier.errors import CatalogError
from notifier.extract import Catalog
from notifier.extract.packs import Replies, load_packs
from notifier.service import Service
from notifier.web.app import create_app
from tests.fakes.twilio_api import FakeTwilioApi

ROOT = Path(__file__).resolve().parents[1]
# language -> what a speaker texts after JOIN: the area's name in that language
JOINS = {
    "kk": "Ақтөбе",
    "ru": "Актобе",
    "uk": "Київ",
    "en": "London",
    "fr": "Paris",
    "nl": "Amsterdam",
    "de": "Deutschland",
    "it": "Germania",
    "es": "España",
    "sv": "Stockholm",
    "nb": "Oslo",
    "da": "København",
}
KNOWN = {lang: f"+77011122{n:03d}" for n, lang in enumerate(JOINS)}  # configured subscribers
JOINERS = {lang: f"+77051234{n:03d}" for n, lang in enumerate(JOINS)}


class Sms:
    def __init__(self, service: Service, base: str, twilio: FakeTwilioApi) -> None:
        self.service, self.base, self.twilio = service, base, twilio

    async def text_in(self, sender: str, body: str) -> str:
        """An inbound SMS signed as Twilio signs it; the reply's text ('' for none)."""
        url = self.base + "/twilio/inbound"
        form = {"From": sender, "Body": body}
        headers = {"X-Twilio-Signature": self.twilio.signature(url, form)}
        async with aiohttp.ClientSession() as s, s.post(url, data=form, headers=headers) as r:
            assert r.status == 200, await r.text()
            xml = await r.text()
        if "<Message>" not in xml:
            return ""
        text = xml.split("<Message>")[1].split("</Message>")[0]
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.fixture
async def sms(database_url: str) -> AsyncIterator[Sms]:
    subscribers = "\n".join(
        f'  - {{id: known-{lang}, phone: "{phone}", language: {lang}, areas: [KZ]}}'
        for lang, phone in KNOWN.items()
    )
    async with FakeTwilioApi() as twilio:
        config = parse_config(
            f"""
storage: {{url: '{database_url}'}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
subscribers:
{subscribers}
twilio:
  account_sid: {twilio.account_sid}
  auth_token: {twilio.auth_token}
  from: "+15005550006"
  base_url: {twilio.base_url}
  inbound_join: true
""",
            environ={},
        )
        service = Service(config, echo=lambda _: None, start_scheduler=False)
        runner = web.AppRunner(create_app(service, {}), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        async with service:
            yield Sms(service, f"http://127.0.0.1:{runner.addresses[0][1]}", twilio)
        await runner.cleanup()


async def test_help_join_stop_and_start_in_each_language(sms: Sms) -> None:
    catalog = sms.service.catalog
    english = catalog.lexicon.replies("en")
    assert english is not None
    for lang, place in JOINS.items():
        words = catalog.lexicon.replies(lang)
        assert words is not None, lang
        area_id = catalog.find_area(place)
        assert area_id is not None, place
        joined = await sms.text_in(JOINERS[lang], f"JOIN {place}")
        assert joined == words.text("joined", area=catalog.area_name(area_id, lang)), lang
        # A known number is answered in its subscriber's language, whatever it texts.
        for phone in (JOINERS[lang], KNOWN[lang]):
            assert await sms.text_in(phone, "HELP") == words.help + words.join_help, lang
            assert await sms.text_in(phone, "STOP") == words.stopped, lang
            assert await sms.text_in(phone, "START") == words.resumed, lang
        if lang != "en":
            for name in ("help", "join_help", "joined", "stopped", "resumed"):
                assert getattr(words, name) != getattr(english, name), (lang, name)
    members = {m.phone: m.language for m in await sms.service.services.subscribers.sms_members()}
    assert members == {JOINERS[lang]: lang for lang in JOINS}  # alerts come in that language
    blocked = await sms.service.store.blocked_subscribers()
    assert blocked == {}  # every STOP above was followed by START


async def test_answers_to_unknown_numbers_and_hostile_texts(sms: Sms) -> None:
    catalog = sms.service.catalog
    ru = catalog.lexicon.replies("ru")
    en = catalog.lexicon.replies("en")
    assert ru is not None and en is not None
    stranger = "+77059990001"
    assert await sms.text_in(stranger, "HELP") == en.help + en.join_help
    # A placeholder in what someone texts is text, never a template.
    odd = "{area} {0} {text.__class__}"
    assert await sms.text_in(stranger, f"JOIN {odd}") == en.text(
        "unknown_area", text=odd, command="JOIN"
    )
    long = "Ж" * 5000
    assert await sms.text_in(stranger, f"JOIN {long}") == ru.text(
        "unknown_area", text="Ж" * 40, command="JOIN"
    )
    # An id names the area in no language: the country's (Kazakhstan: ru).
    assert await sms.text_in(stranger, "JOIN KZ-AKT") == ru.text(
        "joined", area=catalog.area_name("KZ-AKT", "ru")
    )
    assert await sms.text_in(stranger, "LEAVE") == ru.text("left", count=1)
    # Left every area: an unknown number again, answered by what its text shows.
    assert await sms.text_in(stranger, "LEAVE") == en.text("left_none")
    assert await sms.text_in(stranger, "JOIN") == en.which_area
    assert await sms.text_in(stranger, "JOIN Атлантида") == ru.text(
        "unknown_area", text="Атлантида", command="JOIN"
    )


def test_which_language_a_message_is_in() -> None:
    catalog = Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")
    assert join_language(catalog, "Paris", "FR-75") == "fr"  # en and fr alike: France's
    assert join_language(catalog, "Aktobe", "KZ-AKT-AKTOBE") == "en"
    assert join_language(catalog, "Алматы", catalog.find_area("Алматы")) in ("ru", "kk")
    assert join_language(catalog, "Kiev", "UA-30") == "en"  # an English alias
    assert join_language(catalog, "ua-30", "UA-30") == "uk"
    assert join_language(catalog, "nowhere", None) == "en"
    assert name_languages(catalog, "UA-30", "x" * 10_000) == set()
    assert script_language("שלום") == "he"
    assert script_language("Қазақстан") == "kk" and script_language("Їжак") == "uk"
    assert script_language("Hello") is None


BASE = {
    "help": "Reply STOP or START.",
    "join_help": " JOIN, LEAVE.",
    "stopped": "START again.",
    "resumed": "STOP again.",
    "joined": "{area}: LEAVE.",
    "already": "{area}: LEAVE.",
    "unknown_area": "{text}? {command}",
    "which_area": "JOIN what?",
    "left": "{count}",
    "left_none": "none",
    "cannot": "{phone}",
    "join_limit": "{limit}",
}


@pytest.mark.parametrize(
    ("field", "text", "error"),
    [
        ("joined", "{area} {phone}: LEAVE", "joined: unknown placeholder {phone}"),
        ("joined", "{area.__class__} LEAVE", "unknown placeholder {area.__class__}"),
        ("joined", "{area:>999999999} LEAVE", "a placeholder is a bare {name}"),
        ("joined", "{area!r} LEAVE", "a placeholder is a bare {name}"),
        ("left", "{count", "left: expected '}' before end of string"),
        ("help", "Reply ARRET to stop.", "help: must name the keyword STOP as it is"),
        ("left_none", "x" * 321, "left_none: longer than 320 characters"),
    ],
)
def test_a_reply_template_that_could_misfire_is_a_load_error(
    field: str, text: str, error: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="Replies") as caught:
        Replies.model_validate({**BASE, field: text})
    assert error in str(caught.value)
    pack = (ROOT / "config" / "languages" / "en.yaml").read_text(encoding="utf-8")
    bad = pack.replace('  left_none: "', '  left_none: "{oops} ')
    (tmp_path / "en.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(CatalogError) as load_error:
        load_packs(tmp_path)
    assert "replies" in str(load_error.value) and "{oops}" in str(load_error.value)


def test_every_bundled_pack_answers_and_its_example_area_exists() -> None:
    catalog = Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")
    for code, pack in catalog.lexicon.packs.items():
        words = pack.spec.replies
        assert words is not None, code
        example = words.which_area.split("JOIN ", 1)[1]
        assert catalog.find_area(example), (code, example)
        assert words.unknown_area.endswith("{command} " + example), code

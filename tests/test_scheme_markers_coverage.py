"""Every scheme's country has markers in every language a pack is shipped for.

A level is read for a scheme only when something in the text says which country it is about: an
area (`config/areas`) or a marker of the scheme (its country's demonym or adjective, its issuer).
A text that names the country only by its adjective ("De Zweedse veiligheidsdienst heeft het
terreurdreigingsniveau verhoogd naar vier", "Švédská bezpečnostní služba zvýšila stupeň
teroristické hrozby") names no area, so each scheme with a `country` needs markers in every
language of `config/languages/`. A marker is never another country's name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from notifier.extract import Catalog, Extractor
from notifier.extract.normalise import fold_phrase
from notifier.extract.patterns import BOUNDARY_END, BOUNDARY_START, phrase_regex
from tests.extracting import tuples

ROOT = Path(__file__).resolve().parents[1]


def _pack_languages() -> list[str]:
    return sorted(p.stem for p in (ROOT / "config" / "languages").glob("*.yaml"))


def _country_of(catalog: Catalog, area_id: str) -> str | None:
    area = catalog.areas.get(area_id)
    while area is not None and area.kind != "country" and area.parent:
        area = catalog.areas.get(area.parent)
    return area.id if area is not None and area.kind == "country" else None


def test_every_scheme_with_a_country_has_markers_in_every_pack_language(catalog: Catalog) -> None:
    schemes = [s for s in catalog.schemes.values() if s.country]
    assert len(schemes) >= 25
    missing: list[str] = []
    for scheme in schemes:
        for lang in _pack_languages():
            if not any(p.strip() for p in scheme.markers.get(lang, [])):
                missing.append(f"({scheme.id}, {lang})")
    assert not missing, f"{len(missing)} scheme languages without markers: " + ", ".join(missing)


_ON_PURPOSE = {("ru", "UA")}


def test_no_marker_names_another_country(catalog: Catalog) -> None:
    # "Ирланд*" for the UK would read Ireland's texts as Britain's: a marker matches no name or
    # alias (one word, or the whole name) of an area in another country. Crimea is Russia's
    # marker on purpose (its occupation authorities announce Russia's levels there) though the
    # gazetteer keeps the peninsula in Ukraine.
    names: list[tuple[str, str]] = []
    for area_id, area in catalog.areas.items():
        country = _country_of(catalog, area_id)
        if country is None:
            continue
        forms = [*area.names.values(), *(n for ns in area.aliases.values() for n in ns)]
        names.extend((country, fold_phrase(n)) for n in forms if n.strip())
    clashes: list[str] = []
    for scheme in catalog.schemes.values():
        if not scheme.country:
            continue
        for lang, phrases in scheme.markers.items():
            for phrase in phrases:
                rx = re.compile(BOUNDARY_START + phrase_regex(phrase, lang) + BOUNDARY_END)
                for country, name in names:
                    if country == scheme.country or (scheme.id, country) in _ON_PURPOSE:
                        continue
                    if rx.fullmatch(name) or (" " not in name and rx.search(name)):
                        clashes.append(f"{scheme.id} {lang}:{phrase!r} ~ {country} {name!r}")
    assert not clashes, "markers naming another country: " + "; ".join(sorted(set(clashes)))


# --- the adjective alone names the country, in every pack language -------------------------------
# One sentence per language: "The <adjective> security service raised the terrorist threat level
# to four on Thursday", the adjective agreeing with the noun, with enough everyday words for the
# language to be recognised. Every sentence was written for this file (none is a corpus text);
# none names the country itself or its issuer. {four} is the number word (the digit where the
# pack reads no number word in that construction), or "4" for a scale whose levels have names
# (Denmark's "alvorlig").
SENTENCES: dict[str, str] = {
    "bg": "{adj} служба за сигурност повиши в четвъртък нивото на терористична заплаха до "
    "{four}, съобщиха от ведомството в официално изявление.",
    "cs": "{adj} bezpečnostní služba ve čtvrtek zvýšila stupeň teroristické hrozby na {four}, "
    "uvedl mluvčí úřadu v tiskovém prohlášení.",
    "da": "Den {adj} sikkerhedstjeneste har torsdag hævet trusselsniveauet for terror til {four}, "
    "og det oplyste myndigheden i en pressemeddelelse.",
    "de": "Der {adj} Sicherheitsdienst hat am Donnerstag die Terrorwarnstufe auf {four} "
    "angehoben, wie die Behörde in einer Mitteilung erklärte.",
    "en": "The {adj} security service raised the terrorist threat level to {four} on Thursday, "
    "the agency said in a statement.",
    "es": "El servicio de seguridad {adj} elevó el jueves el nivel de alerta terrorista a {four}, "
    "según informó la agencia en un comunicado.",
    "fi": "{adj} turvallisuuspalvelu nosti torstaina terrorismin uhka-arvion tasolle {four}, ja "
    "viranomaisen mukaan uhka on myös aiempaa vakavampi.",
    "fr": "Le service de sécurité {adj} a relevé jeudi le niveau de la menace terroriste à "
    "{four}, a indiqué l'agence dans un communiqué.",
    "he": "שירות הביטחון {adj} העלה ביום חמישי את רמת האיום מפני טרור לרמה {four}, כך נמסר "
    "בהודעה רשמית של השירות.",
    "hu": "A {adj} titkosszolgálat csütörtökön a {four} szintre emelte a terrorfenyegetettség "
    "szintjét, és a hatóság szerint a veszély nem csökkent.",
    "it": "Il servizio di sicurezza {adj} ha alzato giovedì il livello di allerta terrorismo a "
    "{four}, secondo quanto comunicato dall'agenzia.",
    "kk": "{adj} қауіпсіздік қызметі бейсенбі күні терроризм қаупінің деңгейін {four} деңгейге "
    "дейін арттырды және бұл туралы ведомство хабарлады.",
    "lt": "{adj} saugumo tarnyba ketvirtadienį padidino teroristinės grėsmės lygį iki {four} "
    "lygio ir pranešė, kad grėsmė yra rimta.",
    "lv": "{adj} drošības dienests ceturtdien paaugstināja terorisma draudu līmeni līdz {four} un "
    "paziņoja, ka draudi ir nopietni.",
    "nb": "Den {adj} sikkerhetstjenesten hevet torsdag trusselnivået for terror til {four}, "
    "opplyste etaten i en pressemelding.",
    "nl": "De {adj} veiligheidsdienst heeft het terreurdreigingsniveau donderdag verhoogd naar "
    "{four}, zo meldt de dienst in een verklaring.",
    "pl": "{adj} służba bezpieczeństwa podniosła w czwartek poziom zagrożenia terrorystycznego do "
    "{four} stopnia, poinformowała agencja w komunikacie.",
    "pt": "O serviço de segurança {adj} elevou na quinta-feira o nível de ameaça terrorista para "
    "{four}, informou a agência em comunicado.",
    "ro": "Serviciul de securitate {adj} a ridicat joi nivelul amenințării teroriste la nivelul "
    "{four}, iar instituția a anunțat că pericolul este mai mare pentru toată țara.",
    "ru": "{adj} служба безопасности в четверг повысила уровень террористической угрозы до "
    "{four}, сообщило ведомство.",
    "sk": "{adj} bezpečnostná služba vo štvrtok zvýšila stupeň teroristickej hrozby na {four}, "
    "uviedol hovorca úradu vo vyhlásení.",
    "sv": "Den {adj} säkerhetstjänsten höjde på torsdagen terrorhotnivån till {four}, meddelade "
    "myndigheten i ett pressmeddelande.",
    "uk": "{adj} служба безпеки в четвер підвищила рівень терористичної загрози до {four}, "
    "повідомило відомство.",
}
FOUR: dict[str, str] = {
    "bg": "четири", "cs": "čtyři", "da": "fire", "de": "vier", "en": "four", "es": "cuatro",
    "fi": "neljä", "fr": "quatre", "he": "4", "hu": "4-es", "it": "quattro", "kk": "төртінші",
    "lt": "4", "lv": "4", "nb": "fire", "nl": "vier", "pl": "czwartego",
    "pt": "quatro", "ro": "patru", "ru": "четырех", "sk": "štyri", "sv": "fyra",
    "uk": "чотирьох",
}  # fmt: skip
NAMED_LEVELS = {"dk"}

# scheme -> (its level "4", the adjective in each language as the sentence above needs it)
ADJECTIVES: dict[str, tuple[str, dict[str, str]]] = {
    "se": ("4", {
        "bg": "Шведската", "cs": "Švédská", "da": "svenske", "de": "schwedische", "en": "Swedish",
        "es": "sueco", "fi": "Ruotsalainen", "fr": "suédois", "he": "השוודי", "hu": "svéd",
        "it": "svedese", "kk": "Швед", "lt": "Švedų", "lv": "Zviedru", "nb": "svenske",
        "nl": "Zweedse", "pl": "Szwedzka", "pt": "sueco", "ro": "suedez", "ru": "Шведская",
        "sk": "Švédska", "sv": "svenska", "uk": "Шведська",
    }),
    "be-ocam": ("4", {
        "bg": "Белгийската", "cs": "Belgická", "da": "belgiske", "de": "belgische", "en": "Belgian",
        "es": "belga", "fi": "Belgialainen", "fr": "belge", "he": "הבלגי", "hu": "belga",
        "it": "belga", "kk": "Бельгиялық", "lt": "Belgų", "lv": "Beļģu", "nb": "belgiske",
        "nl": "Belgische", "pl": "Belgijska", "pt": "belga", "ro": "belgian", "ru": "Бельгийская",
        "sk": "Belgická", "sv": "belgiska", "uk": "Бельгійська",
    }),
    "no": ("4", {
        "bg": "Норвежката", "cs": "Norská", "da": "norske", "de": "norwegische", "en": "Norwegian",
        "es": "noruego", "fi": "Norjalainen", "fr": "norvégien", "he": "הנורבגי", "hu": "norvég",
        "it": "norvegese", "kk": "Норвег", "lt": "Norvegų", "lv": "Norvēģu", "nb": "norske",
        "nl": "Noorse", "pl": "Norweska", "pt": "norueguês", "ro": "norvegian", "ru": "Норвежская",
        "sk": "Nórska", "sv": "norska", "uk": "Норвезька",
    }),
    "nl-nctv": ("4", {
        "bg": "Нидерландската", "cs": "Nizozemská", "da": "nederlandske", "de": "niederländische",
        "en": "Dutch", "es": "neerlandés", "fi": "Hollantilainen", "fr": "néerlandais",
        "he": "ההולנדי", "hu": "holland", "it": "olandese", "kk": "Нидерландтық", "lt": "Olandų",
        "lv": "Holandiešu", "nb": "nederlandske", "nl": "Nederlandse", "pl": "Niderlandzka",
        "pt": "holandês", "ro": "olandez", "ru": "Нидерландская", "sk": "Holandská",
        "sv": "nederländska", "uk": "Нідерландська",
    }),
    "dk": ("serious", {
        "bg": "Датската", "cs": "Dánská", "da": "danske", "de": "dänische", "en": "Danish",
        "es": "danés", "fi": "Tanskalainen", "fr": "danois", "he": "הדני", "hu": "dán",
        "it": "danese", "kk": "Даниялық", "lt": "Danų", "lv": "Dāņu", "nb": "danske",
        "nl": "Deense", "pl": "Duńska", "pt": "dinamarquês", "ro": "danez", "ru": "Датская",
        "sk": "Dánska", "sv": "danska", "uk": "Данська",
    }),
    "fi": ("4", {
        "bg": "Финландската", "cs": "Finská", "da": "finske", "de": "finnische", "en": "Finnish",
        "es": "finlandés", "fi": "Suomalainen", "fr": "finlandais", "he": "הפיני", "hu": "finn",
        "it": "finlandese", "kk": "Финляндиялық", "lt": "Suomių", "lv": "Somu", "nb": "finske",
        "nl": "Finse", "pl": "Fińska", "pt": "finlandês", "ro": "finlandez", "ru": "Финская",
        "sk": "Fínska", "sv": "finska", "uk": "Фінська",
    }),
}  # fmt: skip

CASES = [
    pytest.param(scheme, lang, level, adjectives[lang], id=f"{scheme}-{lang}")
    for scheme, (level, adjectives) in ADJECTIVES.items()
    for lang in sorted(SENTENCES)
]


def test_the_sentences_cover_every_pack_language() -> None:
    assert sorted(SENTENCES) == sorted(FOUR) == _pack_languages()
    for _, adjectives in ADJECTIVES.values():
        assert sorted(adjectives) == _pack_languages()


@pytest.mark.parametrize(("scheme", "lang", "level", "adjective"), CASES)
def test_the_adjective_alone_names_the_country(
    extractor: Extractor, catalog: Catalog, scheme: str, lang: str, level: str, adjective: str
) -> None:
    four = "4" if scheme in NAMED_LEVELS else FOUR[lang]
    text = SENTENCES[lang].format(adj=adjective, four=four)
    country = catalog.schemes[scheme].country
    assert tuples(extractor, text) == [(scheme, country, level, "set")]

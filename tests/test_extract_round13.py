"""Error kinds found while working through blind round 13 and the rounds before it, each a rule
tested in the pack languages it applies to (README, "Extraction, schemes and areas").

- A numbered scale's level is named by the number word of any pack language ("raised from three
  to four", "elevado a cuatro"), but only right after a to/from word or a level noun: "three
  reasons", "for the third time" and "the second-highest level" name no level.
- A level with nothing of any country in the sentence or the document (no area, no marker) is
  nobody's: the language alone does not pick the scheme ("verhoogd naar vier" may be the
  Netherlands' or Belgium's), unless the scheme is the only one whose first language it is.
- A modal verb in the past ("les autorités pouvaient maintenir le niveau") is modality.
- "Kept"/"mantuvieron"/"сохранили": keeping a level in the past tense is an extension too.
- A level said of a region wider than any country ("will remain high in Europe", pack `beyond`)
  is not lent the country the document or the scheme would give it.

Every sentence was written for this file (none is a corpus text).
"""

from __future__ import annotations

import pytest

from notifier.extract import Extractor
from tests.extracting import tuples

# --- number words name the levels of numbered scales --------------------------------------------
NUMBERED = [
    (
        "The Swedish Security Service said on Thursday that it had raised the terrorist threat "
        "level from three to four, citing concrete information.",
        ("se", "SE", "4", "set"),
    ),
    (
        "El servicio de seguridad de Suecia ha elevado el nivel de alerta antiterrorista de tres "
        "a cuatro, según informaron los medios locales.",
        ("se", "SE", "4", "set"),
    ),
    (
        "Le service de sécurité suédois a relevé jeudi le niveau de la menace terroriste de trois "
        "à quatre, selon les médias locaux.",
        ("se", "SE", "4", "set"),
    ),
    (
        "Der schwedische Sicherheitsdienst hat am Donnerstag die Terrorwarnstufe von drei auf vier "
        "angehoben, wie die Behörde mitteilte.",
        ("se", "SE", "4", "set"),
    ),
    (
        "Il servizio di sicurezza svedese ha alzato giovedì il livello di allerta terrorismo da tre "
        "a quattro, secondo i media locali.",
        ("se", "SE", "4", "set"),
    ),
    (
        "Служба безопасности Швеции в четверг повысила уровень террористической угрозы с трех до "
        "четырех, сообщили местные СМИ.",
        ("se", "SE", "4", "set"),
    ),
    (
        "Служба безпеки Швеції в четвер підвищила рівень терористичної загрози з трьох до "
        "чотирьох, повідомили місцеві медіа.",
        ("se", "SE", "4", "set"),
    ),
    (
        "O serviço de segurança da Suécia elevou na quinta-feira o nível de ameaça terrorista de "
        "três para quatro, segundo a imprensa local.",
        ("se", "SE", "4", "set"),
    ),
    (
        "Švédská bezpečnostní služba ve čtvrtek zvýšila stupeň teroristické hrozby ve Švédsku ze "
        "tří na čtyři, uvedla místní média.",
        ("se", "SE", "4", "set"),
    ),
    (
        "Den belgiske trusselsvurderingsenhed OCAM har hævet terrortrusselsniveauet i Belgien fra "
        "tre til fire, oplyser myndighederne.",
        ("be-ocam", "BE", "4", "set"),
    ),
    (
        "Belgiens hotbedömningsorgan OCAM har höjt terrorhotnivån i Belgien från tre till fyra, "
        "uppger myndigheterna.",
        ("be-ocam", "BE", "4", "set"),
    ),
    (
        "Det belgiske trusselsorganet OCAM har hevet terrortrusselnivået i Belgia fra tre til fire, "
        "opplyser myndighetene.",
        ("be-ocam", "BE", "4", "set"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERED)
def test_a_number_word_names_a_numbered_level(
    extractor: Extractor, text: str, expected: tuple
) -> None:
    assert tuples(extractor, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Säpo gave three reasons for keeping the terrorist threat level where it has been for the "
        "third time this year.",
        "Der schwedische Sicherheitsdienst nannte drei Gründe für die Terrorwarnstufe, die zum "
        "dritten Mal bestätigt wurde.",
        # "the second-highest" is a rank on the scale: here 4 of 5, never 2
        "L'Olanda ha aumentato il livello di allerta terrorismo. La minaccia è passata a 4, il "
        "secondo livello più alto.",
    ],
)
def test_a_count_or_a_rank_is_no_numbered_level(extractor: Extractor, text: str) -> None:
    assert all(level != "2" and level != "3" for _, _, level, _ in tuples(extractor, text))


# --- a level of nobody's country ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "control"),
    [
        (
            "Het terreurdreigingsniveau werd donderdag verhoogd naar vier, meldde de dienst.",
            "Het terreurdreigingsniveau in Nederland werd donderdag verhoogd naar vier, meldde de "
            "NCTV.",
        ),
        (
            "Elevar la alerta antiterrorista hasta el nivel cinco, el máximo, significa que hay "
            "información sobre un atentado.",
            "España elevó la alerta antiterrorista hasta el nivel cinco, el máximo, por la "
            "información sobre un atentado.",
        ),
    ],
)
def test_no_country_no_level(extractor: Extractor, text: str, control: str) -> None:
    assert tuples(extractor, text) == []
    assert tuples(extractor, control) != []


def test_the_only_scheme_of_a_language_needs_no_place(extractor: Extractor) -> None:
    text = "Терроризм қаупінің сары деңгейі енгізілді, деп хабарлады ҰҚК."
    assert [t[0] for t in tuples(extractor, text)] in ([], ["kz"])


# --- a modal verb in the past -------------------------------------------------------------------
MODAL_PAST = [
    (
        "Le GCT a estimé que les autorités pouvaient maintenir l'actuel niveau 2 de la menace "
        "terroriste au Luxembourg.",
        "Le GCT a estimé que les autorités ont maintenu l'actuel niveau 2 de la menace "
        "terroriste au Luxembourg.",
    ),
    (
        "El Gobierno concluyó que las autoridades podían mantener el nivel 4 de alerta "
        "antiterrorista en España.",
        "El Gobierno concluyó que las autoridades mantuvieron el nivel 4 de alerta "
        "antiterrorista en España.",
    ),
    (
        "Il governo ha concluso che le autorità potevano mantenere il livello 4 di allerta "
        "terrorismo in Belgio.",
        "Il governo ha concluso che le autorità hanno mantenuto il livello 4 di allerta "
        "terrorismo in Belgio.",
    ),
    (
        "Die Regierung kam zu dem Schluss, dass die Behörden die Terrorwarnstufe 3 in Belgien "
        "beibehalten konnten.",
        "Die Regierung kam zu dem Schluss, dass die Behörden die Terrorwarnstufe 3 in Belgien "
        "beibehalten haben.",
    ),
    (
        "De regering concludeerde dat de autoriteiten het dreigingsniveau 4 in Nederland konden "
        "handhaven.",
        "De regering concludeerde dat de autoriteiten het dreigingsniveau 4 in Nederland "
        "handhaafden.",
    ),
    (
        "Правительство пришло к выводу, что власти могли сохранить желтый уровень "
        "террористической опасности в Актобе.",
        "Правительство пришло к выводу, что власти сохранили желтый уровень "
        "террористической опасности в Актобе.",
    ),
    (
        "Уряд дійшов висновку, що влада могли зберегти жовтий рівень терористичної загрози в "
        "Актобе.",
        "Уряд дійшов висновку, що влада зберегла жовтий рівень терористичної загрози в Актобе.",
    ),
]


@pytest.mark.parametrize(("text", "control"), MODAL_PAST)
def test_a_modal_in_the_past_is_modality(extractor: Extractor, text: str, control: str) -> None:
    assert tuples(extractor, text) == []
    got = tuples(extractor, control)
    # the control is the same sentence with the level kept: an extension
    assert len(got) == 1 and got[0][3] == "extend"


# --- a region wider than any country ------------------------------------------------------------
_NL_INTRO = {
    "en": "The Dutch coordinator NCTV published its threat assessment for the Netherlands on "
    "Monday.\n",
    "nl": "De NCTV heeft maandag het dreigingsbeeld voor Nederland gepubliceerd.\n",
    "fr": "Le coordinateur néerlandais NCTV a publié lundi son évaluation de la menace pour les "
    "Pays-Bas.\n",
    "de": "Die niederländische Behörde NCTV hat am Montag ihre Bedrohungsanalyse für die "
    "Niederlande vorgelegt.\n",
    "ru": "Нидерландский координатор NCTV в понедельник опубликовал оценку угрозы для "
    "Нидерландов.\n",
    "es": "El coordinador neerlandés NCTV publicó el lunes su evaluación de la amenaza para los "
    "Países Bajos.\n",
    "it": "Il coordinatore olandese NCTV ha pubblicato lunedì la sua valutazione della minaccia "
    "per i Paesi Bassi.\n",
}
BEYOND = [
    (
        "en",
        "The terrorist threat level in Europe remains substantial, the NCTV said.",
        "The terrorist threat level in the Netherlands remains substantial, the NCTV said.",
    ),
    (
        "nl",
        "Het dreigingsniveau voor terrorisme in Europa wordt gehandhaafd op substantieel, aldus "
        "de NCTV.",
        "Het dreigingsniveau voor terrorisme in Nederland wordt gehandhaafd op substantieel, "
        "aldus de NCTV.",
    ),
    (
        "fr",
        "Le niveau de la menace terroriste en Europe reste fixé à 4, selon le NCTV.",
        "Le niveau de la menace terroriste aux Pays-Bas reste fixé à 4, selon le NCTV.",
    ),
    (
        "de",
        "Die Terrorwarnstufe bleibt in Europa bei 4, teilte die NCTV mit.",
        "Die Terrorwarnstufe bleibt in den Niederlanden bei 4, teilte die NCTV mit.",
    ),
    (
        "ru",
        "Уровень террористической угрозы в Европе остается на отметке 4, сообщил NCTV.",
        "Уровень террористической угрозы в Нидерландах остается на отметке 4, сообщил NCTV.",
    ),
    (
        "es",
        "El nivel de amenaza terrorista se mantiene en 4 en Europa, según el NCTV.",
        "El nivel de amenaza terrorista se mantiene en 4 en los Países Bajos, según el NCTV.",
    ),
    (
        "it",
        "Il livello di minaccia terroristica resta a 4 in Europa, secondo il NCTV.",
        "Il livello di minaccia terroristica resta a 4 nei Paesi Bassi, secondo il NCTV.",
    ),
]


@pytest.mark.parametrize(("lang", "text", "control"), BEYOND)
def test_a_level_of_europe_is_no_countrys(
    extractor: Extractor, lang: str, text: str, control: str
) -> None:
    assert tuples(extractor, _NL_INTRO[lang] + text) == []
    assert tuples(extractor, _NL_INTRO[lang] + control) == [("nl-nctv", "NL", "4", "extend")]


# --- round 14's kinds ---------------------------------------------------------------------------
# a pair from the bottom of a scale to its top describes the scale: no level jumps from 1 to 4
@pytest.mark.parametrize(
    "text",
    [
        "L'OCAM note sur un niveau de 1 à 4 la probabilité d'une attaque terroriste en Belgique.",
        "Het OCAD beoordeelt de dreiging in België op een niveau van 1 tot 4.",
        "The OCAM rates the terrorist threat in Belgium on a level from 1 to 4.",
        "Das OCAM bewertet die Terrorgefahr in Belgien auf einer Stufe von 1 bis 4.",
        "El OCAM califica la amenaza terrorista en Bélgica en un nivel de 1 a 4.",
        "L'OCAM valuta la minaccia terroristica in Belgio su un livello da 1 a 4.",
    ],
)
def test_bottom_to_top_is_the_scale(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == []
    control = "Belgium raised its terror threat level from 3 to 4, the OCAM said."
    assert tuples(extractor, control) == [("be-ocam", "BE", "4", "set")]


# a conditional perfect ("would have meant") is a counterfactual: nothing was decided
COUNTERFACTUAL = [
    (
        "Elevar el nivel de alerta antiterrorista en España a 5 habría implicado recurrir a las "
        "Fuerzas Armadas.",
        "El Gobierno elevó el nivel de alerta antiterrorista en España a 5 y recurrió a las "
        "Fuerzas Armadas.",
    ),
    (
        "Relever le niveau de la menace terroriste en Belgique à 4 aurait impliqué le "
        "déploiement de l'armée.",
        "L'OCAM a relevé le niveau de la menace terroriste en Belgique à 4 et l'armée a été "
        "déployée.",
    ),
    (
        "Alzare il livello di allerta terrorismo in Belgio a 4 avrebbe comportato il "
        "dispiegamento dell'esercito.",
        "L'OCAM ha alzato il livello di allerta terrorismo in Belgio a 4 e l'esercito è stato "
        "dispiegato.",
    ),
    (
        "Raising Britain's terrorism threat level to critical would have meant deploying "
        "soldiers on the streets.",
        "Britain raised its terrorism threat level to critical and deployed soldiers on the "
        "streets.",
    ),
    (
        "Повышение уровня террористической опасности в Актобе до красного означало бы ввод войск.",
        "В Актобе повысили уровень террористической опасности до красного и ввели войска.",
    ),
]


@pytest.mark.parametrize(("text", "control"), COUNTERFACTUAL)
def test_a_conditional_perfect_is_a_counterfactual(
    extractor: Extractor, text: str, control: str
) -> None:
    assert tuples(extractor, text) == []
    assert len(tuples(extractor, control)) == 1


# "the whole territory of the region" is the region named before, never the country
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Жамбыл облысында жедел штаб отырысы өтті.\nДәл осы уақыттан бастап облыстың барлық "
            "аумағында террористік қауіптіліктің жоғары («қызғылт сары») деңгейі белгіленеді.",
            ("kz", "KZ-ZHA", "orange", "set"),
        ),
        (
            "В Жамбылской области прошло заседание оперативного штаба.\nС этого момента на всей "
            "территории области устанавливается высокий («оранжевый») уровень террористической "
            "опасности.",
            ("kz", "KZ-ZHA", "orange", "set"),
        ),
        (
            "У Житомирській області відбулося засідання штабу.\nНа всій території області "
            "встановлено жовтий рівень терористичної загрози.",
            ("ua", "UA-18", "yellow", "set"),
        ),
    ],
)
def test_the_region_named_before(extractor: Extractor, text: str, expected: tuple) -> None:
    assert tuples(extractor, text) == [expected]


def test_an_undated_document_is_dated_by_its_fetch_time(extractor: Extractor) -> None:
    """Without a date "продлили до 28 октября" has no year; the service reads an undated
    document as published when it was fetched, so the expiry is that year's 28 October."""
    from datetime import UTC, datetime

    from notifier.model import Document
    from notifier.timebounds import bound_document

    text = (
        "Как сообщил губернатор Севастополя, «жёлтый» уровень террористической опасности в "
        "городе продлили до 28 октября."
    )
    fetched = datetime(2022, 10, 13, 9, tzinfo=UTC)
    doc, warnings = bound_document(
        Document(source_id="t", id="d", text=text), fetched_at=fetched, future_skew_s=300
    )
    assert warnings == [] and doc.published == fetched and "dated_by_fetch" in doc.extra
    (a,) = extractor.extract(doc)
    assert a.action.value == "extend" and a.expires is not None
    assert (a.expires.year, a.expires.month, a.expires.day) == (2022, 10, 28)


def test_no_level_is_named_by_a_negation_word() -> None:
    """Norway's lowest level was named "ingen" ("none"): "Norge gjør ingen endringer" (Norway
    makes no changes) read as level 1. A scheme's level name is never a negation word of its
    language's pack."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parent.parent / "config"
    negation = {}
    for pack in (root / "languages").glob("*.yaml"):
        data = yaml.safe_load(pack.read_text(encoding="utf-8"))
        negation[data["code"]] = {w.lower() for w in data.get("negation") or []}
    clashes = [
        (scheme.name, level["id"], lang, name)
        for scheme in (root / "schemes").glob("*.yaml")
        for level in yaml.safe_load(scheme.read_text(encoding="utf-8")).get("levels", [])
        for lang, names in (level.get("names") or {}).items()
        for name in names
        if str(name).lower() in negation.get(lang, set())
    ]
    assert clashes == []


def test_norway_makes_no_changes_is_no_level(extractor: Extractor) -> None:
    assert tuples(extractor, "Sverige hever terrortrusselnivået – Norge gjør ingen endringer") == []


def test_lithuanian_ordinals_in_the_genitive(extractor: Extractor) -> None:
    text = (
        "Švedijos saugumo policija trečiadienį šalyje padidino teroro pavojaus lygį nuo "
        "trečiojo iki ketvirtojo, skelbia agentūra."
    )
    assert tuples(extractor, text) == [("se", "SE", "4", "set")]


# the UK's level names in the languages that report them (a translation is a name of the level)
@pytest.mark.parametrize(
    "text",
    [
        'Великобритания повиши нивото на терористична заплаха от "значително" на '
        '"сериозно", съобщи МИ5.',
        'Wielka Brytania podniosła poziom zagrożenia terrorystycznego ze "znacznego" na '
        '"poważny", poinformował MI5.',
        'Velká Británie zvýšila stupeň teroristické hrozby na "vážný", oznámila služba MI5.',
        "Влада Британії вирішила підвищити рівень терористичної загрози в країні з "
        '"суттєвого" до "серйозного".',
    ],
)
def test_uk_level_names_in_more_languages(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == [("uk", "GB", "severe", "set")]


# a negated decision denies the action it is about ("have not yet decided to raise")
DECISION = [
    (
        "Власти Воронежской области ещё не приняли решение о продлении жёлтого уровня "
        "террористической опасности.",
        "Власти Воронежской области приняли решение о продлении жёлтого уровня "
        "террористической опасности.",
    ),
    (
        "Влада Житомирської області ще не ухвалила рішення про продовження жовтого рівня "
        "терористичної загрози.",
        "Влада Житомирської області ухвалила рішення про продовження жовтого рівня "
        "терористичної загрози.",
    ),
    (
        "The Belgian government has not yet decided to raise the terror threat level to 4.",
        "The Belgian government has decided to raise the terror threat level to 4.",
    ),
    (
        "Le gouvernement belge n'a pas encore décidé de relever le niveau de la menace "
        "terroriste à 4.",
        "Le gouvernement belge a décidé de relever le niveau de la menace terroriste à 4.",
    ),
    (
        "El Gobierno español aún no ha decidido elevar el nivel de alerta antiterrorista a 5.",
        "El Gobierno español ha decidido elevar el nivel de alerta antiterrorista a 5.",
    ),
    (
        "Il governo belga non ha ancora deciso di alzare il livello di allerta terrorismo a 4.",
        "Il governo belga ha deciso di alzare il livello di allerta terrorismo a 4.",
    ),
]


@pytest.mark.parametrize(("text", "control"), DECISION)
def test_a_negated_decision_denies_its_action(
    extractor: Extractor, text: str, control: str
) -> None:
    assert tuples(extractor, text) == []
    assert len(tuples(extractor, control)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "In Schweden hat die Sicherheitspolizei die Terrorwarnstufe von der dritten auf die "
        "vierte auf einer Fünf-Punkte-Skala angehoben.",
        "Sweden's security police raised its terror threat level from three to four on a "
        "five-point scale.",
    ],
)
def test_a_compound_count_is_no_level(extractor: Extractor, text: str) -> None:
    assert tuples(extractor, text) == [("se", "SE", "4", "set")]

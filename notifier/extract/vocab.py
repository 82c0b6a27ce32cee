"""Built-in words of each language that do not depend on a scheme.

Actions (set / extend / lift), and the markers of sentences that are not announcements
(history, definitions, explicitly unchanged levels). Phrases use the catalog syntax
(`word*` is a stem). A scheme's YAML can add action words of its own (`actions:`).
"""

from __future__ import annotations

from notifier.model import Action

Vocab = dict[str, list[str]]

ACTIONS: dict[Action, Vocab] = {
    Action.LIFT: {
        "en": [
            "lifted", "lift", "lifting", "lifts", "cancel*", "revoked", "called off", "ended",
            "removed", "abolished", "scrapped", "no longer", "deactivated", "stood down",
        ],
        "ru": [
            "отмен*", "снят*", "сняли", "снимают", "снимается", "снят", "будет снят",
            "прекращ*", "прекрат*", "перестанет действовать", "перестал* действовать",
            "не продлевать", "не продлили", "не продлен*", "завершен* действие",
        ],
        "any": ["otmenen*", "otmenyaet*", "snyat*", "toktatyl*", "zhoiyldy"],
        "kk": ["тоқтатыл*", "тоқтады", "тоқтаған*", "жойылды", "жойыл*", "алынып тасталды", "алынды"],
        "fr": ["levé*", "lève", "désactivé*", "désactive", "abrogé*", "annulé*"],
        "nl": ["ingetrokken", "opgeheven", "afgeschaft"],
        "sv": ["hävd*", "upphäv*"],
        "nb": ["opphevet", "avviklet"],
        "da": ["ophævet"],
        "de": ["aufgehoben", "hebt auf", "beendet"],
        "es": ["desactiva*", "levantad*", "anulad*"],
        "it": ["revocat*", "annullat*"],
    },
    Action.EXTEND: {
        "any": ["prodlen*", "prodlil*"],
        "en": ["extended", "extends", "extend", "extending", "prolonged", "renewed", "reissued", "reissues", "reissue", "re-issued", "remains", "remain", "will remain", "keeps", "keep", "kept", "maintains", "maintained", "maintain"],
        # round 7: "keeps/maintains the level at 3" ("maintient", "hält ... bei", "mantiene")
        "ru": [
            "продл*", "продолжает действовать", "сохраня*", "сохранит*", "сохранен*",
            "действует", "остается", "останется",
        ],
        "kk": ["ұзартыл*", "сақтал*", "сақталады"],
        "fr": ["prolongé*", "prolonge", "maintenu*", "maintient", "maintiennent", "maintenir", "reconduit*", "reste fixé*", "demeure"],
        "nl": ["verlengd", "gehandhaafd", "handhaaft", "houdt"],
        "sv": ["förläng*"],
        "nb": ["forlenget"],
        "da": ["forlænget"],
        "de": ["verlängert", "verlängern", "bleibt bei", "bleibt auf", "hält", "belässt", "beibehalten", "behält"],
        "es": ["prorrogad*", "prorroga", "mantendrá", "mantiene", "mantienen", "mantenido", "mantener"],
        "it": ["prorogat*", "esteso", "estesa", "rimarrà", "prolungat*", "mantiene", "mantengono", "mantenuto", "resta fissato", "resta fissata", "resta", "rimane", "confermato"],
    },
    Action.SET: {
        "en": [
            "declared", "declares", "declare", "announced", "announces", "introduced", "introduces",
            "introduce", "raised", "raises", "raising", "raise", "upgraded", "increased",
            "elevated", "heightened", "lowered", "lowers", "lowering", "lower", "reduced", "reduces",
            "reducing", "downgraded", "changed", "established", "imposed", "issued", "issues",
            "set", "put", "moved", "went up", "goes up", "has gone up", "brought down", "cut",
            "is now", "current national threat level is", "hiked", "decreased",
        ],
        "ru": [
            "введ*", "ввел*", "ввод*", "введ", "введут", "ввели", "вводится", "объявл*",
            "установ*", "устанавливается", "устанавливают", "повыс*", "повыш*", "понизил*", "пониж*", "понизят",
            "сниз*", "сниж*", "изменен*", "изменил*", "определен", "действует с",
        ],
        "any": ["ustanovlen*", "vveden*", "obyavlen*", "obiavlen*", "belgilen*", "zhariial*", "zharyial*", "zhariyal*", "engizil*"],
        "kk": ["жариял*", "енгіз*", "белгілен*", "арттыр*", "төмендет*", "көтерілді"],
        "fr": [
            "relevé*", "relève", "relever", "rehauss*", "réhauss*", "abaiss*", "élevé à", "élevé au", "porté*",
            "passé*", "passe", "activé*", "active", "réévalué*", "placé*", "décrété*", "baissé*",
            "rétrogradé*", "remonté*", "ramené*", "ramène",
            "passait", "passera", "bascul*", "déclench*", "redescendu", "redescend",
        ],
        "nl": ["verhoogd", "verlaagd", "verhoogt", "verlaagt", "terug", "gaat naar", "ingesteld", "bijgesteld", "aangepast"],
        "sv": ["höj*", "sänk*", "går från", "ändr*", "har höjts", "har sänkts"],
        "nb": ["endrer", "endret", "hever", "hevet", "heves", "senker", "senket", "senkes", "nedjuster*", "oppjuster*"],
        "da": ["hæve*", "hæver", "hævet", "sænke*", "sænket", "bliver hævet", "nedjuster*"],
        "de": [
            "erhöht", "erhöhen", "erhöhte", "angehoben", "hebt", "heben", "anheben", "heraufgesetzt",
            "heraufgestuft", "hochgestuft", "gesenkt", "senkt", "senken", "herabgesetzt", "herabgestuft",
            "ausgerufen", "verhängt", "gilt ab", "liegt nun", "hob", "senkte", "stufte",
        ],
        "es": ["elevad*", "eleva", "elevar", "rebaj*", "baja", "sube", "subido", "activad*", "decretad*"],
        "it": ["alzato", "alzata", "alza", "innalzat*", "abbassat*", "elevat*", "entrato in vigore", "portato", "portata", "dichiarat*"],
    },
}  # fmt: skip

# A sentence about the past or about the rules, not a new decision.
HISTORY: Vocab = {
    "en": [
        "had been", "was first", "were first", "initially", "originally", "previously", "last time", "history",
        "in the past", "since then", "for the first time since", "was last", "shall be",
        "last year", "last month", "last january", "last february", "last march", "last april",
        "last may", "last june", "last july", "last august", "last september", "last october",
        "last november", "last december", "when it was",
        "is defined", "means that", "would be", "stood at", "for years", "at the time",
    ],
    "ru": [
        "тогда же", "ранее", "впервые",
        "первоначально", "изначально", "при наличии", "может устанавливаться", "могут устанавливаться", "устанавливается при",
        "вводится при", "означает", "согласно документу", "согласно указу", "различаются",
    ],
    "kk": ["бұрын", "алғаш"],
    "fr": [
        "avait été", "depuis le", "pour la première fois", "était passé", "était ensuite",
        "était redescendu", "était monté", "est resté", "était resté", "a perduré", "signifiait",
        "correspondait", "à l'époque", "a l'epoque", "à cette époque", "était alors",
    ],
    "nl": ["eerder", "in maart", "was het", "gold al", "stond jarenlang", "jarenlang", "destijds", "toentertijd", "toen werd", "gold sinds"],
    "sv": ["senast", "tidigare"],
    "nb": ["tidligere"],
    "da": ["tidligere"],
    "es": ["desde el 11-m", "en aquel momento", "en aquella época", "había sido"],
    "de": ["zuletzt", "damals", "bereits im", "war zuvor", "hatte zuvor", "seinerzeit", "galt seit", "hatte gegolten"],
    "it": ["in precedenza", "all'epoca", "a quel tempo", "allora era", "era stato", "era stata"],
}  # fmt: skip

# A passive past ("был введен") is background, unless the sentence places it on the day of
# the report (a clock time without a date, "сегодня"): "незадолго до 18:00 ... был введён".
PASSIVE_PAST: Vocab = {
    "ru": [
        "был* введ*", "был* объявл*", "был* установлен*", "был* продлен*", "был* повыш*",
        "был* понижен*", "был* снят*", "был* отмен*",
    ],
}  # fmt: skip

# The day of the report: a passive past with one of these is the news itself.
SAME_DAY: Vocab = {
    "en": ["today", "this morning", "this afternoon", "this evening", "tonight"],
    "ru": ["сегодня", "сегодняшн*", "этим утром", "этим вечером", "накануне вечером"],
    "kk": ["бүгін"],
    "fr": ["aujourd'hui", "ce matin", "ce soir"],
    "nl": ["vandaag", "vanochtend", "vanavond"],
    "es": ["hoy"],
    "it": ["oggi", "stamattina", "stasera"],
}  # fmt: skip

# The rules of a scheme, not a level in force (a subset of HISTORY): such a sentence names no
# level that a later "the level"/"режим" could refer to.
DEFINITION: Vocab = {
    "en": [
        "is defined", "means that", "would be", "under the rules", "according to the decree",
        "update to the", "is updating the", "new form of advisory",
    ],
    "ru": [
        "при наличии", "может устанавливаться", "могут устанавливаться", "устанавливается при",
        "вводится при", "означает", "согласно документу", "согласно указу", "различаются",
    ],
    "kk": ["жарлыққа сәйкес"],
    "fr": ["correspond à", "signifie", "signifiait", "représente une menace"],
}  # fmt: skip

# The level did not change: the sentence says so.
UNCHANGED: Vocab = {
    "en": ["unchanged", "not changed", "has not changed", "no change", "remains at", "remain at", "stays at", "neither of"],
    "ru": ["не изменил*", "без изменений", "неизменн*", "остается прежним"],
    "kk": ["өзгеріссіз"],
    "fr": ["inchangé*", "reste au", "demeure au"],
    "nl": ["ongewijzigd", "blijft op", "blijft gelijk"],
    "sv": ["oförändr*", "ligger kvar"],
    "nb": ["uendret", "holder nivået", "på det samme"],
    "da": ["uændret", "skærpet inden for"],
    "de": ["unverändert", "bleibt unverändert"],
    "es": ["dentro del nivel", "mantiene el nivel", "se mantiene en el nivel", "sin cambios"],
    "it": ["invariat*"],
}  # fmt: skip

# "to" between two levels: "from red to yellow", "с красного до желтого", "van 4 naar 3".
TRANSITION_TO: Vocab = {
    "en": ["to", "into"],
    "ru": ["до", "на"],
    "kk": ["дейін"],
    "fr": ["à", "au", "a"],
    "nl": ["naar", "tot"],
    "sv": ["till"],
    "nb": ["til", "op til"],
    "da": ["til", "op til"],
    "es": ["a", "al", "hasta"],
    "de": ["auf", "zu"],
    "it": ["a", "al"],
}

# "from" before the old level: "lowered from 5", "с критического".
TRANSITION_FROM: Vocab = {
    "en": ["from"],
    "ru": ["с", "со"],
    "nl": ["van", "vanaf"],
    "fr": ["de"],
    "sv": ["från"],
    "nb": ["fra"],
    "da": ["fra"],
    "es": ["de", "desde"],
    "de": ["von"],
    "it": ["da"],
}

# The whole territory of the scheme: "throughout the country", "на территории всей страны".
NATIONWIDE: Vocab = {
    "en": ["throughout the country", "throughout the republic", "nationwide", "national", "across the country", "in the country", "throughout the territory"],
    "ru": ["всей страны", "всей республики", "по всей стране", "по всей республике"],
    "kk": ["бүкіл ел", "республика бойынша", "елімізде"],
    "fr": ["nationale", "national", "ensemble du territoire"],
    "nl": ["landelijk", "nederland"],
    "es": ["nacional"],
}  # fmt: skip

# A place named right after these is where something happened, not where a level applies.
EVENT_BEFORE_AREA: Vocab = {
    "en": [
        "attack in", "attacks in", "attack on", "shooting in", "bombing in", "explosion in", "after",
        "following", "held in", "press conference in", "news conference in", "speaking in",
    ],
    "ru": [
        "теракт* в", "нападени* в", "взрыв* в", "стрельб* в", "перестрелк* в", "атак* в", "после",
        "пресс-конференци* в", "брифинг* в",
    ],
    "kk": ["шабуыл"],
    "fr": [
        "attentat à", "attentat de", "attentat survenu à", "attentats de", "attentats à", "attaque à",
        "attaque de", "attaques de", "attaques à", "fusillade à", "fusillade de", "conférence de presse à",
        "point presse à", "après", "suite à",
    ],
    "nl": ["aanslag in", "aanslag op", "persconferentie in"],
    "sv": ["efter", "skottlossning* i", "attack* i", "attentat* i", "dådet i"],
    "nb": ["etter", "skyting* i", "angrep* i", "angrepet i"],
    "da": ["efter", "skyderi* i", "angreb* i"],
    # the attack's city in the international press ("après l'attentat de Strasbourg")
    "de": [
        "Anschlag in", "Anschlag von", "Anschlag auf", "Anschlägen in", "Anschlägen von", "Anschläge in",
        "Angriff in", "Attentat in", "Attentat von", "Pressekonferenz in",
    ],
    "it": [
        "attacco a", "attacco di", "attacco in", "attacchi a", "attacchi di", "attentato a", "attentato di",
        "attentati a", "attentati di", "strage di", "conferenza stampa a", "dopo",
    ],
    "es": [
        "atentado en", "atentado de", "atentados en", "atentados de", "ataque en", "ataque de",
        "ataques en", "ataques de", "rueda de prensa en", "tras", "después de",
    ],
}  # fmt: skip

# Pointers back to areas of an earlier sentence.
ANAPHORA: Vocab = {
    "en": ["there", "these regions", "these cities", "these areas", "those regions", "the city", "the region", "four cities", "three regions", "the same"],
    "ru": ["здесь", "этих регионах", "этих городах", "указанных регионах", "данных регионах", "территории города", "в городе", "городах", "регионе", "остальных"],
    "kk": ["осы өңір*", "бұл өңір*", "аталған өңір*", "осы аймақ*", "бұл аймақ*", "аталған аймақ*", "қалада"],
    "fr": ["celui-ci", "y ", "ces régions", "ces villes"],
    "nl": ["daar", "deze regio's", "deze provincies"],
}  # fmt: skip

# "out of five": a number that gives the size of the scale, not a level.
SCALE_SIZE: Vocab = {
    "any": [],
    "en": ["out of", "of", "scale of"],
    "ru": ["из"],
    "nl": ["schaal van", "van de"],
    "fr": ["sur"],
    "sv": ["av"],
    "nb": ["av"],
    "da": ["ud af", "af"],
    "de": ["aus"],
    "es": ["de"],
    "it": ["su"],
}

# Everyday words that identify a language (for choosing which level words apply).
STOPWORDS: dict[str, set[str]] = {
    "en": set("the and of to in is was has have that for with on by from this are at".split()),
    "ru": set("и в на не что по с из для как это от уровень был года".split()),
    "kk": set("және бен мен үшін бойынша туралы деңгейі облысы қаласы жылы".split()),
    "fr": set(
        "le la les et des du un une est pour dans que au sur par son sa ses leur leurs ont ete aux".split()
    ),
    "nl": set("de het een en van is op te dat niet voor met zijn naar".split()),
    "sv": set("och att det som är en på för av med till har från inte".split()),
    "nb": set("og det som er en på for av med til har fra ikke jeg vi".split()),
    "da": set("og det som er en på for af med til har fra ikke vi efter".split()),
    "es": set("el la los las y de del en que por con para una es se".split()),
    "it": set("il la le e di del della che per con una è da dei gli alle".split()),
    "de": set("der die das und ist nicht mit von auf für den dem des ein eine sich hat".split()),
}

# Not a decision but a condition or a promise: "if the threat grows", "в случае ее появления".
HYPOTHETICAL: Vocab = {
    "en": [
        "if", "unless", "in case", "could be", "could raise", "could lower", "may be", "might",
        "would", "will decide", "to decide", "decide whether", "is considering", "are considering",
        "weighing", "possible raising", "possible lowering", "refused to", "declined to",
        "chances are", "is likely to be raised", "is likely to be lowered",
    ],
    "ru": [
        "в случае", "если", "пообещал*", "обещают", "может быть", "могут быть", "решит", "решат",
        "рассматрива* возможность", "возможн* повышени*", "возможн* понижени*", "отказал* от",
        "отказываются от", "скорее всего",
    ],
    "kk": ["жағдайда", "егер"],
    "fr": [
        "si", "pourrait", "pourraient", "décidera", "décideront", "éventuel*", "envisag*",
        "renonc*", "chances que", "il est probable que", "il est possible que", "devrait être",
    ],
    "nl": ["als", "indien", "zou", "overweeg*", "eventuele", "beslist of", "besluit of"],
    "it": ["se", "qualora", "potrebbe", "deciderà", "eventuale", "rinunci*"],
    "es": [
        "si", "podría", "podrían", "renunci*", "decidirá", "decidirán", "eventual*", "estudia si",
        "es probable que",
    ],
}  # fmt: skip

# A negation right before an action word: "not to raise", "не стали вводить".
NEGATION: Vocab = {
    "en": ["not", "not to", "never", "did not", "didn't", "has not", "hasn't", "no plans to"],
    "ru": ["не", "не стали", "не будут", "не будет", "не планируют"],
    "kk": ["жоқ"],
    "fr": ["ne", "pas", "n'a pas"],
    "nl": ["niet", "geen"],
    "it": ["non"],
    "es": ["no"],
    "sv": ["inte", "inga"],
    "nb": ["ikke"],
    "da": ["ikke"],
}  # fmt: skip

# The action and level of the sentence before, repeated for other areas: "did the same".
SAME_ACTION: Vocab = {
    "en": [
        "did the same", "followed suit", "has done the same", "have done the same", "did likewise",
        "joined them", "were added to them", "was added to them", "were later added",
    ],
    "ru": [
        "сделал* то же самое", "последовал* примеру", "поступил* так же", "поступил* аналогично",
        "к ним добавил*", "к ним присоединил*", "присоединил* к ним",
    ],
    "kk": ["осындай шешім қабылда*"],
    "fr": ["a fait de même", "ont fait de même", "en a fait autant", "s'y sont ajouté*", "s'y est ajouté*"],
    "it": ["ha fatto lo stesso", "hanno fatto lo stesso"],
    "es": ["hizo lo mismo", "hicieron lo mismo"],
}  # fmt: skip

# "the remaining five regions": every area named before except the ones just singled out.
REMAINING: Vocab = {
    "en": ["the remaining", "the rest of the", "all other", "the other"],
    "ru": ["остальных", "остальные", "остальным", "прочих", "других"],
    "kk": ["қалған", "басқа"],
    "fr": ["autres", "restants", "restantes"],
    "it": ["altre", "altri", "restanti"],
    "es": ["demás", "restantes"],
}  # fmt: skip

# A regime that is not a threat level ("режим АТО", "режим ЧС"): a bare "режим" then means it.
OTHER_REGIME: Vocab = {
    "any": ["АТО", "КТО"],
    "ru": ["антитеррористическ* операци*", "контртеррористическ* операци*", "чрезвычайн*", "ЧС", "карантин*", "ограничительн*"],
    "kk": ["антитеррорлық операция*", "төтенше*"],
    "en": ["operation", "emergency", "quarantine", "curfew"],
}  # fmt: skip

# Small counts in front of an anaphor: "in the other five regions" must be five areas.
COUNT_WORDS: dict[str, int] = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "двух": 2, "трех": 3, "четырех": 4, "пяти": 5, "шести": 6, "семи": 7, "восьми": 8,
    "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "due": 2, "tre": 3, "quattro": 4,
    "cinque": 5, "екі": 2, "үш": 3, "төрт": 4, "бес": 5,
}  # fmt: skip

# Extend words that only say a level goes on; they act only on a level word attached to them.
REMAIN: Vocab = {
    "en": ["remains", "remain", "will remain"],
    "ru": ["сохраня*", "сохранит*", "сохранен*", "остается", "останется"],
    "kk": ["сақтал*", "сақталады"],
    "fr": ["maintenu*", "maintient"],
    "nl": ["gehandhaafd"],
    "es": ["mantendrá"],
    "it": ["rimarrà"],
}  # fmt: skip

# Verbs that keep a level where it is ("keeps the threat level at 3", "maintient le niveau à 3",
# "hält die Warnstufe bei drei", "mantiene il livello a 3"): extend, never set. Like REMAIN they act
# only on a level word of their own clause, but the level may stand further away (after the noun).
KEEP: Vocab = {
    "en": ["keeps", "keep", "kept", "maintains", "maintained", "maintain"],
    "fr": ["maintient", "maintiennent", "maintenir", "maintenu*", "reste fixé*", "demeure"],
    "nl": ["handhaaft", "houdt", "gehandhaafd"],
    "de": ["hält", "belässt", "beibehalten", "behält"],
    "es": ["mantiene", "mantienen", "mantenido", "mantener", "mantendrá"],
    "it": ["mantiene", "mantengono", "mantenuto", "resta fissato", "resta fissata", "resta", "rimane", "confermato"],
}  # fmt: skip

# Words that name the scale itself ("five levels", "dreigingsniveaus", "på en skala").
SCALE_WORDS: Vocab = {
    "en": ["levels", "scale", "five-level", "five-tier", "categorisation", "categorization", "ratings"],
    "ru": ["уровни", "уровней", "шкал*"],
    "kk": ["деңгейлер*"],
    "fr": ["niveaux", "échelle"],
    "nl": ["niveaus", "dreigingsniveaus", "schaal"],
    "sv": ["nivåer", "skala*"],
    "nb": ["nivåer", "skala*"],
    "da": ["niveauer", "skala*"],
    "es": ["niveles", "escala"],
    "it": ["livelli", "scala"],
}  # fmt: skip

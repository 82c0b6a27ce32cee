"""A country's level read from a text in a pack language that names the country in its own words.

Cause: the gazetteer knew most scheme countries only in English and a few western languages, so
"Szwecja podniosła poziom zagrożenia ..." or "Nizozemsko zvýšilo stupeň ..." named no place and
read as nothing. Every sentence here was written for these tests. Each case also reads the same
sentence with the country's name replaced by a word that names no country: that must not give the
country's level, so the name is what the reading rests on.
"""

from __future__ import annotations

import pytest

from notifier.extract import Extractor
from tests.extracting import tuples

CASES = [
    # (text, the country's name as written, a stand-in naming no country, expected)
    (
        "Nizozemsko zvýšilo stupeň teroristické hrozby na 4.",
        "Nizozemsko",
        "Ministerstvo",
        ("nl-nctv", "NL", "4", "set"),
    ),
    (
        "Rakousko zvýšilo stupeň teroristické hrozby na 4.",
        "Rakousko",
        "Ministerstvo",
        ("at", "AT", "4", "set"),
    ),
    (
        "Švédsko zvýšilo stupeň teroristickej hrozby na 4.",
        "Švédsko",
        "Ministerstvo",
        ("se", "SE", "4", "set"),
    ),
    (
        "Szwecja podniosła poziom zagrożenia terrorystycznego z 3 do 4.",
        "Szwecja",
        "Policja",
        ("se", "SE", "4", "set"),
    ),
    (
        "W Szwecji podniesiono poziom zagrożenia terrorystycznego z 3 do 4.",
        "W Szwecji",
        "Wczoraj",
        ("se", "SE", "4", "set"),
    ),
    (
        "Norwegia podniosła poziom zagrożenia terrorystycznego z 3 do 4.",
        "Norwegia",
        "Policja",
        ("no", "NO", "4", "set"),
    ),
    (
        "Holandia obniżyła poziom zagrożenia terrorystycznego z 4 do 3.",
        "Holandia",
        "Policja",
        ("nl-nctv", "NL", "3", "set"),
    ),
    (
        "Hiszpania podniosła poziom zagrożenia terrorystycznego z 4 do 5.",
        "Hiszpania",
        "Policja",
        ("es", "ES", "5", "set"),
    ),
    (
        "Ruotsi nosti terrorismin uhka-arvion tasolle 4.",
        "Ruotsi",
        "Poliisi",
        ("se", "SE", "4", "set"),
    ),
    (
        "Norja nosti terrorismin uhka-arvion tasolle 4.",
        "Norja",
        "Poliisi",
        ("no", "NO", "4", "set"),
    ),
    (
        "Alankomaat laski terrorismin uhka-arvion tasolle 3.",
        "Alankomaat",
        "Poliisi",
        ("nl-nctv", "NL", "3", "set"),
    ),
    (
        "Ranska nosti terrorismin uhkatason korkeimmalle tasolle.",
        "Ranska",
        "Poliisi",
        ("fr-vigipirate", "FR", "attack emergency", "set"),
    ),
    (
        "Svédország 4-es szintre emelte a terrorfenyegetettségi szintet.",
        "Svédország",
        "A rendőrség",
        ("se", "SE", "4", "set"),
    ),
    (
        "Hollandia 3-as szintre csökkentette a terrorfenyegetettségi szintet.",
        "Hollandia",
        "A rendőrség",
        ("nl-nctv", "NL", "3", "set"),
    ),
    (
        "Švedija padidino teroristinės grėsmės lygį iki 4.",
        "Švedija",
        "Policija",
        ("se", "SE", "4", "set"),
    ),
    (
        "Švedijoje teroristinės grėsmės lygis padidintas iki 4.",
        "Švedijoje",
        "Vakar",
        ("se", "SE", "4", "set"),
    ),
    (
        "Belgija padidino teroristinės grėsmės lygį iki 4.",
        "Belgija",
        "Policija",
        ("be-ocam", "BE", "4", "set"),
    ),
    (
        "Nyderlandai sumažino teroristinės grėsmės lygį iki 3.",
        "Nyderlandai",
        "Policija",
        ("nl-nctv", "NL", "3", "set"),
    ),
    (
        "Zviedrija paaugstināja terorisma draudu līmeni līdz 4.",
        "Zviedrija",
        "Policija",
        ("se", "SE", "4", "set"),
    ),
    (
        "Norvēģija paaugstināja terorisma draudu līmeni līdz 4.",
        "Norvēģija",
        "Policija",
        ("no", "NO", "4", "set"),
    ),
]


@pytest.mark.parametrize(("text", "name", "stand_in", "expected"), CASES)
def test_country_named_in_the_text_language_is_read(
    extractor: Extractor, text: str, name: str, stand_in: str, expected: tuple[str, str, str, str]
) -> None:
    assert tuples(extractor, text) == [expected]


@pytest.mark.parametrize(("text", "name", "stand_in", "expected"), CASES)
def test_without_the_name_the_level_is_not_that_country_s(
    extractor: Extractor, text: str, name: str, stand_in: str, expected: tuple[str, str, str, str]
) -> None:
    assert name in text
    assert expected not in tuples(extractor, text.replace(name, stand_in, 1))

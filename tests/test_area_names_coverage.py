"""Every scheme's country has a name in every language a pack is shipped for.

Extraction reads a country's level only when it can tell which country a text is about; a text in
one of the pack languages ("Szwecja podniosła poziom zagrożenia ...") that names its country in a
form the gazetteer does not know is read as nothing. So each `country` of `config/schemes/` needs
an official name or an alias in every language of `config/languages/`.
"""

from __future__ import annotations

from pathlib import Path

from notifier.extract import Catalog

ROOT = Path(__file__).resolve().parents[1]


def _pack_languages() -> list[str]:
    return sorted(p.stem for p in (ROOT / "config" / "languages").glob("*.yaml"))


def test_pack_languages_are_found() -> None:
    assert len(_pack_languages()) >= 20


def test_every_scheme_country_is_named_in_every_pack_language() -> None:
    catalog = Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")
    countries = sorted({s.country for s in catalog.schemes.values() if s.country})
    assert len(countries) >= 25
    missing: list[str] = []
    for country in countries:
        area = catalog.areas[country]
        for lang in _pack_languages():
            named = area.names.get(lang, "").strip() or any(
                p.strip() for p in area.aliases.get(lang, [])
            )
            if not named:
                missing.append(f"({country}, {lang})")
    assert not missing, f"{len(missing)} scheme countries without a name: " + ", ".join(missing)

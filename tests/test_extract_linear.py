"""Extraction is linear in text length on hostile input (repeated level phrases, endless lines).

Bounds are generous (the suite shares a loaded machine); the limits live in `Tuning`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from notifier.extract import Extractor
from notifier.extract.tuning import Tuning
from notifier.model import Document

ADVERSARIAL = [
    "level 4 of 5 ",
    "уровень угрозы красный ",
    "terrorist threat level raised from orange to red in Almaty and Astana ",  # no full stop
    "Terrorwarnstufe vier. ",
    "The terror threat level in Shymkent is red, the remaining five regions orange; ",
    "a" * 5000 + " ",  # one endless word
]


def _seconds(extractor: Extractor, phrase: str, size: int) -> float:
    text = (phrase * (size // len(phrase) + 1))[:size]
    doc = Document(
        source_id="s", id=f"{size}", text=text, published=datetime(2024, 3, 25, tzinfo=UTC)
    )
    best = float("inf")
    for _ in range(3):  # the best of three runs: the machine is shared
        start = time.perf_counter()
        extractor.extract(doc)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("phrase", ADVERSARIAL, ids=lambda p: p[:24])
def test_extraction_time_grows_linearly(extractor: Extractor, phrase: str) -> None:
    extractor.extract(Document(source_id="s", id="warm", text=phrase * 3))  # compile patterns
    small = _seconds(extractor, phrase, 100_000)
    large = _seconds(extractor, phrase, 400_000)
    # Only a gross bound here (a quadratic pass takes minutes); speed figures belong to
    # bench/ingest.py, and the service bounds each document with extraction.budget_s.
    assert large < 30.0, f"400 KB took {large:.2f} s"
    assert large < 6 * max(small, 0.05), f"100 KB {small:.2f} s, 400 KB {large:.2f} s"


def test_a_long_run_without_sentence_end_is_cut_into_bounded_pieces(extractor: Extractor) -> None:
    # the announcement in the middle of an endless line is still found
    filler = "lorem ipsum dolor sit amet " * 400
    text = filler + "Kazakhstan raised the terrorist threat level in Almaty to red " + filler
    doc = Document(source_id="s", id="x", text=text, published=datetime(2024, 3, 25, tzinfo=UTC))
    got = {(a.scheme, a.area.id, a.level, a.action.value) for a in extractor.extract(doc)}
    assert got == {("kz", "KZ-ALA", "red", "set")}


def test_tuning_rejects_unknown_names_and_bad_values() -> None:
    assert Tuning().with_(["attach_first=60"]).attach_first == 60
    with pytest.raises(ValueError, match="unknown tuning 'nope'"):
        Tuning().with_(["nope=1"])
    with pytest.raises(ValueError, match="is not a int"):
        Tuning().with_(["attach_first=far"])

"""The extraction worker: same results as in-process, a budget per document, a fresh worker
after an overrun, and the catalog reloaded from its folders."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from notifier.extract import Extractor
from notifier.extract.worker import ExtractionFailed, ExtractionRunner
from notifier.sources.parse import parse_bytes

ROOT = Path(__file__).resolve().parents[1]
SCHEMES = ROOT / "config" / "schemes"
AREAS = ROOT / "config" / "areas"
YELLOW = "В Павлодарской области введен желтый уровень террористической опасности.\n"


def doc(text: str, name: str = "doc.txt"):  # type: ignore[no-untyped-def]
    [d] = parse_bytes(text.encode(), source_id="s", name=name)
    return d


async def test_the_worker_finds_what_the_extractor_finds(extractor: Extractor) -> None:
    seed = doc((ROOT / "seeds" / "000_2b99838c51a8518c.txt").read_text(), "seed")
    runner = ExtractionRunner(SCHEMES, AREAS, budget_s=30)
    try:
        assert await runner.extract(seed) == extractor.extract(seed)
        [a] = await runner.extract(doc(YELLOW))
        assert (a.scheme, a.area.id, a.level) == ("kz", "KZ-PAV", "yellow")
    finally:
        await runner.aclose()


async def test_a_document_over_budget_fails_and_the_next_one_gets_a_fresh_worker() -> None:
    # 1 MB of text takes the extractor well over 10 ms, whatever its speed.
    big = doc(YELLOW * 8000, "big.txt")
    runner = ExtractionRunner(SCHEMES, AREAS, budget_s=0.01)
    try:
        started = time.monotonic()
        with pytest.raises(ExtractionFailed) as failed:
            await runner.extract(big)
        assert failed.value.reason == "extraction took longer than 0.01 s; stopped"
        assert failed.value.timed_out
        assert time.monotonic() - started < 30  # the worker's start is not the budget's
        assert runner.restarts == 1
        runner.budget_s = 30
        [a] = await runner.extract(doc(YELLOW))
        assert a.level == "yellow"
    finally:
        await runner.aclose()


async def test_a_catalog_the_worker_cannot_load_is_a_clear_failure(tmp_path: Path) -> None:
    runner = ExtractionRunner(SCHEMES, AREAS, budget_s=30)
    try:
        assert await runner.extract(doc(YELLOW))
        bad = tmp_path / "schemes"
        bad.mkdir()
        (bad / "broken.yaml").write_text("id: [unclosed\n")
        await runner.reload(bad, AREAS)
        with pytest.raises(ExtractionFailed, match="could not load the catalog"):
            await runner.extract(doc(YELLOW))
        await runner.reload(SCHEMES, AREAS)
        assert await runner.extract(doc(YELLOW))
    finally:
        await runner.aclose()

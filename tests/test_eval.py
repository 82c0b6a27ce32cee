"""The evaluation harness scores tuples exactly as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifier.extract import Catalog
from notifier.extract.evaluate import (
    TARGETS,
    Expected,
    LabelledFile,
    heldout_dirs,
    heldout_figures,
    load_labels,
    run,
    score,
)
from notifier.model import Action, Announcement, AreaRef, Severity

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")


def ann(area: AreaRef, level: str, action: Action, severity: Severity | None) -> Announcement:
    return Announcement("kz", area, level, severity, action, "e", 0.9)


def test_score_counts_tuples_severity_and_negatives(catalog: Catalog) -> None:
    files = [
        LabelledFile(
            "a.txt",
            "ru",
            (
                Expected("kz", "Aktobe", "red", "set"),
                Expected("kz", "Almaty Region", "yellow", "set"),
                Expected("kz", "Astana", "orange", "lift"),
            ),
            False,
        ),
        LabelledFile("neg.txt", "en", (), True),
    ]
    predictions = {
        "a.txt": [
            ann(AreaRef("KZ-AKT-AKTOBE", "Aktobe"), "red", Action.SET, Severity.EXTREME),
            ann(AreaRef("KZ-ALM", "Almaty Region"), "orange", Action.SET, Severity.SEVERE),
        ],
        "neg.txt": [ann(AreaRef("KZ", "Kazakhstan"), "red", Action.SET, Severity.EXTREME)],
    }
    report = score(catalog, files, predictions)
    assert (report.total.tp, report.total.fp, report.total.fn) == (1, 2, 2)
    assert report.total.precision == pytest.approx(1 / 3)
    assert report.total.recall == pytest.approx(1 / 3)
    # severity is checked where (scheme, area, action) match: Aktobe right, Almaty Region wrong
    assert (report.severity_right, report.severity_checked) == (1, 2)
    assert (report.negative_files, report.negative_announcements) == (1, 1)
    assert report.by_language["ru"].tp == 1 and report.by_language["en"].fp == 1


def test_cap_labels_count_only_for_accepted_categories(tmp_path: Path) -> None:
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        "- file: cap/w.xml\n  language: en\n  category: Met\n  notify: false\n  announcements:\n"
        "  - {scheme: cap, area: X, level: Minor, action: set}\n"
        "- file: cap/c.xml\n  language: null\n  category: null\n  msg_type: Cancel\n  notify: false\n"
        "  announcements:\n  - {scheme: cap, area: null, level: null, action: lift}\n",
        encoding="utf-8",
    )
    default = load_labels(labels)
    assert [(f.file, len(f.expected), f.negative) for f in default] == [
        ("cap/w.xml", 0, True),
        ("cap/c.xml", 1, False),
    ]
    met = load_labels(labels, {"Met"})
    assert [len(f.expected) for f in met] == [1, 1]


def test_heldout_figures_are_prefixed_and_kept_apart(catalog: Catalog) -> None:
    files = [LabelledFile("h.txt", "en", (Expected("kz", "Aktobe", "red", "set"),), False)]
    report = score(catalog, files, {"h.txt": []})
    figures = heldout_figures(report)
    assert figures["heldout_fn"] == 1 and figures["heldout_recall_ratio"] == 0.0
    assert all(k.startswith("heldout_") for k in figures)


def test_every_heldout_folder_is_reported_under_its_own_prefix(catalog: Catalog) -> None:
    names = [p.name for p in heldout_dirs(ROOT / "tests" / "corpus")]
    assert names[:2] == ["heldout", "heldout3"]
    files = [LabelledFile("h.txt", "en", (), True)]
    figures = heldout_figures(score(catalog, files, {"h.txt": []}), "heldout3")
    assert figures["heldout3_negative_files"] == 1
    assert all(k.startswith("heldout3_") for k in figures)


@pytest.mark.parametrize("name", ["heldout", "heldout3"])
def test_heldout_labels_cover_every_heldout_file(name: str) -> None:
    heldout = ROOT / "tests" / "corpus" / name
    labelled = {f.file for f in load_labels(heldout / "labels.yaml")}
    on_disk = {p.relative_to(heldout).as_posix() for p in heldout.glob("*/*.txt")}
    assert labelled == on_disk and len(labelled) >= 15
    negatives = [f for f in load_labels(heldout / "labels.yaml") if f.negative]
    assert 3 * len(negatives) >= len(labelled)


def test_development_set_meets_the_targets(catalog: Catalog) -> None:
    # only tests/corpus/labels.yaml: the held-out sub-corpus has labels of its own
    report, _ = run(ROOT / "tests" / "corpus", catalog)
    assert report.total.precision >= TARGETS["precision"]
    assert report.total.recall >= TARGETS["recall"]
    assert report.severity_accuracy >= TARGETS["severity"]
    assert report.figures()["negative_announcements"] == 0

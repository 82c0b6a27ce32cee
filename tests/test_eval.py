"""The evaluation harness scores tuples exactly as documented."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from notifier.extract import Catalog
from notifier.extract.evaluate import (
    TARGETS,
    Expected,
    LabelError,
    LabelledFile,
    Report,
    Scored,
    heldout_dirs,
    heldout_figures,
    load_labels,
    main,
    reliability,
    reliability_figures,
    render_reliability,
    run,
    score,
)
from notifier.model import Action, Announcement, AreaRef, Severity

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")


def ann(
    area: AreaRef,
    level: str,
    action: Action,
    severity: Severity | None,
    confidence: float = 0.9,
) -> Announcement:
    return Announcement("kz", area, level, severity, action, "e", confidence)


AKTOBE = AreaRef("KZ-AKT-AKTOBE", "Aktobe")


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


@pytest.mark.parametrize("name", ["heldout", "heldout3", "heldout8"])
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


def test_phenomena_are_read_and_unknown_ones_rejected(tmp_path: Path) -> None:
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        "- {file: a.txt, language: ru, announcements: [], phenomena: [negation, history, negation]}\n"
        "- {file: b.txt, language: en, announcements: []}\n"
        "- {file: c.txt, language: en, announcements: [], phenomena: []}\n",
        encoding="utf-8",
    )
    assert [f.phenomena for f in load_labels(labels)] == [("negation", "history"), None, ()]
    labels.write_text(
        "- {file: d.txt, language: en, announcements: [], phenomena: [negation, sarcasm, irony]}\n",
        encoding="utf-8",
    )
    with pytest.raises(LabelError) as err:
        load_labels(labels)
    assert str(err.value).startswith("d.txt: unknown phenomena irony, sarcasm (known: attribution,")
    labels.write_text(
        "- {file: e.txt, language: en, announcements: [], phenomena: negation}\n", encoding="utf-8"
    )
    with pytest.raises(LabelError, match=r"^e\.txt: phenomena must be a list, got 'negation'$"):
        load_labels(labels)


def test_score_slices_by_language_and_phenomenon(catalog: Catalog) -> None:
    red = Expected("kz", "Aktobe", "red", "set")
    files = [
        LabelledFile("a.txt", "ru", (red,), False, ("negation", "history")),
        LabelledFile("b.txt", "en", (Expected("kz", "Astana", "orange", "lift"),), False, ()),
        LabelledFile("neg.txt", "en", (), True, ("lookalike",)),
        LabelledFile("neg2.txt", "en", (), True, ("lookalike",)),
    ]
    kz = AreaRef("KZ", "Kazakhstan")
    predictions = {
        "a.txt": [
            ann(AKTOBE, "red", Action.SET, Severity.EXTREME),
            ann(kz, "red", Action.SET, Severity.EXTREME),
        ],
        "neg.txt": [
            ann(kz, "yellow", Action.SET, Severity.MODERATE),
            ann(kz, "orange", Action.SET, Severity.SEVERE),
        ],
    }
    report = score(catalog, files, predictions)
    slices = {k: (c.tp, c.fp, c.fn) for k, c in report.by_phenomenon.items()}
    assert slices == {
        "negation": (1, 1, 0),
        "history": (1, 1, 0),
        "none": (0, 0, 1),
        "lookalike": (0, 2, 0),
    }
    assert (report.by_language["en"].fp, report.by_language["en"].fn) == (2, 1)
    assert (report.negative_files, report.negative_announcements) == (2, 2)
    assert report.negative_files_alarmed == 1
    figures = report.figures()
    assert figures["phenomenon_negation_precision_ratio"] == 0.5
    assert figures["phenomenon_none_recall_ratio"] == 0.0
    assert figures["phenomenon_lookalike_fp"] == 2
    assert figures["language_ru_tp"] == 1 and figures["language_en_recall_ratio"] == 0.0
    assert figures["negative_files_alarmed"] == 1
    # A round whose labels name no phenomena is sliced by language only.
    plain = score(catalog, [LabelledFile("a.txt", "ru", (red,), False)], predictions)
    assert plain.by_phenomenon == {}
    assert not [k for k in plain.figures() if k.startswith("phenomenon_")]
    assert plain.figures()["language_ru_fp"] == 1


def test_the_most_confident_duplicate_is_credited_with_the_match(catalog: Catalog) -> None:
    files = [LabelledFile("a.txt", "ru", (Expected("kz", "Aktobe", "red", "set"),), False)]
    predictions = {
        "a.txt": [
            ann(AKTOBE, "red", Action.SET, Severity.EXTREME, confidence=0.55),
            ann(AKTOBE, "red", Action.SET, Severity.EXTREME, confidence=0.93),
            ann(AKTOBE, "yellow", Action.SET, Severity.MODERATE, confidence=0.71),
        ]
    }
    scored = sorted(score(catalog, files, predictions).scored, key=lambda s: -s.confidence)
    assert scored == [Scored(0.93, True), Scored(0.71, False), Scored(0.55, False)]


def _report(*scored: tuple[float, bool]) -> Report:
    report = Report()
    report.scored.extend(Scored(c, ok) for c, ok in scored)
    return report


def test_reliability_pools_rounds_into_bands_and_suggests_a_threshold() -> None:
    one = _report(
        (0.45, False), (0.5, True), (0.65, False), (0.75, True), (0.85, True), (0.95, True)
    )
    # 0.59999999 is printed as 0.6 and so belongs to the 0.6 band
    two = _report((0.59999999, True), (0.9, True), (0.99, True), (0.92, True))
    rel = reliability([one, two])
    assert [(b.name, b.reported, b.correct) for b in rel.bands] == [
        ("<0.5", 1, 0),
        ("0.5-0.6", 1, 1),
        ("0.6-0.7", 2, 1),
        ("0.7-0.8", 1, 1),
        ("0.8-0.9", 1, 1),
        (">=0.9", 4, 4),
    ]
    assert rel.at_or_above(0.5) == (9, 8) and rel.at_or_above(0.6) == (8, 7)
    # at or above 0.6: 7/8 = 0.875; at or above 0.7: 6/6
    assert rel.suggested_min_confidence() == 0.7
    figures = reliability_figures(rel)
    assert figures["reliability_000_050_share_ratio"] == 0.0
    assert figures["reliability_060_070_reported"] == 2
    assert figures["reliability_060_070_share_ratio"] == 0.5
    assert figures["reliability_ge090_correct"] == 4
    assert figures["suggested_min_confidence"] == 0.7
    text = render_reliability(rel, ["heldout7", "heldout8"])
    assert text.splitlines()[0] == "== reliability over the held-out rounds (heldout7, heldout8)"
    assert "0.6-0.7             2       1  0.500                       8       7  0.875" in text
    assert text.splitlines()[-1] == (
        "suggested min_confidence: 0.7 (share correct >= 0.95 at or above)"
    )


def test_reliability_says_none_when_no_band_is_reliable_enough() -> None:
    rel = reliability([_report((0.95, True), (0.97, False), (0.3, True))])
    assert rel.suggested_min_confidence() is None
    figures = reliability_figures(rel)
    assert figures["suggested_min_confidence"] is None
    assert figures["reliability_050_060_reported"] == 0
    assert figures["reliability_050_060_share_ratio"] is None
    assert render_reliability(rel, []).splitlines()[-1] == (
        "suggested min_confidence: none (no band edge reaches a share correct of 0.95)"
    )
    assert reliability([]).suggested_min_confidence() is None


def test_make_eval_reports_slices_and_reliability_on_a_tiny_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raised = "The UK terrorism threat level has been raised from substantial to severe.\n"
    weather = "The Met Office has issued an amber warning for wind across southern England.\n"
    corpus = tmp_path / "corpus"
    held = corpus / "heldout9"
    for folder, name, text in [
        (corpus, "negatives/w.txt", weather),
        (held, "news/r.txt", raised),
        (held, "negatives/w.txt", weather),
    ]:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Source: https://example.org/{name}\nDate: 2020-11-03\n\n{text}")
    (corpus / "labels.yaml").write_text(
        "- {file: negatives/w.txt, language: en, announcements: []}\n", encoding="utf-8"
    )
    (held / "labels.yaml").write_text(
        "- file: news/r.txt\n  language: en\n  phenomena: [from_to]\n  announcements:\n"
        "  - {scheme: uk, area: United Kingdom, level: severe, action: set}\n"
        "- {file: negatives/w.txt, language: en, announcements: [], phenomena: [lookalike]}\n",
        encoding="utf-8",
    )
    args = [str(corpus), "--schemes", str(ROOT / "config" / "schemes")]
    assert main([*args, "--areas", str(ROOT / "config" / "areas")]) == 0
    out = capsys.readouterr().out.splitlines()
    figures = json.loads(out[-1])
    assert (figures["heldout9_tp"], figures["heldout9_fp"], figures["heldout9_fn"]) == (1, 0, 0)
    assert figures["heldout9_phenomenon_from_to_tp"] == 1
    assert figures["heldout9_phenomenon_lookalike_fp"] == 0
    assert figures["heldout9_negative_files_alarmed"] == 0
    # the development labels name no phenomena, and its one negative produced nothing
    assert figures["negative_files"] == 1 and figures["negative_announcements"] == 0
    assert not [k for k in figures if k.startswith(("phenomenon_", "language_"))]
    reported = sum(v for k, v in figures.items() if re.fullmatch(r"reliability_.*_reported", k))
    correct = sum(v for k, v in figures.items() if re.fullmatch(r"reliability_.*_correct", k))
    assert (reported, correct) == (1, 1)
    assert "== reliability over the held-out rounds (heldout9)" in out
    assert "-- by phenomenon (a file counts under each phenomenon its labels name)" in out


def test_round_8_labels_are_the_frozen_ones() -> None:
    folder = ROOT / "tests" / "corpus" / "heldout8"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    frozen = re.search(r"when frozen \(before the first `make eval`\):\n`([0-9a-f]{64})`", readme)
    assert frozen is not None
    digest = hashlib.sha256((folder / "labels.yaml").read_bytes()).hexdigest()
    assert digest == frozen.group(1)
    assert all(f.phenomena is not None for f in load_labels(folder / "labels.yaml"))

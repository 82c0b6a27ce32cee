"""Hostile documents: bounded detection, clamped dates, visible failures that never wedge a source."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.config import parse_config
from notifier.model import Action, Announcement, AreaRef, Severity
from notifier.service import Service
from notifier.sources.parse import detect_format, parse_bytes, root_element_name
from notifier.timebounds import bound_announcements, bound_document

ROOT = Path(__file__).resolve().parents[1]
PROLOG_BOMB = b"<?a?>" * 40 + b"<1"  # the 202-byte file of issue 10
PAVLODAR = "В Павлодарской области введен {} уровень террористической опасности.\n"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def config_text(tmp_path: Path, extra: str = "") -> str:
    return f"""
data_dir: {tmp_path}
storage: {{url: "sqlite+aiosqlite:///{tmp_path / "h.db"}"}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
subscribers:
  - {{id: desk, phone: "+77771234567", areas: [KZ]}}
{extra}"""


# --- detection --------------------------------------------------------------------------------


def test_the_prolog_bomb_is_detected_in_linear_time() -> None:
    assert len(PROLOG_BOMB) == 202
    started = time.monotonic()
    assert detect_format(PROLOG_BOMB) == "html"
    assert detect_format(PROLOG_BOMB * 25_000) == "html"  # 5 MB of it
    assert detect_format(b"<?a?>" * 10_000 + b"<feed>") == "atom"
    assert time.monotonic() - started < 1.0


def test_root_element_after_every_kind_of_prolog() -> None:
    assert root_element_name('<?xml version="1.0"?>\n<!-- c -->\n<cap:alert x="1">') == "cap:alert"
    assert root_element_name("<!DOCTYPE rss [ <!ELEMENT a (b)> ] >\n<rss>") == "rss"
    assert root_element_name("<!doctype html><html>") == "html"
    assert root_element_name("<!-- unterminated <feed>") == ""
    assert root_element_name("<?pi never ends <feed>") == ""
    assert root_element_name("<1") == ""


# --- dates ------------------------------------------------------------------------------------


def _announcement(**changes: object) -> Announcement:
    base = Announcement(
        scheme="kz",
        area=AreaRef("KZ-PAV", "Pavlodar Region"),
        level="red",
        severity=Severity.EXTREME,
        action=Action.SET,
        evidence="...",
        confidence=0.9,
        document_id="d1",
    )
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def test_far_future_dates_are_clamped_and_absurd_terms_dropped() -> None:
    now = datetime(2026, 12, 4, 10, tzinfo=UTC)
    far = datetime(9999, 12, 31, tzinfo=UTC)
    [doc] = parse_bytes(b"Date: 9999-12-31\n\nText.\n", source_id="s", name="d1")
    bounded, warnings = bound_document(doc, fetched_at=now, future_skew_s=86400)
    assert bounded.published == now
    assert bounded.extra["clamped_published"] == "9999-12-31T00:00:00+00:00"
    assert warnings == [
        "document d1: published 9999-12-31T00:00:00+00:00 is more than 86400 s after the fetch "
        "time; clamped to 2026-12-04T10:00:00+00:00"
    ]
    within = now + timedelta(hours=23)
    [ok, clamped, endless] = bound_announcements(
        [
            _announcement(published=within, expires=now + timedelta(days=40)),
            _announcement(published=far, effective=far),
            _announcement(expires=now + timedelta(days=3700)),
        ],
        fetched_at=now,
        future_skew_s=86400,
    )[0]
    assert (ok.published, ok.clamped, ok.warnings) == (within, False, ())
    assert (clamped.published, clamped.effective, clamped.clamped) == (now, now, True)
    assert clamped.warnings == (
        "published 9999-12-31T00:00:00+00:00 clamped to 2026-12-04T10:00:00+00:00",
        "effective 9999-12-31T00:00:00+00:00 clamped to 2026-12-04T10:00:00+00:00",
    )
    assert endless.expires is None and not endless.clamped
    assert endless.warnings == (
        "expires 2037-01-20T10:00:00+00:00 is more than ten years ahead; dropped",
    )


async def test_a_far_future_red_never_pins_the_level(tmp_path: Path) -> None:
    """Issue 10: a document dated 9999-12-31 set red, and today's orange was ignored as older."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    clock = Clock(datetime(2026, 12, 4, 10, tzinfo=UTC))
    config = parse_config(
        config_text(
            tmp_path,
            f"sources:\n  - {{id: inbox, type: dir, path: {inbox}, baseline: false, trust: official}}\n",
        ),
        environ={},
    )
    lines: list[str] = []
    async with Service(config, clock=clock, echo=lines.append, start_scheduler=False) as svc:
        (inbox / "a-red.txt").write_text("Date: 9999-12-31\n\n" + PAVLODAR.format("красный"))
        assert await svc.poll_source(config.sources[0]) == 1
        [red] = await svc.store.level_states()
        assert (red.level, red.since) == ("red", clock.now)
        [report] = await svc.services.sources.listing()
        assert report["warnings"] == [
            "document a-red.txt: published 9999-12-31T00:00:00+00:00 is more than 86400 s after "
            "the fetch time; clamped to 2026-12-04T10:00:00+00:00"
        ]
        # Published an hour before the red was fetched: older than the clamped date would be.
        clock.now += timedelta(hours=2)
        (inbox / "b-orange.txt").write_text(
            "Date: 2026-12-04 09:00\n\n" + PAVLODAR.format("оранжевый")
        )
        assert await svc.poll_source(config.sources[0]) == 1
        [orange] = await svc.store.level_states()
        assert orange.level == "orange"
        kinds = [e["kind"] for e in await svc.store.recent_events()]
    assert sorted(kinds) == ["issued", "lowered"]
    assert lines[-1] == "[inbox] Pavlodar Region: orange (severe) — lowered  (kz)"


# --- failures are visible and never wedge a source ------------------------------------------


async def test_a_document_over_budget_is_visible_and_given_up_after_three_polls(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Whatever the extractor's speed, 2 MB of threat-level sentences take it over 0.3 s.
    (inbox / "a-huge.txt").write_text("Level 4 of 5. " * 150_000)
    (inbox / "b-pavlodar.txt").write_text(PAVLODAR.format("желтый"))
    config = parse_config(
        config_text(
            tmp_path,
            f"sources:\n  - {{id: inbox, type: dir, path: {inbox}, baseline: false, trust: official}}\n"
            "extraction: {budget_s: 0.3, max_attempts: 3}\n",
        ),
        environ={},
    )
    async with Service(config, echo=lambda _: None, start_scheduler=False) as svc:
        source = config.sources[0]
        await svc.poll_source(source)
        assert [s.area.id for s in await svc.store.level_states()] == ["KZ-PAV"]
        [report] = await svc.services.sources.listing()
        assert report["status"] == "failing"
        assert report["last_error"] == (
            "document a-huge.txt: extraction took longer than 0.3 s; stopped"
        )
        assert svc.extraction.restarts == 1
        await svc.poll_source(source)
        [report] = await svc.services.sources.listing()
        assert (report["status"], report["failed_documents"]) == ("failing", [])
        await svc.poll_source(source)  # the third failure: recorded as seen, status failed
        [report] = await svc.services.sources.listing()
        assert report["status"] == "failing"
        [gone] = report["failed_documents"]
        assert gone["id"] == "a-huge.txt"
        assert gone["reason"] == (
            "extraction took longer than 0.3 s; stopped (gave up after 3 attempts)"
        )
        assert svc.extraction.restarts == 3
        await svc.poll_source(source)  # nothing new: the source flows again
        [report] = await svc.services.sources.listing()
        assert (report["status"], report["last_error"]) == ("ok", None)
        assert report["failed_documents"] == [gone]  # still shown
        assert svc.extraction.restarts == 3
        from notifier import metrics

        assert metrics.SOURCE_FAILING.labels("inbox")._value.get() == 0


# --- dir sources stay in their folder ----------------------------------------------------------


def test_a_dir_pattern_must_stay_in_the_folder() -> None:
    from notifier.errors import ConfigError

    for pattern, message in (
        ("/etc/*", "'/etc/*' must be a relative glob such as *.xml or **/*.txt"),
        ("../*", "'../*' may not contain '..', backslashes or NUL: it must stay in the folder"),
        ("a/../../x", "'a/../../x' may not contain '..', backslashes or NUL: it must stay in the"),
    ):
        try:
            parse_config(f"sources:\n  - {{id: d, type: dir, path: x, pattern: '{pattern}'}}")
        except ConfigError as exc:
            [error] = exc.errors
            assert error.startswith("sources[0].pattern (line 2, column ")
            assert message in error
        else:
            raise AssertionError(f"{pattern} was accepted")
    assert parse_config("sources:\n  - {id: d, type: dir, path: x, pattern: '**/*.txt'}")


async def test_a_dir_source_does_not_follow_links_out_of_its_folder(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text(PAVLODAR.format("красный"))
    (inbox / "leak.txt").symlink_to(secret)
    (inbox / "sub" / "up.txt").symlink_to(secret)
    (inbox / "own.txt").write_text(PAVLODAR.format("желтый"))
    (inbox / "alias.txt").symlink_to(inbox / "own.txt")  # inside the folder: fine
    config = parse_config(
        config_text(
            tmp_path,
            f"sources:\n  - {{id: inbox, type: dir, path: {inbox}, pattern: '**/*.txt',"
            " baseline: false, trust: official}\n",
        ),
        environ={},
    )
    async with Service(config, echo=lambda _: None, start_scheduler=False) as svc:
        await svc.poll_source(config.sources[0])
        [state] = await svc.store.level_states()
        [report] = await svc.services.sources.listing()
    assert state.level == "yellow"
    assert report["warnings"] == [
        "leak.txt: a link to a file outside the folder; not read",
        "sub/up.txt: a link to a file outside the folder; not read",
    ]


# --- parsing does not hold the GIL for long ---------------------------------------------------


def _clean_in_one_piece(text: str) -> str:
    """clean_text as it was before it worked in pieces: the reference for the seams."""
    import re
    import unicodedata

    import ftfy

    from notifier.sources.decode import _MOJIBAKE_HINT

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        if _MOJIBAKE_HINT.search(text):
            text = ftfy.fix_text(text, uncurl_quotes=False, normalization="NFKC")
        text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_PARTS = [
    "a",
    "b",
    " ",
    "\n",
    "\t",
    "\u00a0",
    "é",
    "x" * 30,
    " " * 40,
    "\n\n\n",
    "ﬁ",
    "\u2002",
    "\r\n",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PARTS), max_size=60), st.integers(8, 64))
def test_cleaning_in_pieces_gives_what_one_piece_gives(parts: list[str], chunk: int) -> None:
    from notifier.sources.decode import clean_text

    text = "".join(parts)
    assert clean_text(text, chunk_chars=chunk) == _clean_in_one_piece(text)


async def test_a_reload_gives_extraction_a_worker_with_the_new_catalog(tmp_path: Path) -> None:
    import shutil

    areas = tmp_path / "areas"
    shutil.copytree(ROOT / "config" / "areas", areas)
    file = tmp_path / "notifier.yaml"
    file.write_text(
        config_text(tmp_path).replace(f"areas: {ROOT / 'config' / 'areas'}", f"areas: {areas}")
        + "extraction: {budget_s: 30}\n"
    )
    from notifier.config import load_config

    lines: list[str] = []
    config = load_config(file)
    async with Service(config, echo=lines.append, start_scheduler=False, config_file=file) as svc:
        [yellow] = parse_bytes(PAVLODAR.format("желтый").encode(), source_id="s", name="y")
        await svc.ingest(yellow)
        kz = areas / "kz.yaml"
        kz.write_text(kz.read_text().replace("{en: Pavlodar Region,", "{en: Pavlodar Oblast,"))
        file.write_text(file.read_text().replace("budget_s: 30", "budget_s: 20"))
        assert await svc.reload()
        assert svc.extraction.budget_s == 20
        [orange] = parse_bytes(PAVLODAR.format("оранжевый").encode(), source_id="s", name="o")
        await svc.ingest(orange)
    assert lines == [
        "[s] Pavlodar Region: yellow (moderate) — issued  (kz)",
        "[s] Pavlodar Oblast: orange (severe) — raised  (kz)",
    ]


def test_large_bodies_are_parsed_in_a_process_that_is_stopped_when_late() -> None:
    from notifier.errors import ParseError
    from notifier.sources.isolate import ParsePool
    from notifier.sources.parse import parse

    body = ("Date: 2026-12-04\n\n" + PAVLODAR * 8000).encode()
    assert len(body) > 1_000_000
    pool = ParsePool(min_bytes=100_000)
    try:
        isolated = pool.parse(body, source_id="s", name="big.txt")
        assert isolated == parse(body, source_id="s", name="big.txt")
        pool.timeout_s = 0.001
        try:
            pool.parse(body, source_id="s", name="big.txt")
        except ParseError as exc:
            assert str(exc) == "parsing took longer than 0.001 s; stopped"
        else:
            raise AssertionError("a parse over its time was not stopped")
        pool.timeout_s = 60
        assert pool.parse(body, source_id="s", name="big.txt") == isolated  # a new process
    finally:
        pool.close()

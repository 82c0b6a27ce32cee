"""Fuzzing: random and adversarial bytes through detection, parsing and extraction, each input
within a time limit.

Each example runs in a forked child that is killed at the limit (a runaway regex cannot be
interrupted in-process). Only `ParseError` may escape parsing; extraction may find nothing
but must not raise.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifier.errors import ParseError
from notifier.extract import Catalog, Extractor
from notifier.sources.parse import detect_format, parse

ROOT = Path(__file__).resolve().parents[1]
PARSE_LIMIT_S = 5.0  # six parses (one per hint) of up to ~100 KB on a shared, busy machine
EXTRACT_LIMIT_S = 2.0  # the service's default extraction budget

# Pieces of the shapes parsers and patterns care about; repeated, they make the inputs that
# blow up backtracking regexes and naive scanners.
XML_PIECES = [
    "<?a?>", "<?xml version='1.0'?>", "<!--", "-->", "<!DOCTYPE x [", "]>", "<!ENTITY", "<",
    ">", "<rss>", "<feed xmlns='http://www.w3.org/2005/Atom'>", "<alert>", "<title>", "</title>",
    "<html>", "<p>", "&#x0;", "&amp;", "\x00", "\x1f", "]]>", "<![CDATA[", "{", "[", "\"",
]  # fmt: skip
TEXT_PIECES = [
    "level 4 of 5 ", "red ", "terror ", "threat level ", "Aktobe ", "Kazakhstan ", "until ",
    "15 January 2017 ", "for 40 days ", "lifted ", "raised to ", "красный ", "уровень ",
    "террористической опасности ", "в Актобе ", "до 15 января ", "Vigipirate ", "urgence attentat ",
    "NCTV ", "dreigingsniveau 4 ", ". ", ", ", "\n", "  ", "1 ", "2026 ", "(", ")", "«", "»",
]  # fmt: skip


def _adversarial(pieces: list[str], max_repeats: int) -> st.SearchStrategy[str]:
    unit = st.lists(st.sampled_from(pieces), min_size=1, max_size=4).map("".join)
    return st.builds(
        lambda prefix, u, n, tail: prefix + u * n + tail,
        st.text(max_size=20),
        unit,
        st.integers(1, max_repeats),
        st.sampled_from(["", "\x00", "<1", "!", "x", "\n", " "]),
    )


def within(limit_s: float, fn: Callable[..., Any], *args: Any) -> None:
    """Run fn(*args) in a forked child; fail if it raises or runs past `limit_s`."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            fn(*args)
            send.send("")
        except BaseException:
            send.send(traceback.format_exc())

    process = ctx.Process(target=child, daemon=True)
    process.start()
    done = receive.poll(limit_s)
    error = receive.recv() if done else None
    process.kill()
    process.join()
    shown = repr(args)[:300]
    assert done, f"over {limit_s:g} s on {shown}"
    assert not error, f"{error}\non {shown}"


def detect_and_parse(data: bytes) -> None:
    with contextlib.suppress(ParseError):  # hostile XML (entity declarations) is refused
        detect_format(data)
    for hint in (None, "rss", "cap", "json", "html", "text"):
        with contextlib.suppress(ParseError):
            parse(data, source_id="fuzz", name="fuzz", hint=hint)


_EXTRACTOR: Extractor | None = None


def extractor() -> Extractor:
    global _EXTRACTOR
    if _EXTRACTOR is None:
        _EXTRACTOR = Extractor(Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas"))
    return _EXTRACTOR


def parse_and_extract(data: bytes) -> None:
    try:
        docs = parse(data, source_id="fuzz", name="fuzz").documents
    except ParseError:
        return
    ex = extractor()
    for doc in docs:
        ex.extract(doc)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_are_detected_and_parsed_in_time(data: bytes) -> None:
    within(PARSE_LIMIT_S, detect_and_parse, data)


@FUZZ
@given(_adversarial(XML_PIECES, 10_000))
def test_adversarial_markup_is_detected_and_parsed_in_time(text: str) -> None:
    within(PARSE_LIMIT_S, detect_and_parse, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.one_of(_adversarial(TEXT_PIECES, 150), st.binary(max_size=3000)))
def test_adversarial_text_is_extracted_in_time(data: str | bytes) -> None:
    extractor()  # loaded once, before the children fork
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    within(EXTRACT_LIMIT_S, parse_and_extract, raw)

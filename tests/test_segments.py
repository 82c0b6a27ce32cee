"""SMS segment counting (GSM-7 160/153, UCS-2 70/67) and fitting text into N segments."""

from __future__ import annotations

import pytest

from notifier.dispatch.segments import Encoding, count_segments, encoding_of, fit_segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        # Extension characters take two septets.
        ("€" * 80, Encoding.GSM7, 160, 1),
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("a" * 159 + "^", Encoding.GSM7, 161, 2),
        ("{}[]~|\\^€", Encoding.GSM7, 18, 1),
        # GSM-7 basic table includes these accented letters and Greek capitals.
        ("Ça va? ÄÖÜ ΔΩ £¥ èé", Encoding.GSM7, 19, 1),
        # One non-GSM character switches the whole message to UCS-2.
        ("Ж" * 70, Encoding.UCS2, 70, 1),
        ("Ж" * 71, Encoding.UCS2, 71, 2),
        ("Ж" * 134, Encoding.UCS2, 134, 2),
        ("Ж" * 135, Encoding.UCS2, 135, 3),
        ("a" * 69 + "ç", Encoding.UCS2, 70, 1),  # lower-case ç is not GSM-7 (only Ç is)
        ("a" * 100 + "…", Encoding.UCS2, 101, 2),
        # Astral characters are two UTF-16 units.
        ("😀" * 35, Encoding.UCS2, 70, 1),
        ("😀" * 36, Encoding.UCS2, 72, 2),
    ],
)
def test_count_segments(text: str, encoding: Encoding, units: int, segments: int) -> None:
    info = count_segments(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


def test_characters_are_not_split_between_segments() -> None:
    # 152 septets then an escape pair: it cannot straddle the 153 boundary, so part 2 starts
    # with it; 153 + 153 would otherwise have fitted exactly.
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3
    assert count_segments("a" * 153 + "€" + "a" * 151).segments == 2
    # Same for a surrogate pair at the 67-unit UCS-2 boundary.
    assert count_segments("Ж" * 66 + "😀" + "Ж" * 66).segments == 3
    assert count_segments("Ж" * 67 + "😀" + "Ж" * 65).segments == 2


def test_encoding_of() -> None:
    assert encoding_of("Hello {world}") is Encoding.GSM7
    assert encoding_of("Hello “world”") is Encoding.UCS2


def test_fit_leaves_a_fitting_text_alone() -> None:
    assert fit_segments("a" * 306, 2) == "a" * 306
    assert fit_segments("Ж" * 70, 1) == "Ж" * 70


def test_fit_cuts_gsm_text_at_a_word_with_three_dots() -> None:
    text = "Aktobe: terror threat level RED (extreme) declared. " + "Stay alert and calm. " * 10
    out = fit_segments(text, 1)
    assert out.endswith("...") and "…" not in out
    assert count_segments(out).segments == 1
    assert len(out) <= 160
    assert out[:-3] == text[: len(out) - 3]
    assert text[len(out) - 3] == " "  # the cut fell between words


def test_fit_cuts_ucs2_text_with_one_ellipsis_character() -> None:
    text = "Актобе: объявлен красный уровень террористической опасности. " * 5
    out = fit_segments(text, 2)
    assert out.endswith("…")
    info = count_segments(out)
    assert info.encoding is Encoding.UCS2 and info.segments == 2
    assert text.startswith(out[:-1])


def test_fit_prefers_a_gsm_prefix_when_the_wide_character_comes_late() -> None:
    text = "a " * 100 + "Ж"  # 201 chars, UCS-2 because of the last one
    out = fit_segments(text, 1)
    assert count_segments(out).encoding is Encoding.GSM7
    assert out.endswith("...") and len(out) <= 160 and len(out) > 150


def test_fit_never_splits_an_extension_pair_or_surrogate_pair() -> None:
    out = fit_segments("€" * 200, 1)
    assert out == "€" * 78 + "..."  # 156 + 3 septets
    out = fit_segments("😀" * 50, 1)
    assert out == "😀" * 34 + "…"  # 68 + 1 units, no lone surrogate
    assert count_segments(out).segments == 1


def test_fit_keeps_combining_marks_with_their_letter() -> None:
    word = "\u0438\u0306"  # и + combining breve, as decomposed text arrives
    out = fit_segments(word * 60, 1)
    body = out.removesuffix("…")
    assert len(body) % 2 == 0 and body.endswith("\u0306")
    assert count_segments(out).segments == 1


def test_fit_rejects_zero_segments() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        fit_segments("hello", 0)

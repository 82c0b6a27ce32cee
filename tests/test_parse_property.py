"""Property: whatever the bytes, a parser returns documents or raises ParseError, nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifier.errors import ParseError
from notifier.model import Document
from notifier.sources import ParseOptions, parse
from notifier.sources.jsondocs import FieldMap

FIX = Path(__file__).parent / "fixtures"
REAL = [
    p.read_bytes()
    for p in sorted(FIX.glob("*/*"))
    if p.suffix in (".xml", ".atom", ".json", ".txt") and p.stat().st_size < 20_000
]
HINTS = [None, "rss", "atom", "cap", "geojson", "json", "html", "text", "dir"]
OPTIONS = [
    None,
    ParseOptions(fields=FieldMap(items="features.0", id="id", text=("properties.description",))),
    ParseOptions(selector="div.article > p, #main"),
]


def check(data: bytes, hint: str | None, options: ParseOptions | None) -> None:
    try:
        result = parse(data, source_id="p", name="doc", hint=hint, options=options)
    except ParseError as exc:
        assert str(exc)
        return
    assert all(isinstance(d, Document) and d.id for d in result.documents)
    for d in result.documents:
        assert isinstance(d.content_hash, str)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete", "dup"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"&",
                        b"&amp;",
                        b"]]>",
                        b"<![CDATA[",
                        b"\x00",
                        b"\xff\xfe",
                        b"{",
                        b'"',
                    ]
                )
            )
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 50))]
        elif kind == "dup":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 200))]
    return bytes(data)


FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@FAST
@given(st.binary(max_size=2000), st.sampled_from(HINTS), st.sampled_from(OPTIONS))
def test_arbitrary_bytes(data: bytes, hint: str | None, options: ParseOptions | None) -> None:
    check(data, hint, options)


@FAST
@given(
    st.sampled_from([b"<", b"{", b"[", b"<?xml version='1.0'?><rss>", b"<feed>", b"<alert>"]),
    st.text(max_size=300),
    st.sampled_from(HINTS),
)
def test_arbitrary_text_after_a_format_prefix(prefix: bytes, tail: str, hint: str | None) -> None:
    check(prefix + tail.encode("utf-8", "surrogatepass"), hint, None)


@FAST
@given(mutated(), st.sampled_from(HINTS), st.sampled_from(OPTIONS))
def test_mutated_real_documents(
    data: bytes, hint: str | None, options: ParseOptions | None
) -> None:
    check(data, hint, options)

"""Ingest benchmark: parse N real-shaped documents of each kind, next to feedparser alone.

Documents are built from the real fixtures in tests/fixtures (MI5 RSS, NWS CAP Atom index,
CAP alerts, NWS GeoJSON, corpus articles as JSON/HTML/text). For RSS and Atom the same bytes
are also given to `feedparser.parse` (its defaults) in the same run; `*_ratio` is our time over
feedparser's (the target: <= 1.25). Prints a table, then one JSON object as the last line.

    .venv/bin/python bench/ingest.py [--items N] [--repeat R]
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from notifier.sources import parse  # noqa: E402

FIX = ROOT / "tests" / "fixtures"


def articles() -> list[tuple[str, str]]:
    """(title, body) of the corpus articles copied into the fixtures."""
    out = []
    for path in sorted((FIX / "text").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        body_lines = lines[3:] if lines[0].startswith("Source:") else lines
        body = "\n".join(body_lines).strip()
        out.append((body.split("\n")[0][:200], body))
    return out


def rss_feed(n: int) -> bytes:
    head = (FIX / "feeds/mi5_ukthreatlevel_rss_2024-03-05_uk_ni_substantial.xml").read_bytes()
    head = head.split(b"<item>")[0].replace(b' xml:base="https://www.mi5.gov.uk/"', b"")
    arts = articles()
    items = []
    for i in range(n):
        title, body = arts[i % len(arts)]
        items.append(
            f"<item><title>{html.escape(title)}</title><link>https://example.org/a/{i}</link>"
            f"<guid>https://example.org/a/{i}</guid><description>{html.escape(body[:1200])}"
            f"</description><pubDate>Tue, 05 Mar 2024 02:{i % 60:02d}:25 +0000</pubDate></item>"
        )
    return head + "\n".join(items).encode() + b"</channel></rss>"


def atom_feed(n: int) -> bytes:
    raw = (FIX / "feeds/nws_atom_index_cap11_2017-09-02_vtec_from_other_office.xml").read_bytes()
    start = raw.index(b"<entry>")
    end = raw.index(b"</entry>") + len(b"</entry>")
    entry = raw[start:end]
    entries = [
        entry.replace(b"88fff69aab9bb2a74b526abf4c216ea1", f"{i:032x}".encode()) for i in range(n)
    ]
    return raw[:start] + b"\n".join(entries) + raw[end:]


def cap_docs(n: int) -> list[bytes]:
    files = sorted((FIX / "cap").glob("*.xml"))
    return [files[i % len(files)].read_bytes() for i in range(n)]


def geojson_doc(n: int) -> bytes:
    data = json.loads((FIX / "geojson/nws_alerts_alaska_2025-10-14.json").read_bytes())
    features = data["features"]
    data["features"] = [
        {
            **features[i % 2],
            "id": f"{features[i % 2]['id']}-{i}",
            "properties": {**features[i % 2]["properties"], "id": f"alert-{i}"},
        }
        for i in range(n)
    ]
    return json.dumps(data).encode()


def json_doc(n: int) -> bytes:
    arts = articles()
    items = [
        {
            "id": f"n{i}",
            "title": arts[i % len(arts)][0],
            "description": arts[i % len(arts)][1],
            "published": "2024-03-05T02:52:00Z",
        }
        for i in range(n)
    ]
    return json.dumps({"items": items}, ensure_ascii=False).encode()


def html_docs(n: int) -> list[bytes]:
    arts = articles()
    pages = []
    for i in range(n):
        title, body = arts[i % len(arts)]
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())
        nav = "".join(f"<li><a href='/s{k}'>Section {k}</a></li>" for k in range(15))
        pages.append(
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title></head><body><nav><ul>{nav}</ul></nav><main><article><h1>{html.escape(title)}"
            f"</h1>{paras}</article></main><footer>Copyright</footer></body></html>".encode()
        )
    return pages


def text_docs(n: int) -> list[bytes]:
    files = sorted((FIX / "text").glob("*.txt"))
    return [files[i % len(files)].read_bytes() for i in range(n)]


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Best wall time of `repeat` runs, and the item count."""
    best = float("inf")
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - started)
    return best, count


def peak_kib(fn: Callable[[], int]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def ours(blobs: list[bytes]) -> Callable[[], int]:
    def run() -> int:
        return sum(
            len(parse(b, source_id="bench", name=f"d{i}").documents) for i, b in enumerate(blobs)
        )

    return run


def feedparser_alone(blobs: list[bytes]) -> Callable[[], int]:
    def run() -> int:
        return sum(len(feedparser.parse(b).entries) for b in blobs)

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=300, help="documents (or feed items) per kind")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best counts")
    args = ap.parse_args()
    n = args.items
    kinds: dict[str, list[bytes]] = {
        "rss": [rss_feed(n // 3)] * 3,
        "atom": [atom_feed(n // 3)] * 3,
        "cap": cap_docs(n),
        "geojson": [geojson_doc(n)],
        "json": [json_doc(n)],
        "html": html_docs(max(n // 5, 10)),
        "text": text_docs(n),
    }
    rows: list[dict[str, Any]] = []
    figures: dict[str, Any] = {"items": n}
    for kind, blobs in kinds.items():
        seconds, count = timed(ours(blobs), args.repeat)
        row = {
            "kind": kind,
            "items": count,
            "bytes": sum(len(b) for b in blobs),
            "items_per_s": count / seconds,
            "peak_kib": peak_kib(ours(blobs)),
        }
        figures[f"{kind}_items_per_s"] = round(row["items_per_s"], 1)
        figures[f"{kind}_peak_kib"] = round(row["peak_kib"], 1)
        if kind in ("rss", "atom"):
            fp_seconds, fp_count = timed(feedparser_alone(blobs), args.repeat)
            assert fp_count == count, (kind, fp_count, count)
            row["feedparser_items_per_s"] = fp_count / fp_seconds
            row["ratio"] = seconds / fp_seconds
            figures[f"{kind}_feedparser_items_per_s"] = round(row["feedparser_items_per_s"], 1)
            figures[f"{kind}_vs_feedparser_ratio"] = round(row["ratio"], 3)
        rows.append(row)
    print(
        f"{'kind':<8} {'items':>6} {'KiB in':>8} {'items/s':>10} {'peak KiB':>9} "
        f"{'feedparser/s':>13} {'ratio':>6}"
    )
    for r in rows:
        fp = f"{r['feedparser_items_per_s']:>13.1f}" if "ratio" in r else f"{'-':>13}"
        ratio = f"{r['ratio']:>6.2f}" if "ratio" in r else f"{'-':>6}"
        print(
            f"{r['kind']:<8} {r['items']:>6} {r['bytes'] / 1024:>8.1f} {r['items_per_s']:>10.1f} "
            f"{r['peak_kib']:>9.1f} {fp} {ratio}"
        )
    print(
        "ratio = our RSS/Atom parse time / feedparser.parse alone on the same bytes (target <= 1.25)"
    )
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()

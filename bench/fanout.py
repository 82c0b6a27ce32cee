"""Fan-out benchmark: one red level for N subscribers, from event to delivered, on SQLite.

Measures, in the same run (three events: yellow, orange, red; enqueue figures are the best):
- enqueue: routing + rendering + writing the outbox rows of one event in one transaction
  (`commit_outcome`), next to a bare `executemany` INSERT of the same rows (the floor any
  outbox must pay);
- deliver: the outbox worker claiming and recording all those deliveries through an instant
  channel, next to as many bare single-row UPDATE transactions (the floor of recording one
  attempt each).

Prints a table, then one JSON object as the last line (ratios in keys ending `_ratio`).

    .venv/bin/python bench/fanout.py [--subscribers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from notifier.config import TemplatesConfig, parse_config  # noqa: E402
from notifier.dispatch.outbox import OutboxWorker, RetryPolicy  # noqa: E402
from notifier.dispatch.render import Renderer  # noqa: E402
from notifier.dispatch.route import Router  # noqa: E402
from notifier.extract import Catalog  # noqa: E402
from notifier.model import (  # noqa: E402
    AreaRef,
    ChannelKind,
    DeliveryResult,
    Event,
    Notice,
    Severity,
    Transition,
    TransitionKind,
)
from notifier.store import Store, delivery_id  # noqa: E402
from notifier.store.tables import deliveries  # noqa: E402

NOW = datetime(2016, 6, 6, 10, 40, tzinfo=UTC)


class InstantChannel:
    kind = ChannelKind.TWILIO_SMS

    async def send(self, notice: Notice) -> DeliveryResult:
        return DeliveryResult.ok(provider_id="bench")

    async def aclose(self) -> None:
        pass


def subscribers_yaml(n: int) -> str:
    areas = ["KZ", "KZ-AKT", "KZ-AKT-AKTOBE", "KZ-ALA"]
    langs = ["en", "ru", "kk"]
    lines = ["subscribers:"]
    for i in range(n):
        phone = f"+7701{i:07d}"
        lines.append(
            f"  - {{id: s{i}, phone: '{phone}', language: {langs[i % 3]}, areas: [{areas[i % 4]}]}}"
        )
    return "\n".join(lines) + "\n"


def red_event(level: str = "red") -> Event:
    t = Transition(
        kind=TransitionKind.ISSUED,
        scheme="kz",
        area=AreaRef("KZ-AKT-AKTOBE", "Aktobe"),
        at=NOW,
        level=level,
        severity={"yellow": Severity.MODERATE, "orange": Severity.SEVERE}.get(
            level, Severity.EXTREME
        ),
        evidence="A red terror alert has been announced in Kazakhstan's western city of Aktobe.",
    )
    return Event.from_transition(t, NOW)


async def run(n: int) -> dict[str, float]:
    config = parse_config(subscribers_yaml(n), environ={})
    catalog = Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")
    router = Router(config.subscribers, catalog.contains)
    renderer = Renderer.for_catalog(TemplatesConfig(), base_dir=ROOT, catalog=catalog)
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp}/bench.db")
        try:
            # Best of three for each side; the first run of each also warms caches.
            enqueue_s = raw_insert_s = float("inf")
            peak = 0
            for level in ("yellow", "orange", "red"):
                event = red_event(level)
                tracemalloc.start()
                t0 = time.perf_counter()
                notices = [
                    renderer.render(event, f, delivery_id=delivery_id(event.id, f.id, ch.value))
                    for f, ch in router.route(event)
                ]
                await store.commit_outcome(
                    source_id="bench",
                    document=None,
                    level_writes=[],
                    new_events=[event],
                    notices=notices,
                    now=NOW,
                )
                enqueue_s = min(enqueue_s, time.perf_counter() - t0)
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()

                # Floor: the same rows, prebuilt, in one executemany INSERT.
                raw = [
                    {
                        "id": f"raw-{level}-{i}",
                        "event_id": f"raw-{level}",
                        "subscriber_id": n_.subscriber_id,
                        "channel": n_.channel.value,
                        "address": n_.to,
                        "body": n_.body,
                        "language": n_.language,
                        "status": "x",
                        "attempts": 0,
                        "next_attempt_at": NOW,
                        "last_error": "",
                        "provider_id": "",
                        "provider_status": "",
                        "created": NOW,
                        "updated": NOW,
                    }
                    for i, n_ in enumerate(notices)
                ]
                t0 = time.perf_counter()
                async with store.engine.begin() as conn:
                    await conn.execute(insert(deliveries), raw)
                raw_insert_s = min(raw_insert_s, time.perf_counter() - t0)
            rows = len(notices)

            worker = OutboxWorker(
                store,
                {ChannelKind.TWILIO_SMS: InstantChannel()},
                RetryPolicy(),
                concurrency=64,
                per_endpoint=64,
                clock=lambda: NOW,
            )
            t0 = time.perf_counter()
            await worker.drain(600)
            deliver_s = time.perf_counter() - t0
            counts = await store.delivery_counts()
            assert counts.get("sent") == 3 * rows, counts

            # Floor: one single-row UPDATE transaction per delivery (the raw rows).
            t0 = time.perf_counter()
            for i in range(3 * rows):
                level = ("yellow", "orange", "red")[i // rows]
                async with store.engine.begin() as conn:
                    await conn.execute(
                        update(deliveries)
                        .where(deliveries.c.id == f"raw-{level}-{i % rows}")
                        .values(status="y")
                    )
            raw_update_s = time.perf_counter() - t0
        finally:
            await store.close()
    return {
        "subscribers": n,
        "rows": rows,
        "enqueue_s": round(enqueue_s, 4),
        "enqueue_rows_per_s": round(rows / enqueue_s, 1),
        "enqueue_peak_kib": round(peak / 1024, 1),
        "raw_insert_s": round(raw_insert_s, 4),
        "enqueue_vs_raw_insert_ratio": round(enqueue_s / raw_insert_s, 3),
        "deliver_s": round(deliver_s, 4),
        "deliveries_per_s": round(3 * rows / deliver_s, 1),
        "raw_update_s": round(raw_update_s, 4),
        "deliver_vs_raw_update_ratio": round(deliver_s / raw_update_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=5000)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"fan-out of one event to {args.subscribers} SMS subscribers (SQLite) …", flush=True)
    figures = asyncio.run(run(args.subscribers))
    print(f"{'stage':10} {'rows':>6} {'ours s':>9} {'rows/s':>10} {'floor s':>9} {'ratio':>7}")
    print(
        f"{'enqueue':10} {figures['rows']:>6} {figures['enqueue_s']:>9.3f} "
        f"{figures['enqueue_rows_per_s']:>10.0f} {figures['raw_insert_s']:>9.3f} "
        f"{figures['enqueue_vs_raw_insert_ratio']:>7.2f}"
    )
    print(
        f"{'deliver':10} {3 * figures['rows']:>6} {figures['deliver_s']:>9.3f} "
        f"{figures['deliveries_per_s']:>10.0f} {figures['raw_update_s']:>9.3f} "
        f"{figures['deliver_vs_raw_update_ratio']:>7.2f}"
    )
    print(
        f"enqueue peak memory {figures['enqueue_peak_kib']:.0f} KiB; "
        f"total {time.perf_counter() - started:.1f} s. enqueue floor: one executemany INSERT of "
        "the same rows; deliver floor: one single-row UPDATE transaction per row."
    )
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()

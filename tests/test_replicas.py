"""Replicas sharing one database: singleton jobs, retention, the shared Twilio rate limit."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from notifier.channels.twilio_sms import SendBooker, TwilioSmsChannel
from notifier.config import TwilioConfig, parse_config
from notifier.errors import ConfigError
from notifier.model import ChannelKind, DeliveryStatus, Notice
from notifier.service import Service
from notifier.store import CLAIMED, DEAD, PENDING, SENT, SUPPRESSED, Store
from notifier.store.tables import (
    deliveries,
    delivery_attempts,
    documents_seen,
    events,
    levels,
    reports,
)
from tests.fakes import FakeTwilioApi
from tests.test_service import Clock, config_for

TWILIO_SID = "AC" + "b2" * 16


async def test_a_singleton_job_runs_on_one_replica_and_another_takes_over(
    tmp_path: Path, database_url: str
) -> None:
    config = parse_config(config_for(tmp_path, database_url), environ={})
    clock = Clock()
    quiet = {"echo": lambda _: None, "start_scheduler": False, "clock": clock}
    one = Service(config, **quiet)  # type: ignore[arg-type]
    two = Service(config, **quiet)  # type: ignore[arg-type]
    await one.start()
    await two.start()
    try:
        for job in ("expiry", "review"):
            assert await one.jobs.run_singleton(job) == 0  # ran: nothing to expire or apply
            assert await two.jobs.run_singleton(job) is None  # held by `one`
            assert await one.jobs.run_singleton(job) == 0  # the holder renews
        # A holder that dies (no release) is replaced once its lease runs out: expiry_check_s
        # is 15 s by default, so the lease lasts max(3 x 15 s, 30 s) = 45 s.
        clock.now += timedelta(seconds=44)
        assert await two.jobs.run_singleton("expiry") is None
        clock.now += timedelta(seconds=2)
        assert await two.jobs.run_singleton("expiry") == 0
        assert await one.jobs.run_singleton("expiry") is None
        # A holder that stops releases its leases at once.
        assert await one.jobs.run_singleton("review") == 0  # its own lease, renewed
        assert await two.jobs.run_singleton("review") is None
        await one.stop()
        assert await two.jobs.run_singleton("review") == 0
    finally:
        await one.stop()
        await two.stop()


# --- retention ---------------------------------------------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _delivery(id_: str, event_id: str, status: str, updated: datetime) -> dict[str, Any]:
    return {
        "id": id_,
        "event_id": event_id,
        "subscriber_id": f"sub-{id_}",
        "channel": "webhook",
        "address": "http://127.0.0.1:9/hook",
        "body": "{}",
        "status": status,
        "next_attempt_at": updated,
        "created": updated,
        "updated": updated,
    }


def _event(id_: str, area: str, at: datetime, document_id: str = "") -> dict[str, Any]:
    return {
        "id": id_,
        "kind": "issued",
        "scheme": "kz",
        "area_id": area,
        "area_name": area,
        "level": "red",
        "severity": "severe",
        "at": at,
        "created": at,
        "source_id": "src" if document_id else "",
        "document_id": document_id,
    }


def _report(status: str, area: str, at: datetime, decided: datetime | None) -> dict[str, Any]:
    return {
        "scheme": "kz",
        "area_id": area,
        "level": "red",
        "action": "issue",
        "source_id": "src",
        "trust": "media",
        "site": "example.org",
        "document_id": f"doc-{status}-{area}",
        "announcement": "{}",
        "reported_at": at,
        "created": at,
        "status": status,
        "decided": decided,
    }


async def _seed_history(store: Store) -> None:
    old = T0 - 400 * DAY
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(levels).values(
                scheme="kz",
                area_id="KZ-AKT",
                area_name="Aktobe",
                level="red",
                severity="severe",
                since=T0 - 500 * DAY,
                updated=T0 - 500 * DAY,
            )
        )
        await conn.execute(
            insert(events),
            [
                _event("e-old", "KZ-ALA", old),
                _event("e-old-pending", "KZ-ALA", old),
                _event("e-in-force", "KZ-AKT", T0 - 500 * DAY, document_id="doc-in-force"),
                _event("e-new", "KZ-ALA", T0 - DAY),
            ],
        )
        await conn.execute(
            insert(deliveries),
            [
                _delivery("d-sent", "e-old", SENT, T0 - 31 * DAY),
                _delivery("d-dead", "e-old", DEAD, T0 - 31 * DAY),
                _delivery("d-suppressed", "e-old", SUPPRESSED, T0 - 31 * DAY),
                _delivery("d-pending", "e-old-pending", PENDING, old),
                _delivery("d-claimed", "e-old-pending", CLAIMED, old),
                _delivery("d-new", "e-new", SENT, T0 - 29 * DAY),
            ],
        )
        await conn.execute(
            insert(delivery_attempts),
            [
                {"delivery_id": d, "attempt": n, "at": T0 - 31 * DAY, "outcome": "ok"}
                for d in ("d-sent", "d-dead", "d-new")
                for n in (1, 2)
            ],
        )
        seen = [
            ("doc-old", T0 - 91 * DAY),
            ("doc-in-force", T0 - 500 * DAY),
            ("doc-new", T0 - 89 * DAY),
        ]
        await conn.execute(
            insert(documents_seen),
            [
                {
                    "source_id": "src",
                    "document_id": d,
                    "content_hash": "0" * 64,
                    "first_seen": at,
                    "last_seen": at,
                }
                for d, at in seen
            ],
        )
        await conn.execute(
            insert(reports),
            [
                _report("confirmed", "KZ-ALA", old, old),
                _report("dismissed", "KZ-AKT", T0 - 450 * DAY, old),  # the level rests on it
                _report("unconfirmed", "KZ-ALA", old, None),
                _report("dismissed", "KZ-ALA", T0 - 10 * DAY, T0 - 10 * DAY),
            ],
        )


async def _ids(store: Store, column: Any) -> list[Any]:
    async with store.engine.connect() as conn:
        return sorted((await conn.execute(select(column))).scalars())


AGES = {
    "documents_s": 90 * 86400.0,
    "events_s": 365 * 86400.0,
    "deliveries_s": 30 * 86400.0,
    "reports_s": 365 * 86400.0,
}


async def test_retention_deletes_old_history_and_keeps_what_is_unfinished_or_in_force(
    store: Store,
) -> None:
    await _seed_history(store)
    deleted = await store.purge(now=T0, batch=2, **AGES)  # batches smaller than the work
    assert deleted == {"deliveries": 3, "events": 1, "documents": 1, "reports": 1}
    assert await _ids(store, deliveries.c.id) == ["d-claimed", "d-new", "d-pending"]
    assert await _ids(store, delivery_attempts.c.delivery_id) == ["d-new", "d-new"]
    assert await _ids(store, events.c.id) == ["e-in-force", "e-new", "e-old-pending"]
    assert await _ids(store, documents_seen.c.document_id) == ["doc-in-force", "doc-new"]
    assert await _ids(store, reports.c.status) == ["dismissed", "dismissed", "unconfirmed"]
    # A second run finds nothing more; a later one takes what has aged since.
    assert await store.purge(now=T0, batch=2, **AGES) == dict.fromkeys(deleted, 0)
    later = await store.purge(now=T0 + 2 * DAY, batch=1000, **AGES)
    assert later == {"deliveries": 1, "events": 0, "documents": 1, "reports": 0}


async def test_retention_null_keeps_for_ever(store: Store) -> None:
    await _seed_history(store)
    keep = dict.fromkeys(AGES, None)
    assert await store.purge(now=T0 + 3650 * DAY, **keep) == {}  # type: ignore[arg-type]
    assert len(await _ids(store, deliveries.c.id)) == 6


async def test_the_retention_job_runs_on_the_lease_holder_with_the_configured_ages(
    tmp_path: Path, database_url: str
) -> None:
    text = config_for(tmp_path, database_url) + "retention: {deliveries_s: 86400, events_s: null}\n"
    config = parse_config(text, environ={})
    clock = Clock()
    clock.now = T0
    quiet = {"echo": lambda _: None, "start_scheduler": False, "clock": clock}
    async with Service(config, **quiet) as one, Service(config, **quiet) as two:  # type: ignore[arg-type]
        await _seed_history(one.store)
        # 4 finished deliveries older than a day (not the pending and claimed; attempts are
        # not counted), 1 document, 1 report; events are kept for ever.
        assert await one.jobs.run_singleton("retention") == 4 + 1 + 1
        assert await two.jobs.run_singleton("retention") is None
        assert await _ids(one.store, deliveries.c.id) == ["d-claimed", "d-pending"]
        assert len(await _ids(one.store, events.c.id)) == 4


@pytest.mark.parametrize(
    "section",
    [
        "{events_s: 1e300}",
        "{events_s: .inf}",
        "{events_s: 3600}",  # under a day
        "{deliveries_s: -1}",
        "{documents_s: 400000000}",  # over ten years
        "{interval_s: 0}",
        "{batch: 100000000}",
        "{unknown_s: 5}",
    ],
)
def test_retention_ages_are_bounded(tmp_path: Path, section: str) -> None:
    text = config_for(tmp_path, "sqlite+aiosqlite:///x.db") + f"retention: {section}\n"
    with pytest.raises(ConfigError, match="retention"):
        parse_config(text, environ={})


# --- the shared Twilio rate limit --------------------------------------------------------------


async def test_send_slots_are_booked_in_turn_and_refused_beyond_the_wait(store: Store) -> None:
    book = store.book_send
    now = 1_800_000_000.0
    # 0.1 s apart: the first is due now, the next ones in turn, on either engine.
    for expected in (0.0, 0.1, 0.2):
        booked, wait = await book("AC1:+1555", now_s=now, interval_s=0.1, max_wait_s=0.25)
        assert booked and wait == pytest.approx(expected)
    assert await book("AC1:+1555", now_s=now, interval_s=0.1, max_wait_s=0.25) == (
        False,
        pytest.approx(0.3),
    )  # booked up: nothing taken
    assert await book("AC1:+1666", now_s=now, interval_s=0.1, max_wait_s=0.25) == (True, 0.0)
    # Later, an idle sender's slot is due at once again.
    assert await book("AC1:+1555", now_s=now + 10, interval_s=0.1, max_wait_s=0.25) == (True, 0.0)


async def test_two_replicas_together_stay_within_the_twilio_rate(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the limit is shared through PostgreSQL; SQLite has one process")
    stores = [await Store.open(database_url), await Store.open(database_url)]
    try:
        async with FakeTwilioApi(TWILIO_SID, "t0ken") as api:
            cfg = TwilioConfig.model_validate(
                {
                    "account_sid": TWILIO_SID,
                    "auth_token": "t0ken",
                    "from": "+15005550006",
                    "base_url": api.base_url,
                    "max_per_s": 20,
                }
            )
            channels = [
                TwilioSmsChannel(cfg, shared_rate=_booker(s), echo=lambda _: None) for s in stores
            ]
            for channel in channels:
                await channel.start()
            notices = [
                Notice("evt", f"sub-{n}", ChannelKind.TWILIO_SMS, f"+7701234{n:04d}", "RED")
                for n in range(40)
            ]
            started = time.monotonic()
            results = await asyncio.gather(
                *(channels[n % 2].send(notice) for n, notice in enumerate(notices))
            )
            elapsed = time.monotonic() - started
            for channel in channels:
                await channel.aclose()
    finally:
        for s in stores:
            await s.close()
    assert [r.status for r in results] == [DeliveryStatus.OK] * 40
    assert elapsed >= 1.9  # 40 at 20/s: the first at once, the 40th ~1.99 s later
    arrived = sorted(m["received"] for m in api.messages)
    assert len(arrived) == 40
    # No 1-second window holds more than 20: the 21st after any message is >= 1 s later.
    gap = min(arrived[i + 20] - arrived[i] for i in range(20))
    assert gap >= 1.0, f"21 messages within {gap:.3f} s (elapsed {elapsed:.3f} s)"


def _booker(store: Store) -> SendBooker:
    async def book(sender: str, now_s: float, interval_s: float, max_wait_s: float) -> Any:
        return await store.book_send(
            sender, now_s=now_s, interval_s=interval_s, max_wait_s=max_wait_s
        )

    return book

"""Fairness between channels: SMS waiting for their rate limit never starve webhooks.

Real local servers (the fake Twilio API, a webhook consumer), real SQLite and PostgreSQL; on
PostgreSQL the Twilio rate is the one shared through the database, as the service wires it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from notifier.channels.twilio_sms import TwilioSmsChannel
from notifier.channels.webhook import WebhookChannel
from notifier.dispatch.outbox import OutboxWorker, RetryPolicy
from notifier.model import ChannelKind, DeliveryResult, Notice
from notifier.store import Store
from tests.fakes import FakeTwilioApi, WebhookConsumer
from tests.test_channels_twilio import SID, TOKEN, config
from tests.test_channels_webhook import SECRET, endpoint
from tests.test_outbox import running
from tests.test_store import T0, notice, red_event

SMS = ChannelKind.TWILIO_SMS.value
HOOK = ChannelKind.WEBHOOK.value


async def fan_out(store: Store, *, sms: int, webhooks: int) -> None:
    """One event to `sms` SMS subscribers and `webhooks` endpoints, SMS rows first in due
    order: an outbox that claims and starts in due order meets the SMS backlog first."""
    ev = red_event()
    rows = [
        Notice(
            ev.id,
            f"phone{i}",
            ChannelKind.TWILIO_SMS,
            f"+7701{i:07d}",
            "RED",
            delivery_id=notice(ev, f"phone{i}", ChannelKind.TWILIO_SMS).delivery_id,
        )
        for i in range(sms)
    ]
    rows += [notice(ev, f"hook{i}") for i in range(webhooks)]
    await store.commit_outcome(
        source_id="s",
        document=None,
        level_writes=[],
        new_events=[ev],
        notices=rows[:sms],
        now=T0,
    )
    # The webhooks' rows are due a moment later than every SMS row.
    await store.commit_outcome(
        source_id="s",
        document=None,
        level_writes=[],
        new_events=[],
        notices=rows[sms:],
        now=T0 + timedelta(seconds=1),
    )


class CountingSms(TwilioSmsChannel):
    """The real channel, noting how many sends (waiting for the limit or talking to Twilio)
    are in flight at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = self.peak = 0

    async def send(self, notice: Notice) -> DeliveryResult:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await super().send(notice)
        finally:
            self.now -= 1


async def test_webhooks_are_not_starved_by_sms_waiting_for_their_rate_limit(
    store: Store, database_url: str
) -> None:
    # 200 SMS at 10/s (20 s of sending) and 300 webhooks in one fan-out, SMS first. The
    # webhooks must all arrive within a couple of seconds while the SMS keep to their limit.
    n_sms, n_hooks, rate = 200, 300, 10
    await fan_out(store, sms=n_sms, webhooks=n_hooks)
    shared = None
    if database_url.startswith("postgresql"):

        async def shared(sender: str, now_s: float, interval_s: float, wait_s: float) -> Any:
            return await store.book_send(
                sender, now_s=now_s, interval_s=interval_s, max_wait_s=wait_s
            )

    names = [f"hook{i}" for i in range(n_hooks)]
    async with (
        FakeTwilioApi(SID, TOKEN) as api,
        WebhookConsumer(SECRET, path="/ok") as consumer,
        aiohttp.ClientSession() as session,
    ):
        sms = CountingSms(config(api, max_per_s=rate), shared_rate=shared)
        await sms.start()
        hooks = {n: endpoint(consumer.url).model_copy(update={"id": n}) for n in names}
        worker = OutboxWorker(
            store,
            {ChannelKind.TWILIO_SMS: sms, ChannelKind.WEBHOOK: WebhookChannel(session, hooks)},
            RetryPolicy((60,), max_attempts=1, jitter_ratio=0),
            concurrency=8,  # fewer slots than SMS the old outbox let wait: it starved webhooks
            idle_poll_s=0.1,
        )
        slots = worker.rate_slots()[SMS]
        assert slots == 4  # 10/s fills 5 in the 0.5 s window; capped at half of 8
        started = time.monotonic()
        held = 0
        async with running(worker):
            while len(consumer.deliveries) < n_hooks:
                assert time.monotonic() - started < 10, len(consumer.deliveries)
                held = max(held, worker.held().get(SMS, 0))
                await asyncio.sleep(0.05)
            hooks_s = time.monotonic() - started
            while len(api.messages) < n_sms:
                assert time.monotonic() - started < n_sms / rate + 15, len(api.messages)
                held = max(held, worker.held().get(SMS, 0))
                await asyncio.sleep(0.2)
            await sms.aclose()
    assert hooks_s < 3.0, f"webhooks took {hooks_s:.2f} s behind {n_sms} SMS"
    assert len({d["webhook_id"] for d in consumer.deliveries}) == n_hooks
    # SMS hold at most their slots while waiting, and few claimed rows.
    assert sms.peak <= slots
    assert 0 < held <= 2 * slots, held
    # Zero 429s (the limit held on our side) and the steady rate within 5 % of the limit: the
    # first second is the bucket's saved-up burst.
    assert not [r for r in api.requests if r["status"] == 429]
    arrived = sorted(m["received"] for m in api.messages)
    assert len(arrived) == n_sms
    steady = [t for t in arrived if t >= arrived[0] + 1.0]
    sent_rate = (len(steady) - 1) / (steady[-1] - steady[0])
    assert rate * 0.95 <= sent_rate <= rate * 1.05, sent_rate
    # No second after the burst holds more than the bucket can ever release: its saved-up burst
    # (one second's worth) plus one second's rate. Arrivals are stamped by the server, so a
    # stalled event loop on a loaded machine bunches them beyond the steady `rate + 1`; a
    # broken limit sends far more.
    for i, t in enumerate(steady):
        assert sum(1 for u in steady[i:] if u < t + 1.0) <= 2 * rate
    assert [r["attempts"] for r in await store.deliveries(limit=1000)] == [1] * (n_sms + n_hooks)


async def test_a_claim_gives_a_limited_channel_its_share_and_the_rest_to_others(
    store: Store,
) -> None:
    await fan_out(store, sms=50, webhooks=50)
    now = T0 + timedelta(seconds=2)
    rows = await store.claim(limit=20, worker="w", now=now, lease_s=15, channel_limits={SMS: 4})
    by_channel = [r.channel for r in rows]
    assert by_channel.count(SMS) == 4  # SMS are due first, yet take only their share
    assert by_channel.count(HOOK) == 16
    # A share used up (or a hostile negative one) takes none; excluded channels none either.
    rows = await store.claim(limit=10, worker="w", now=now, lease_s=15, channel_limits={SMS: -3})
    assert {r.channel for r in rows} == {HOOK} and len(rows) == 10
    rows = await store.claim(
        limit=10,
        worker="w",
        now=now,
        lease_s=15,
        exclude_channels=[HOOK],
        channel_limits={SMS: 100},
    )
    assert {r.channel for r in rows} == {SMS} and len(rows) == 10
    # Without limits a claim takes rows in due order, whatever their channel.
    rows = await store.claim(limit=40, worker="w", now=now, lease_s=15)
    assert [r.channel for r in rows].count(SMS) == 36  # 50 - 4 - 10, then 4 webhooks


async def test_a_webhook_backlog_does_not_keep_sms_from_their_share(store: Store) -> None:
    # Webhooks due first fill any claim without shares; the SMS share is picked first.
    await fan_out(store, sms=0, webhooks=100)
    ev = red_event(T0 + timedelta(minutes=1))
    sms_rows = [
        Notice(
            ev.id,
            f"phone{i}",
            ChannelKind.TWILIO_SMS,
            f"+7702{i:07d}",
            "RED",
            delivery_id=notice(ev, f"phone{i}", ChannelKind.TWILIO_SMS).delivery_id,
        )
        for i in range(10)
    ]
    await store.commit_outcome(
        source_id="s",
        document=None,
        level_writes=[],
        new_events=[ev],
        notices=sms_rows,
        now=T0 + timedelta(seconds=5),
    )
    rows = await store.claim(
        limit=20, worker="w", now=T0 + timedelta(seconds=6), lease_s=15, channel_limits={SMS: 6}
    )
    assert [r.channel for r in rows].count(SMS) == 6


@pytest.mark.parametrize(
    ("rate", "concurrency", "slots"),
    [(10, 64, 5), (100, 64, 32), (1000, 16, 8), (0.1, 64, 1), (100, 1, 1), (3, 2, 1)],
)
def test_a_rate_limited_channel_gets_the_slots_its_limit_fills_never_half_the_pipeline(
    rate: float, concurrency: int, slots: int
) -> None:
    class Limited:
        kind = ChannelKind.TWILIO_SMS
        rate_per_s = rate

        async def send(self, notice: Notice) -> DeliveryResult:
            raise AssertionError("not sent")

        async def aclose(self) -> None:
            pass

    worker = OutboxWorker(
        None,  # type: ignore[arg-type]  # nothing here touches the store
        {ChannelKind.TWILIO_SMS: Limited()},
        RetryPolicy(),
        concurrency=concurrency,
    )
    assert worker.rate_slots() == {SMS: slots}

"""The console lines of echoed delivery results: one line per success up to a budget per
second, then one count; failures always have their own line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from notifier.channels import running
from notifier.channels.running import ChannelSet
from notifier.model import DeliveryResult
from notifier.store import Delivery

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


class _Followers:
    def delivered(self, row: Delivery, result: DeliveryResult) -> None:
        pass


def _row(n: int) -> Delivery:
    return Delivery(
        id=f"msg_{n}", event_id="evt_1", subscriber_id=f"hook{n}", channel="webhook",
        address="http://127.0.0.1/", body="{}", language="en", status="claimed", attempts=0,
        next_attempt_at=NOW, last_error="", provider_id="", created=NOW, sent_at=None,
    )  # fmt: skip


async def test_a_fan_out_is_counted_not_listed(monkeypatch: Any) -> None:
    lines: list[str] = []
    channels = ChannelSet(
        store=lambda: None,  # type: ignore[arg-type,return-value]
        followers=_Followers(),  # type: ignore[arg-type]
        clock=lambda: NOW,
        echo=lines.append,
    )
    monkeypatch.setattr(running, "ECHO_SENT_PER_S", 3)
    for n in range(10):
        channels.delivered(_row(n), DeliveryResult.ok(), "sent")
    failed = DeliveryResult.retryable("HTTP 503")
    channels.delivered(_row(99), failed, "pending")
    assert lines[:3] == [f"[webhook → hook{n}] delivered msg_{n}: ok" for n in range(3)]
    assert lines[3] == "[webhook → hook99] will retry msg_99: HTTP 503"
    assert len(lines) == 4
    await asyncio.sleep(1.1)  # the second ends: its count is said without another delivery
    assert lines[4:] == ["[webhook] delivered 7 more (not listed one by one)"]
    await channels.aclose()
    assert len(lines) == 5

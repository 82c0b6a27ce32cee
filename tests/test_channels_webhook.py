"""WebhookChannel against a real consumer on 127.0.0.1 that verifies with `standardwebhooks`."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import pytest

from notifier.channels.base import Channel, classify_http_status, parse_retry_after
from notifier.channels.webhook import USER_AGENT, WebhookChannel
from notifier.config import WebhookEndpoint
from notifier.model import ChannelKind, DeliveryStatus, Notice
from tests.fakes import Reply, WebhookConsumer

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
BODY = json.dumps({"type": "level.issued", "schema_version": 1, "data": {"area": "Ақтөбе"}})


def endpoint(url: str, *, secret: str = SECRET, timeout_s: float = 5.0) -> WebhookEndpoint:
    return WebhookEndpoint(id="ops", url=url, secret=secret, areas=["KZ"], timeout_s=timeout_s)


def notice(delivery_id: str = "dlv_42", body: str = BODY) -> Notice:
    return Notice("evt_1", "ops", ChannelKind.WEBHOOK, "ignored", body, "en", delivery_id)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def test_signed_delivery_is_verified_by_the_consumer(session: aiohttp.ClientSession) -> None:
    async with WebhookConsumer(SECRET) as consumer:
        channel = WebhookChannel(session, {"ops": endpoint(consumer.url)})
        assert isinstance(channel, Channel)
        result = await channel.send(notice())
    assert result.status is DeliveryStatus.OK
    assert len(consumer.deliveries) == 1
    delivery = consumer.deliveries[0]
    assert delivery["webhook_id"] == "dlv_42"
    assert delivery["payload"] == json.loads(BODY)
    headers = {k.lower(): v for k, v in delivery["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
    assert headers["webhook-signature"].startswith("v1,")
    # The exact bytes signed are the bytes sent (UTF-8, non-ASCII kept).
    assert consumer.attempts[0]["body"] == BODY


async def test_500_500_200_is_retryable_retryable_ok_with_one_webhook_id(
    session: aiohttp.ClientSession,
) -> None:
    async with WebhookConsumer(SECRET, script=[500, 500, 200]) as consumer:
        channel = WebhookChannel(session, {"ops": endpoint(consumer.url)})
        results = [await channel.send(notice()) for _ in range(3)]
    assert [r.status for r in results] == [
        DeliveryStatus.RETRYABLE,
        DeliveryStatus.RETRYABLE,
        DeliveryStatus.OK,
    ]
    assert results[0].reason == "HTTP 500"
    assert consumer.webhook_ids == ["dlv_42", "dlv_42", "dlv_42"]
    assert [a["verified"] for a in consumer.attempts] == [True, True, True]
    assert len(consumer.deliveries) == 1


async def test_410_disables_the_endpoint(session: aiohttp.ClientSession) -> None:
    async with WebhookConsumer(SECRET, script=[410]) as consumer:
        result = await WebhookChannel(session, {"ops": endpoint(consumer.url)}).send(notice())
    assert result.status is DeliveryStatus.PERMANENT
    assert result.disable_endpoint


async def test_429_with_retry_after_seconds(session: aiohttp.ClientSession) -> None:
    async with WebhookConsumer(SECRET, script=[Reply.retry_after(429, 7)]) as consumer:
        result = await WebhookChannel(session, {"ops": endpoint(consumer.url)}).send(notice())
    assert result.status is DeliveryStatus.RETRYABLE
    assert result.retry_after_s == 7.0


async def test_503_with_retry_after_http_date(session: aiohttp.ClientSession) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    async with WebhookConsumer(SECRET, script=[Reply.retry_after(503, later)]) as consumer:
        result = await WebhookChannel(session, {"ops": endpoint(consumer.url)}).send(notice())
    assert result.status is DeliveryStatus.RETRYABLE
    assert result.retry_after_s is not None and 115 <= result.retry_after_s <= 120


async def test_redirect_is_not_followed(session: aiohttp.ClientSession) -> None:
    async with WebhookConsumer(SECRET) as consumer:
        consumer.script(Reply.redirect(consumer.base_url + "/moved", status=308))
        result = await WebhookChannel(session, {"ops": endpoint(consumer.url)}).send(notice())
    assert result.status is DeliveryStatus.RETRYABLE
    assert result.reason == f"HTTP 308 redirect not followed: Location: {consumer.base_url}/moved"
    assert consumer.other_hits == []
    assert len(consumer.attempts) == 1


async def test_timeout_from_the_endpoint_config(session: aiohttp.ClientSession) -> None:
    async with WebhookConsumer(SECRET, script=[Reply(200, delay_s=3)]) as consumer:
        channel = WebhookChannel(session, {"ops": endpoint(consumer.url, timeout_s=0.2)})
        started = time.monotonic()
        result = await channel.send(notice())
        elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert result.status is DeliveryStatus.RETRYABLE
    assert result.reason == "no answer within 0.2 s"


async def test_connection_refused_is_retryable(session: aiohttp.ClientSession) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    channel = WebhookChannel(session, {"ops": endpoint(f"http://127.0.0.1:{port}/hook")})
    result = await channel.send(notice())
    assert result.status is DeliveryStatus.RETRYABLE
    assert result.reason.startswith("cannot connect")


async def test_wrong_secret_is_rejected_by_the_consumer(session: aiohttp.ClientSession) -> None:
    other = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    async with WebhookConsumer(SECRET) as consumer:
        channel = WebhookChannel(session, {"ops": endpoint(consumer.url, secret=other)})
        result = await channel.send(notice())
    assert result.status is DeliveryStatus.RETRYABLE  # a key rotation in progress, maybe
    assert result.reason == "HTTP 401"
    assert consumer.attempts[0]["verified"] is False
    assert consumer.attempts[0]["error"] == "No matching signature found"
    assert consumer.deliveries == []


async def test_unknown_endpoint_is_permanent(session: aiohttp.ClientSession) -> None:
    result = await WebhookChannel(session, {}).send(notice())
    assert result.status is DeliveryStatus.PERMANENT
    assert result.reason == "no webhook endpoint 'ops' in the configuration"


async def test_signature_uses_the_injected_clock(session: aiohttp.ClientSession) -> None:
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    channel = WebhookChannel(session, {}, clock=lambda: at)
    headers = channel.headers(endpoint("http://127.0.0.1/"), notice())
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert headers["webhook-id"] == "dlv_42"


@pytest.mark.parametrize(
    ("status", "expected", "disable"),
    [
        (200, DeliveryStatus.OK, False),
        (204, DeliveryStatus.OK, False),
        (301, DeliveryStatus.RETRYABLE, False),
        (307, DeliveryStatus.RETRYABLE, False),
        (400, DeliveryStatus.RETRYABLE, False),
        (401, DeliveryStatus.RETRYABLE, False),
        (404, DeliveryStatus.RETRYABLE, False),
        (408, DeliveryStatus.RETRYABLE, False),
        (410, DeliveryStatus.PERMANENT, True),
        (413, DeliveryStatus.RETRYABLE, False),
        (429, DeliveryStatus.RETRYABLE, False),
        (500, DeliveryStatus.RETRYABLE, False),
        (502, DeliveryStatus.RETRYABLE, False),
        (503, DeliveryStatus.RETRYABLE, False),
        (504, DeliveryStatus.RETRYABLE, False),
    ],
)
def test_classify_http_status(status: int, expected: DeliveryStatus, disable: bool) -> None:
    result = classify_http_status(status)
    assert result.status is expected
    assert result.disable_endpoint is disable


def test_retry_after_only_for_retryable_statuses() -> None:
    assert classify_http_status(429, retry_after="30").retry_after_s == 30.0
    assert classify_http_status(404, retry_after="30").retry_after_s is None


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Wed, 25 Nov 2026 12:01:30 GMT", now) == 90.0
    assert parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None

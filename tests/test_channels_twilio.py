"""TwilioSmsChannel: the real twilio async client against FakeTwilioApi on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from notifier.channels.base import Channel
from notifier.channels.twilio_sms import TokenBucket, TwilioSmsChannel, classify_twilio_error
from notifier.config import TwilioConfig
from notifier.model import ChannelKind, DeliveryStatus, Notice
from tests.fakes import FakeTwilioApi

SID = "AC" + "a1" * 16
TOKEN = "s3cr3t-auth-token-value"
FROM = "+15005550006"
TO = "+77012345678"


@pytest.fixture(autouse=True)
def _no_twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # TWILIO_EDGE/TWILIO_REGION make the client rewrite hosts; keep the tests hermetic.
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)


def config(api: FakeTwilioApi | None, **overrides: Any) -> TwilioConfig:
    values: dict[str, Any] = {
        "account_sid": SID,
        "auth_token": TOKEN,
        "from": FROM,
        "base_url": api.base_url if api else None,
        "max_per_s": 1000,
    }
    values.update(overrides)
    return TwilioConfig.model_validate(values)


def notice(
    to: str = TO, body: str = "Aktobe: terror threat level RED (extreme) declared."
) -> Notice:
    return Notice("evt_1", "sub-1", ChannelKind.TWILIO_SMS, to, body, "en", "dlv_1")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_sends_one_message_with_exact_form_fields() -> None:
    async with FakeTwilioApi(SID, TOKEN) as api:
        cfg = config(
            api, status_callback_url="https://notifier.example/twilio/status", validity_period_s=600
        )
        async with TwilioSmsChannel(cfg) as channel:
            assert isinstance(channel, Channel)
            result = await channel.send(notice())
        assert result.status is DeliveryStatus.OK
        assert len(api.messages) == 1 and len(api.requests) == 1
        assert result.provider_id == api.messages[0]["sid"]
        assert api.messages[0]["form"] == {
            "To": TO,
            "From": FROM,
            "Body": "Aktobe: terror threat level RED (extreme) declared.",
            "ValidityPeriod": "600",
            "StatusCallback": "https://notifier.example/twilio/status",
        }


async def test_messaging_service_is_sent_instead_of_from() -> None:
    async with FakeTwilioApi(SID, TOKEN) as api:
        cfg = config(api, **{"from": None, "messaging_service_sid": "MG" + "0" * 32})
        async with TwilioSmsChannel(cfg) as channel:
            result = await channel.send(notice())
    assert result.status is DeliveryStatus.OK
    assert api.messages[0]["form"] == {
        "To": TO,
        "MessagingServiceSid": "MG" + "0" * 32,
        "Body": "Aktobe: terror threat level RED (extreme) declared.",
        "ValidityPeriod": "900",
    }


async def test_wrong_auth_token_is_rejected_by_the_fake_and_permanent() -> None:
    async with (
        FakeTwilioApi(SID, TOKEN) as api,
        TwilioSmsChannel(config(api, auth_token="wrong")) as channel,
    ):
        result = await channel.send(notice())
    assert api.messages == []
    assert api.requests[0]["status"] == 401
    assert result.status is DeliveryStatus.PERMANENT
    assert result.reason.startswith("twilio 20003")


@pytest.mark.parametrize(
    ("code", "status", "flags", "reason_part"),
    [
        (21610, DeliveryStatus.PERMANENT, {"opted_out": True}, "opted out"),
        (21211, DeliveryStatus.PERMANENT, {}, "invalid 'To' number"),
        (21614, DeliveryStatus.PERMANENT, {}, "not a mobile number"),
        (20429, DeliveryStatus.RETRYABLE, {}, "rate limited"),
        (429, DeliveryStatus.RETRYABLE, {}, "rate limited"),
        (500, DeliveryStatus.RETRYABLE, {}, "may duplicate"),
        (503, DeliveryStatus.RETRYABLE, {}, "may duplicate"),
        (21611, DeliveryStatus.RETRYABLE, {}, "queue full"),
    ],
)
async def test_twilio_errors_are_mapped(
    code: int, status: DeliveryStatus, flags: dict[str, bool], reason_part: str
) -> None:
    async with FakeTwilioApi(SID, TOKEN) as api:
        api.fail(TO, code)
        async with TwilioSmsChannel(config(api)) as channel:
            result = await channel.send(notice())
            again = await channel.send(notice())
    assert result.status is status
    assert reason_part in result.reason
    assert result.opted_out is flags.get("opted_out", False)
    assert not result.disable_endpoint
    # One request per send: the client never retries on its own.
    assert len(api.requests) == 2
    assert again.status is DeliveryStatus.OK and len(api.messages) == 1


async def test_fail_always_keeps_failing() -> None:
    async with FakeTwilioApi(SID, TOKEN) as api:
        api.fail_always(TO, 21610)
        async with TwilioSmsChannel(config(api)) as channel:
            results = [await channel.send(notice()) for _ in range(3)]
    assert [r.opted_out for r in results] == [True, True, True]
    assert api.messages == []


async def test_server_errors_can_be_made_permanent_for_at_most_once() -> None:
    async with FakeTwilioApi(SID, TOKEN) as api:
        api.fail(TO, 500)
        async with TwilioSmsChannel(config(api), retry_ambiguous=False) as channel:
            result = await channel.send(notice())
    assert result.status is DeliveryStatus.PERMANENT
    assert "may have been sent" in result.reason


def test_classify_twilio_error_without_a_code_uses_the_status() -> None:
    assert classify_twilio_error(404, None).status is DeliveryStatus.PERMANENT
    assert classify_twilio_error(502, 502).status is DeliveryStatus.RETRYABLE
    assert (
        classify_twilio_error(400, 21211, "bad").reason == "twilio 21211: bad (invalid 'To' number)"
    )


async def test_missing_body_gets_twilio_21602() -> None:
    async with FakeTwilioApi(SID, TOKEN) as api, TwilioSmsChannel(config(api)) as channel:
        result = await channel.send(notice(body=""))
    assert result.status is DeliveryStatus.PERMANENT
    assert result.reason == "twilio 21602: Message body is required."


async def test_timeout_is_enforced_and_retryable() -> None:
    async with (
        FakeTwilioApi(SID, TOKEN, delay_s=5) as api,
        TwilioSmsChannel(config(api, timeout_s=0.3)) as channel,
    ):
        started = time.monotonic()
        result = await channel.send(notice())
        elapsed = time.monotonic() - started
    assert elapsed < 2
    assert result.status is DeliveryStatus.RETRYABLE
    assert result.reason.startswith("no answer from Twilio within 0.3 s")
    assert "may duplicate" in result.reason


async def test_connection_refused_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = config(None, base_url=f"http://127.0.0.1:{port}")
    async with TwilioSmsChannel(cfg) as channel:
        result = await channel.send(notice())
    assert result.status is DeliveryStatus.RETRYABLE
    assert result.reason.startswith("cannot connect to Twilio")


async def test_dry_run_prints_and_sends_nothing(caplog: pytest.LogCaptureFixture) -> None:
    printed: list[str] = []
    cfg = TwilioConfig()
    assert cfg.dry_run
    with caplog.at_level(logging.WARNING, logger="notifier.channels.twilio_sms"):
        async with TwilioSmsChannel(cfg, echo=printed.append) as channel:
            first = await channel.send(notice())
            await channel.send(notice(to="+77017654321", body="second"))
    assert printed == [
        "[dry-run SMS → +77012345678] Aktobe: terror threat level RED (extreme) declared.",
        "[dry-run SMS → +77017654321] second",
    ]
    assert first.status is DeliveryStatus.OK and first.provider_id == "dry-run"
    warnings = [r for r in caplog.records if "DRY-RUN" in r.getMessage()]
    assert len(warnings) == 1


async def test_dry_run_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    async with TwilioSmsChannel(TwilioConfig()) as channel:
        await channel.send(notice(body="hello"))
    assert capsys.readouterr().out == "[dry-run SMS → +77012345678] hello\n"


async def test_auth_token_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    async with FakeTwilioApi(SID, TOKEN) as api:
        api.fail(TO, 21211)
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("notifier.channels.twilio_sms.http").setLevel(logging.DEBUG)
            try:
                async with TwilioSmsChannel(config(api)) as channel:
                    await channel.send(notice())
                    await channel.send(notice())
            finally:
                logging.getLogger("notifier.channels.twilio_sms.http").setLevel(logging.WARNING)
    assert caplog.records  # the client did log its requests
    assert TOKEN not in caplog.text


async def test_rate_limit_waits_per_sender_with_injected_clock() -> None:
    clock = FakeClock()
    async with FakeTwilioApi(SID, TOKEN) as api:
        cfg = config(api, max_per_s=2)
        async with TwilioSmsChannel(cfg, clock=clock, sleep=clock.sleep) as channel:
            results = [await channel.send(notice()) for _ in range(4)]
    assert [r.status for r in results] == [DeliveryStatus.OK] * 4
    # A burst of 2, then one every half second.
    assert clock.sleeps == [0.5, 0.5]
    assert len(api.messages) == 4


async def test_rate_limit_beyond_max_wait_defers_without_an_attempt() -> None:
    clock = FakeClock()
    async with FakeTwilioApi(SID, TOKEN) as api:
        cfg = config(api, max_per_s=1)

        async def no_time_passes(_: float) -> None:
            return None

        channel = TwilioSmsChannel(cfg, clock=clock, sleep=no_time_passes, max_wait_s=2.5)
        async with channel:
            results = [await channel.send(notice()) for _ in range(4)]
    # Waits of 0, 1 and 2 s are taken; the fourth would wait 3 s > max_wait_s.
    assert [r.status for r in results] == [DeliveryStatus.OK] * 3 + [DeliveryStatus.DEFERRED]
    assert results[3].retry_after_s == 3.0
    assert len(api.messages) == 3


def test_token_bucket_refills_with_the_clock() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, burst=2, clock=clock)
    assert [bucket.reserve(), bucket.reserve(), bucket.reserve()] == [0.0, 0.0, 1.0]
    clock.now += 10
    assert bucket.wait_s() == 0.0
    assert [bucket.reserve(), bucket.reserve(), bucket.reserve()] == [0.0, 0.0, 1.0]


async def test_concurrent_sends_queue_behind_the_limit() -> None:
    clock = FakeClock()
    async with FakeTwilioApi(SID, TOKEN) as api:
        cfg = config(api, max_per_s=1)
        sleeps: list[float] = []

        async def record(seconds: float) -> None:  # concurrent sleeps overlap: no clock change
            sleeps.append(seconds)

        async with TwilioSmsChannel(cfg, clock=clock, sleep=record) as channel:
            results = await asyncio.gather(*(channel.send(notice()) for _ in range(3)))
    assert all(r.status is DeliveryStatus.OK for r in results)
    # Each caller reserves its own slot: they queue 1 s apart instead of all waiting 1 s.
    assert sorted(sleeps) == [1.0, 2.0]


async def test_fake_posts_signed_status_callbacks() -> None:
    received: list[dict[str, str]] = []

    async def callback(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        valid = RequestValidator(TOKEN).validate(
            str(request.url), form, request.headers.get("X-Twilio-Signature", "")
        )
        received.append(form)
        return web.Response(status=204 if valid else 403)

    app = web.Application()
    app.router.add_post("/twilio/status", callback)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/twilio/status"
    try:
        async with FakeTwilioApi(SID, TOKEN) as api:
            async with TwilioSmsChannel(config(api, status_callback_url=url)) as channel:
                result = await channel.send(notice())
            status = await api.send_status_callback(result.provider_id, "delivered")
            failed = await api.send_status_callback(
                result.provider_id, "undelivered", error_code=30003
            )
    finally:
        await runner.cleanup()
    assert (status, failed) == (204, 204)
    assert received[0]["MessageSid"] == result.provider_id
    assert received[0]["MessageStatus"] == "delivered"
    assert received[0]["To"] == TO and received[0]["AccountSid"] == SID
    assert received[1]["ErrorCode"] == "30003"


async def test_channel_closes_its_session() -> None:
    async with FakeTwilioApi(SID, TOKEN) as api:
        channel = TwilioSmsChannel(config(api))
        await channel.start()
        http = channel._http
        assert http is not None
        await channel.aclose()
        session = http.session
        assert isinstance(session, aiohttp.ClientSession) and session.closed

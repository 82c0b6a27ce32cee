"""The `test` webhook event (`notifier send-test`) as the README's schema describes it, accepted
by a consumer that verifies with `standardwebhooks` like any other delivery."""

from __future__ import annotations

import re
from pathlib import Path

from standardwebhooks import Webhook

from tests.fakes.webhook_consumer import WebhookConsumer
from tests.test_cli import send_test

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def test_send_test_is_the_documented_test_event_and_a_verifier_accepts_it(
    tmp_path: Path,
) -> None:
    async with WebhookConsumer(SECRET) as consumer:
        file = tmp_path / "n.yaml"
        file.write_text(
            f"""
webhooks:
  - {{id: newsroom, url: "{consumer.url}", secret: "{SECRET}", areas: [KZ], language: de}}
network: {{allow: ["127.0.0.0/8"]}}
"""
        )
        first = await send_test(file, "newsroom")
        second = await send_test(file, "newsroom")
    assert first[0] == 0 and first[1].strip() == "newsroom: delivered: HTTP 200", first[1]
    assert second[0] == 0, second[1]
    assert [a["verified"] for a in consumer.attempts] == [True, True]
    one, two = consumer.deliveries
    payload = one["payload"]
    assert set(payload) == {"type", "schema_version", "event_id", "occurred_at", "data"}
    assert (payload["type"], payload["schema_version"]) == ("test", 1)
    assert re.fullmatch(r"evt_test_[0-9a-f]{20}", payload["event_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["occurred_at"])
    assert set(payload["data"]) == {"subscriber_id", "language", "text"}
    assert (payload["data"]["subscriber_id"], payload["data"]["language"]) == ("newsroom", "de")
    # Each test is its own event and its own delivery: a consumer that dedupes keeps both.
    assert payload["event_id"] != two["payload"]["event_id"]
    assert one["webhook_id"] != two["webhook_id"]
    # Verified independently of the fake consumer: the standard's own library, right secret.
    attempt = consumer.attempts[0]
    assert Webhook(SECRET).verify(attempt["body"], attempt["headers"]) == payload
    # The README documents the event with the fields it has.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Webhook payload", 1)[1].split("\n### ", 1)[0]
    assert '"type": "test"' in section and "notifier send-test" in section
    for field in payload["data"]:
        assert f'"{field}"' in section, field

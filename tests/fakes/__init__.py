"""Real servers on 127.0.0.1 that play Twilio's API and a webhook consumer in tests."""

from .twilio_api import TWILIO_ERRORS, FakeTwilioApi
from .webhook_consumer import Reply, WebhookConsumer

__all__ = ["TWILIO_ERRORS", "FakeTwilioApi", "Reply", "WebhookConsumer"]

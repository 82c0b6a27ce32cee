"""Signed webhook notices (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
`webhook-signature`).

`webhook-id` is the outbox row id, so every retry of one delivery carries the same id and a
consumer can deduplicate on it; the timestamp and signature are fresh on each attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC

import aiohttp
from standardwebhooks import Webhook

from notifier import __version__
from notifier.channels.base import classify_http_status
from notifier.clock import Clock, system_clock
from notifier.config import WebhookEndpoint
from notifier.model import ChannelKind, DeliveryResult, Notice
from notifier.netguard import AddressRefused, mask_url, mask_urls_in

__all__ = ["USER_AGENT", "WebhookChannel"]

USER_AGENT = f"notifier/{__version__} (+Standard Webhooks)"


class WebhookChannel:
    """POSTs a notice's JSON body to the endpoint `notice.subscriber_id` names, signed with that
    endpoint's secret. The session is shared and owned by the caller."""

    kind: ChannelKind = ChannelKind.WEBHOOK

    def __init__(
        self,
        session: aiohttp.ClientSession,
        endpoints: Mapping[str, WebhookEndpoint],
        *,
        clock: Clock = system_clock,
        resolve: Callable[[str], Awaitable[WebhookEndpoint | None]] | None = None,
    ) -> None:
        self._session = session
        # Held by reference: a caller that swaps endpoints in place (config reload) is seen.
        self.endpoints = endpoints
        # Asked for an id `endpoints` lacks: a contact another replica created a moment ago.
        self._resolve = resolve
        self._clock = clock
        # By secret, not by endpoint: a signer holds nothing but the decoded key, and a
        # fan-out to 10,000 endpoints sharing one secret decoded it 10,000 times.
        self._signers: dict[str, Webhook] = {}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    def _signer(self, endpoint: WebhookEndpoint) -> Webhook:
        secret = endpoint.secret.get_secret_value()
        signer = self._signers.get(secret)
        if signer is None:
            signer = self._signers[secret] = Webhook(secret)
        return signer

    def _timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = self._timeouts[seconds] = aiohttp.ClientTimeout(total=seconds)
        return timeout

    def headers(self, endpoint: WebhookEndpoint, notice: Notice) -> dict[str, str]:
        """The headers of one attempt, signed now."""
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the webhook clock must return an aware datetime")
        now = now.astimezone(UTC)
        # Standard Webhooks ids must not contain "." (it separates the signed parts).
        msg_id = notice.delivery_id or f"{notice.event_id}_{notice.subscriber_id}".replace(".", "_")
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer(endpoint).sign(msg_id, now, notice.body),
        }

    async def send(self, notice: Notice) -> DeliveryResult:
        endpoint = self.endpoints.get(notice.subscriber_id)
        if endpoint is None and self._resolve is not None:
            endpoint = await self._resolve(notice.subscriber_id)
        if endpoint is None:
            return DeliveryResult.permanent(
                f"no webhook endpoint {notice.subscriber_id!r} in the configuration"
            )
        if not endpoint.enabled:
            return DeliveryResult.permanent(f"webhook endpoint {endpoint.id!r} is disabled")
        headers = self.headers(endpoint, notice)
        try:
            async with self._session.post(
                endpoint.url,
                data=notice.body.encode("utf-8"),
                headers=headers,
                allow_redirects=False,
                timeout=self._timeout(endpoint.timeout_s),
            ) as response:
                # Read a little so the connection can be reused; the content is not needed.
                await response.content.read(4096)
                detail = ""
                if 300 <= response.status < 400:
                    detail = f"Location: {mask_url(response.headers.get('Location', '?'))}"
                return classify_http_status(
                    response.status,
                    retry_after=response.headers.get("Retry-After"),
                    now=self._clock(),
                    detail=detail,
                )
        except AddressRefused as exc:  # the SSRF guard: retrying cannot help until allowed
            return DeliveryResult.permanent(f"address refused: {exc}")
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, AddressRefused):
                return DeliveryResult.permanent(f"address refused: {exc.os_error}")
            return DeliveryResult.retryable(f"cannot connect: {mask_urls_in(str(exc))}")
        except TimeoutError:
            return DeliveryResult.retryable(f"no answer within {endpoint.timeout_s:g} s")
        except aiohttp.ClientError as exc:
            return DeliveryResult.retryable(f"connection failed: {mask_urls_in(repr(exc))}")

    async def aclose(self) -> None:
        """The session belongs to the caller; nothing of ours to release."""
